import { Alert, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { SessionsTable, type SessionRow } from '../components/sessions-table.js';
import { errorText, isRpcError } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { ChangePasswordForm } from './change-password-form.js';
import './auth/auth.css';

/** Whether a failed call means the session no longer serves, so the shell leaves this screen. */
const leaves = (err: unknown) =>
  isRpcError(err, 'UNAUTHENTICATED') || isRpcError(err, 'PASSWORD_CHANGE_REQUIRED');

/** The operator's own account: their password and their live sessions. */
export function AccountScreen({ session, failure, onSessionRenewed }: SectionProps) {
  const { t } = useT('auth');
  const { operator } = session;
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<string>();
  const [revokeError, setRevokeError] = useState<string>();
  const [passwordNotice, setPasswordNotice] = useState<string>();
  const passwordHeading = useId();
  const sessionsHeading = useId();

  // Keyed by operator: another operator logging in on this console never sees these.
  const queryKey = ['session.list', operator.id];
  const sessions = useQuery({ queryKey, queryFn: () => call('session.list', {}) });
  // A session that no longer serves takes the console elsewhere (the shell's failure does that).
  const listError = sessions.error;
  useEffect(() => {
    if (listError && leaves(listError)) failure(listError);
  }, [listError, failure]);

  const revoke = useMutation({
    mutationFn: (s: SessionRow) => call('session.revoke', { sessionId: s.id }),
    onMutate: () => {
      setNotice(undefined);
      setRevokeError(undefined);
    },
    onSuccess: ({ revoked }, s) =>
      setNotice(revoked ? t('account.revoked', { source: s.source }) : t('account.alreadyEnded')),
    onError: (err) => setRevokeError(failure(err)),
    onSettled: () => queryClient.invalidateQueries({ queryKey }),
  });

  const roles = operator.roles.map((r) => r.name).join(', ') || t('account.noRoles');
  const error = revokeError ?? (listError && !leaves(listError) ? errorText(listError) : undefined);

  return (
    <Stack gap="md" className="auth-scope">
      <Text c="dimmed">
        {t('account.summary', {
          name: operator.displayName,
          username: operator.username,
          account: operator.source === 'ldap' ? t('account.directoryAccount') : t('account.localAccount'),
          roles,
        })}
      </Text>
      <section aria-labelledby={passwordHeading}>
        <Stack gap="sm">
          <Title order={2} size="h3" id={passwordHeading}>
            {t('account.passwordHeading')}
          </Title>
          {operator.source === 'ldap' ? (
            <Text>{t('account.directoryPassword')}</Text>
          ) : (
            <>
              {passwordNotice ? (
                <Alert role="status" color="green">
                  {passwordNotice}
                </Alert>
              ) : null}
              <ChangePasswordForm
                username={operator.username}
                onChanged={(renewed) => {
                  onSessionRenewed(renewed);
                  setPasswordNotice(t('account.passwordChanged'));
                  void queryClient.invalidateQueries({ queryKey });
                }}
                failure={failure}
              />
            </>
          )}
        </Stack>
      </section>
      <section aria-labelledby={sessionsHeading} className="auth-section">
        <Stack gap="sm">
          <Title order={2} size="h3" id={sessionsHeading}>
            {t('account.sessionsHeading')}
          </Title>
          {error ? <Alert color="red">{error}</Alert> : null}
          {notice ? (
            <Alert role="status" color="green">
              {notice}
            </Alert>
          ) : null}
          {sessions.data ? (
            <SessionsTable
              caption={t('account.sessionsCaption')}
              sessions={sessions.data}
              busy={revoke.isPending}
              onRevoke={(s) => revoke.mutate(s)}
            />
          ) : null}
        </Stack>
      </section>
    </Stack>
  );
}
