import { Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { MobileKey, MobilePhone } from '../../../../app/contract/methods/mobile.js';
import type { User } from '../../../../app/contract/methods/users.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { isRpcError } from '../../error-text.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { useFormatTime } from '../../site-time.js';
import { saidOf } from '../events/said-failure.js';
import { InviteDialog, type Invitation } from './invite-dialog.js';
import { IssueMobileKeyForm } from './issue-mobile-key-form.js';
import { MobileKeyTable } from './mobile-key-table.js';
import { useLiveMobile, useMobileKeys, usePhones, useRelay } from './use-mobile.js';
import './mobile.css';

/** A user's phones: label, when it enrolled, its keys; Remove (keys:encode, after asking). */
function PhoneTable({
  phones,
  busy,
  onRemove,
}: {
  phones: readonly MobilePhone[];
  busy: boolean;
  /** Undefined: the operator may only look. */
  onRemove: ((phone: MobilePhone) => void) | undefined;
}) {
  const { t } = useT('mobile');
  const formatTime = useFormatTime();
  const caption = t('phones.caption', { count: phones.length });
  return (
    <div className="mobile-table-wrap" tabIndex={0} role="group" aria-label={caption}>
      <Table captionSide="top">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('phones.label')}</Table.Th>
            <Table.Th scope="col">{t('phones.enrolledAt')}</Table.Th>
            <Table.Th scope="col">{t('phones.activeKeys')}</Table.Th>
            {onRemove ? <Table.Th scope="col">{t('phones.actions')}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {phones.map((p) => (
            <Table.Tr key={p.phoneId}>
              <Table.Th scope="row">{p.label}</Table.Th>
              <Table.Td className="mobile-nowrap">{formatTime(p.enrolledAt)}</Table.Td>
              <Table.Td>{p.activeKeys}</Table.Td>
              {onRemove ? (
                <Table.Td>
                  <Button
                    size="compact-sm"
                    color="red"
                    variant="outline"
                    aria-label={t('phones.removeNamed', { label: p.label })}
                    disabled={busy}
                    onClick={() => onRemove(p)}
                  >
                    {t('phones.remove')}
                  </Button>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/**
 * The mobile keys of one user, in the user's detail: their phones (Invite a phone shows a one-time
 * enrolment code with the relay's URL and fingerprint; Remove revokes the phone's keys), their mobile
 * keys with where each is (sent, delivered, lost, revoked), Re-send and Revoke, and Issue to a phone.
 * Changing needs keys:encode; the lists follow `mobile.changed` (a phone enrolling, a key delivered).
 */
export function UserMobileKeys({
  user,
  timeZone,
  can,
  failure,
  onChanged,
}: Pick<SectionProps, 'can' | 'failure'> & {
  user: User;
  /** The site's time zone, for the last day a key is valid. */
  timeZone: string | undefined;
  /** A key was issued or revoked (the user's key count and the blacklist changed). */
  onChanged?: () => void;
}) {
  const { t } = useT('mobile');
  const queryClient = useQueryClient();
  const heading = useId();
  const phonesHeading = useId();
  const keysHeading = useId();
  const encode = can('keys:encode');
  const name = `${user.firstName} ${user.lastName}`.trim();
  const phones = usePhones(failure, user.id);
  const keys = useMobileKeys(failure, user.id);
  const relay = useRelay(failure, can('site:read'));
  useLiveMobile();
  const [invitation, setInvitation] = useState<Invitation>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();

  const reread = () => {
    void queryClient.invalidateQueries({ queryKey: ['mobile.phones.list'] });
    void queryClient.invalidateQueries({ queryKey: ['mobile.keys.list'] });
    // keys.list of the card panel names mobile keys too (as keys).
    void queryClient.invalidateQueries({ queryKey: ['keys.list'] });
  };
  const say = (text: string | undefined, ok: boolean) => {
    setNotice(ok ? text : undefined);
    setError(ok ? undefined : text);
  };
  /** Runs a change, saying what it did or why it failed, and reads what it changed. */
  const change = async (run: () => Promise<string | undefined>) => {
    setBusy(true);
    say(undefined, true);
    try {
      say(await run(), true);
      onChanged?.();
    } catch (err) {
      say(isRpcError(err, 'ENCODER_UNAVAILABLE') ? t('issue.needsEncoder') : failure(err), false);
    } finally {
      setBusy(false);
      reread();
    }
  };

  const invite = () =>
    change(async () => {
      setInvitation(await call('mobile.phones.invite', { userId: user.id }));
      return undefined;
    });
  const removePhone = async (phone: MobilePhone) => {
    const yes = await confirm({
      title: t('phones.removeTitle', { label: phone.label }),
      message: <p>{t('phones.removeMessage')}</p>,
      confirmLabel: t('phones.removeConfirm'),
      danger: true,
    });
    if (!yes) return;
    await change(async () => {
      const { revoked } = await call('mobile.phones.remove', { phoneId: phone.phoneId });
      return t('phones.removed', { label: phone.label, count: revoked.length });
    });
  };
  const resend = (key: MobileKey) =>
    change(async () => {
      await call('mobile.keys.resend', { credentialId: key.credentialId });
      return t('keys.resent', { id: key.credentialId });
    });
  const revoke = async (key: MobileKey) => {
    const yes = await confirm({
      title: t('keys.revokeTitle', { id: key.credentialId }),
      message: <p>{t('keys.revokeMessage')}</p>,
      confirmLabel: t('keys.revokeConfirm'),
      danger: true,
    });
    if (!yes) return;
    await change(async () => {
      await call('mobile.keys.revoke', { credentialId: key.credentialId });
      return t('keys.revoked', { id: key.credentialId });
    });
  };

  const phoneList = phones.data?.phones;
  const invitations = phones.data?.invitations ?? [];
  const keyList = keys.data?.keys;
  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={heading} className="mobile-keys">
      {dialog}
      {invitation ? (
        <InviteDialog name={name} invitation={invitation} onClose={() => setInvitation(undefined)} />
      ) : null}
      <Title order={2} size="h3" id={heading} mb="xs">
        {t('panel.title', { name })}
      </Title>
      <Text size="sm" className="mobile-muted" mb="sm">
        {t('panel.hint')}
      </Text>
      <Stack gap="md">
        {relay.data && !relay.data.configured ? (
          <Text size="sm" className="mobile-warning">
            {t('panel.noRelay')}
          </Text>
        ) : null}
        <ErrorAlert>{saidOf(phones.error) ?? saidOf(keys.error)}</ErrorAlert>
        <ErrorAlert>{error}</ErrorAlert>
        <Notice>{notice}</Notice>
        <section aria-labelledby={phonesHeading}>
          <Group justify="space-between" mb="xs">
            <Title order={3} size="h4" id={phonesHeading}>
              {t('phones.title')}
            </Title>
            {encode ? (
              <Button variant="default" size="compact-sm" disabled={busy} onClick={() => void invite()}>
                {t('phones.invite')}
              </Button>
            ) : null}
          </Group>
          {phoneList && phoneList.length === 0 ? <Text size="sm">{t('phones.none')}</Text> : null}
          {phoneList?.length ? (
            <PhoneTable
              phones={phoneList}
              busy={busy}
              onRemove={encode ? (p) => void removePhone(p) : undefined}
            />
          ) : null}
          {invitations.map((i) => (
            <Text key={i.invitationId} size="sm" className="mobile-muted">
              <InvitationWords expiresAt={i.expiresAt} />
            </Text>
          ))}
        </section>
        <section aria-labelledby={keysHeading}>
          <Title order={3} size="h4" id={keysHeading} mb="xs">
            {t('keys.title')}
          </Title>
          {keyList && keyList.length === 0 ? <Text size="sm">{t('keys.none')}</Text> : null}
          {keyList?.length ? (
            <MobileKeyTable
              keys={keyList}
              actions={
                encode
                  ? { busy, onResend: (k) => void resend(k), onRevoke: (k) => void revoke(k) }
                  : undefined
              }
            />
          ) : null}
        </section>
        {encode && phoneList ? (
          phoneList.length ? (
            <IssueMobileKeyForm
              userId={user.id}
              phones={phoneList}
              timeZone={timeZone}
              failure={failure}
              onIssued={(issued) => {
                say(t('issue.issued', { id: issued.credentialId, phone: issued.phoneLabel }), true);
                reread();
                onChanged?.();
              }}
            />
          ) : (
            <Text size="sm">{t('issue.noPhones')}</Text>
          )
        ) : null}
      </Stack>
    </Paper>
  );
}

/** "Invitation waiting for a phone, valid until …", in the site's time zone. */
function InvitationWords({ expiresAt }: { expiresAt: string }) {
  const { t } = useT('mobile');
  const formatTime = useFormatTime();
  return <>{t('phones.invitation', { time: formatTime(expiresAt) })}</>;
}
