import { Alert, Anchor, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../components/alert.js';
import type { Key, User } from '../../../app/contract/methods/users.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { saidOf, saying } from './events/said-failure.js';
import { IssueKeyForm } from './users/issue-key-form.js';

/** Keys that still open doors: the ones to cancel or revalidate. */
const live = (k: Key) => k.status === 'issued' || k.status === 'needs-update';

/** What the panel last did, said above the table. */
type Said = { ok: true; text: string } | { ok: false; text: string | undefined };

/**
 * The keys of one user: issue one by its UID, cancel one (it goes on the blacklist) after confirmation,
 * revalidate one an update point refreshed. Keys are read with keys.list and read again after a change.
 */
export function UserKeys({
  user,
  can,
  failure,
  onChanged,
  onClose,
}: Pick<SectionProps, 'can' | 'failure'> & {
  user: User;
  /** A key was issued, cancelled or revalidated (the list's key counts and the blacklist changed). */
  onChanged: () => void;
  onClose: () => void;
}) {
  const { t } = useT('users');
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const encode = can('keys:encode');
  const name = `${user.firstName} ${user.lastName}`.trim();
  const heading = useId();
  const [said, setSaid] = useState<Said>();
  const [dialog, confirm] = useConfirm();

  const keys = useQuery({
    queryKey: ['keys.list', { userId: user.id }],
    queryFn: () =>
      saying(failure, () =>
        call('keys.list', { userId: user.id, sort: 'issuedAt', order: 'desc', limit: 500 }),
      ),
  });
  const changed = (text: string) => {
    setSaid({ ok: true, text });
    void queryClient.invalidateQueries({ queryKey: ['keys.list'] });
    onChanged();
  };
  const cancel = useMutation({
    mutationFn: (key: Key) => call('keys.cancel', { id: key.id, version: key.version }),
    onSuccess: (key) => changed(t('keys.cancelled', { uid: key.uid })),
    // A stale version or a full blacklist: the service says which; the list shows what is true now.
    onError: (err) => {
      setSaid({ ok: false, text: failure(err) });
      void queryClient.invalidateQueries({ queryKey: ['keys.list'] });
    },
  });
  const revalidate = useMutation({
    mutationFn: (key: Key) => call('keys.revalidate', { id: key.id }),
    onSuccess: (key) => changed(t('keys.revalidated', { uid: key.uid })),
    onError: (err) => setSaid({ ok: false, text: failure(err) }),
  });

  const askCancel = async (key: Key) => {
    const yes = await confirm({
      title: t('keys.cancelTitle', { uid: key.uid }),
      message: <p>{t('keys.cancelMessage')}</p>,
      confirmLabel: t('keys.cancelConfirm'),
      danger: true,
    });
    if (!yes) return;
    setSaid(undefined);
    cancel.mutate(key);
  };

  const items = keys.data?.items;
  const readError = saidOf(keys.error);
  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={heading}>
      {dialog}
      <Group justify="space-between" wrap="nowrap" mb="sm">
        <Title order={2} size="h3" id={heading}>
          {t('keys.title', { name })}
        </Title>
        <Button variant="default" size="compact-sm" onClick={onClose}>
          {t('common:close')}
        </Button>
      </Group>
      <Stack gap="md">
        <ErrorAlert>{readError}</ErrorAlert>
        {said?.ok === false && said.text ? (
          <Alert color="red" role="alert">
            {said.text}
          </Alert>
        ) : null}
        {said?.ok ? (
          <Alert color="green" role="status">
            {said.text}
          </Alert>
        ) : null}
        {items && items.length === 0 ? <Text size="sm">{t('keys.none')}</Text> : null}
        {items?.length ? (
          <Table.ScrollContainer minWidth={560}>
            <Table captionSide="top">
              <Table.Caption>{t('keys.caption', { count: items.length })}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('keys.uid')}</Table.Th>
                  <Table.Th scope="col">{t('keys.status')}</Table.Th>
                  <Table.Th scope="col">{t('keys.issuedAt')}</Table.Th>
                  <Table.Th scope="col">{t('keys.expiresAt')}</Table.Th>
                  <Table.Th scope="col">{t('keys.revalidateBy')}</Table.Th>
                  {encode ? <Table.Th scope="col">{t('keys.actions')}</Table.Th> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((k) => (
                  <Table.Tr key={k.id}>
                    <Table.Th scope="row">
                      <code>{k.uid}</code>
                    </Table.Th>
                    <Table.Td>{t(`keys.statuses.${k.status}`)}</Table.Td>
                    <Table.Td>{formatTime(k.issuedAt)}</Table.Td>
                    <Table.Td>{formatTime(k.expiresAt)}</Table.Td>
                    <Table.Td>{formatTime(k.revalidateBy)}</Table.Td>
                    {encode ? (
                      <Table.Td>
                        {live(k) ? (
                          <Group gap="xs" wrap="nowrap">
                            {/* Revalidating matters to a key that lapses, or one waiting for new data. */}
                            {k.revalidationHours !== null || k.status === 'needs-update' ? (
                              <Button
                                size="compact-sm"
                                variant="default"
                                aria-label={t('keys.revalidateNamed', { uid: k.uid })}
                                disabled={revalidate.isPending}
                                onClick={() => {
                                  setSaid(undefined);
                                  revalidate.mutate(k);
                                }}
                              >
                                {t('keys.revalidate')}
                              </Button>
                            ) : null}
                            <Button
                              size="compact-sm"
                              color="red"
                              variant="outline"
                              aria-label={t('keys.cancelNamed', { uid: k.uid })}
                              disabled={cancel.isPending}
                              onClick={() => void askCancel(k)}
                            >
                              {t('keys.cancel')}
                            </Button>
                          </Group>
                        ) : null}
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
        {encode ? (
          <Anchor component={Link} to={`/encoder?user=${user.id}`} size="sm">
            {t('encoder:fromUser', { name })}
          </Anchor>
        ) : null}
        {encode ? (
          <IssueKeyForm
            userId={user.id}
            name={name}
            failure={failure}
            onIssued={(key) => changed(t('keys.issued', { uid: key.uid, name }))}
          />
        ) : null}
      </Stack>
    </Paper>
  );
}
