import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { ErrorAlert, Notice } from '../components/alert.js';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { CopyField } from '../components/copy-field.js';
import { SessionsTable, type SessionRow } from '../components/sessions-table.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { OperatorEditForm } from './operators/operator-edit-form.js';
import { readFailure, worded } from './operators/read-failure.js';

/**
 * One operator, for an administrator: edit, reset the password (the generated one shown once), unlock,
 * see and end sessions, delete. Destructive actions ask first.
 */
export function OperatorPanel({
  operator,
  roles,
  session,
  can,
  failure,
  reload,
  onDeleted,
  onClose,
}: Pick<SectionProps, 'session' | 'can' | 'failure'> & {
  operator: Operator;
  roles: readonly Role[];
  /** Reads the list again; resolves to the fresh list (undefined when that failed). */
  reload: () => Promise<Operator[] | undefined>;
  onDeleted: (operator: Operator) => void;
  onClose: () => void;
}) {
  const { t } = useT('operators');
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [temporary, setTemporary] = useState<string>();
  const [dialog, confirm] = useConfirm();
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const { id, username } = operator;
  const self = id === session.operator.id;

  const sessionsKey = ['operators.sessions', { id }];
  const sessions = useQuery({
    queryKey: sessionsKey,
    queryFn: worded(() => call('operators.sessions', { id }), failure),
  });
  const sessionsError = readFailure(sessions.error);

  /** Reads again what an action changed: the list (state, version) and the sessions. */
  const settle = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['operators.list'] }),
      queryClient.invalidateQueries({ queryKey: sessionsKey }),
    ]);
  const before = () => {
    setError(undefined);
    setNotice(undefined);
  };
  const onError = (err: unknown) => setError(failure(err));

  const reset = useMutation({
    mutationFn: () => call('operators.resetPassword', { id }),
    onMutate: before,
    onSuccess: ({ temporaryPassword }) => {
      setTemporary(temporaryPassword);
      if (!temporaryPassword) setNotice(t('panel.passwordReset'));
    },
    onError,
    onSettled: settle,
  });
  const unlock = useMutation({
    mutationFn: () => call('operators.unlock', { id }),
    onMutate: before,
    onSuccess: () => setNotice(t('panel.unlocked', { username })),
    onError,
    onSettled: settle,
  });
  const revoke = useMutation({
    mutationFn: (s: SessionRow | 'all') =>
      call('operators.revokeSessions', { id, ...(s === 'all' ? {} : { sessionId: s.id }) }),
    onMutate: before,
    onSuccess: ({ revoked }) => setNotice(t('panel.ended', { count: revoked })),
    onError,
    onSettled: settle,
  });
  const remove = useMutation({
    mutationFn: (version: number) => call('operators.delete', { id, version }),
    onMutate: before,
    onSuccess: () => onDeleted(operator),
    onError,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['operators.list'] }),
        queryClient.invalidateQueries({ queryKey: ['roles.list'] }),
      ]),
  });
  const busy = reset.isPending || unlock.isPending || revoke.isPending || remove.isPending;

  const askReset = async () => {
    const yes = await confirm({
      title: t('panel.resetTitle', { username }),
      message: t('panel.resetMessage'),
      confirmLabel: t('panel.resetPassword'),
      danger: true,
    });
    if (yes) reset.mutate();
  };
  const askEndAll = async () => {
    const yes = await confirm({
      title: t('panel.endAllTitle', { username }),
      message: t('panel.endAllMessage'),
      confirmLabel: t('panel.endAll'),
      danger: true,
    });
    if (yes) revoke.mutate('all');
  };
  const askDelete = async () => {
    const yes = await confirm({
      title: t('panel.deleteTitle', { username }),
      message: t('panel.deleteMessage', { name: operator.displayName }),
      confirmLabel: t('panel.delete'),
      danger: true,
    });
    if (yes) remove.mutate(operator.version);
  };

  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={titleId}>
      {dialog}
      <Stack gap="md">
        <Group justify="space-between" wrap="nowrap">
          <Title order={2} size="h3" id={titleId} ref={heading} tabIndex={-1}>
            {t('panel.title', { username })}
          </Title>
          <Button variant="default" size="compact-sm" onClick={onClose}>
            {t('close', { ns: 'common' })}
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          {t('panel.summary', {
            account: operator.source === 'ldap' ? t('panel.directoryAccount') : t('panel.localAccount'),
            created: formatTime(operator.createdAt),
            changed: formatTime(operator.passwordChangedAt),
          })}
        </Text>
        <ErrorAlert>{error}</ErrorAlert>
        <Notice>{notice}</Notice>
        {temporary ? (
          <CopyField
            label={t('panel.temporary', { username })}
            value={temporary}
            hint={t('panel.temporaryHint')}
          />
        ) : null}

        <OperatorEditForm
          operator={operator}
          roles={roles}
          self={self}
          can={can}
          failure={failure}
          reload={reload}
          onSaved={(said) => {
            before();
            setNotice(said);
          }}
        />

        <Title order={3} size="h4">
          {t('panel.account')}
        </Title>
        <Group gap="sm">
          {operator.source === 'local' ? (
            <Button variant="default" onClick={() => void askReset()} disabled={busy}>
              {t('panel.resetPassword')}
            </Button>
          ) : null}
          {operator.lockedForSeconds > 0 ? (
            <Button variant="default" onClick={() => unlock.mutate()} disabled={busy}>
              {t('panel.unlock')}
            </Button>
          ) : null}
          <Button variant="default" onClick={() => void askDelete()} disabled={busy}>
            {t('panel.delete')}
          </Button>
        </Group>

        <Title order={3} size="h4">
          {t('panel.sessions')}
        </Title>
        <ErrorAlert>{sessionsError}</ErrorAlert>
        {sessions.data ? (
          <>
            <SessionsTable
              caption={t('panel.sessionsCaption', { username })}
              sessions={sessions.data}
              busy={busy}
              onRevoke={(s) => revoke.mutate(s)}
            />
            {/* Ending all of one's own would end this session too: that is what Log out is for. */}
            {!self && sessions.data.length > 0 ? (
              <Group>
                <Button variant="default" onClick={() => void askEndAll()} disabled={busy}>
                  {t('panel.endAll')}
                </Button>
              </Group>
            ) : null}
          </>
        ) : null}
      </Stack>
    </Paper>
  );
}
