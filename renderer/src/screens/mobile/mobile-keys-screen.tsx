import { Paper, Stack, Text, Title } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { saidOf } from '../events/said-failure.js';
import { ErrorAlert } from '../../components/alert.js';
import { MobileKeyTable } from './mobile-key-table.js';
import { RelaySettings } from './relay-settings.js';
import { useLiveMobile, useMobileKeys } from './use-mobile.js';
import './mobile.css';

/**
 * Mobile keys (users:read): the relay they travel through (site:read to see it, settings:admin to set
 * it up) and every mobile key of the site with its user, phone and state, kept live by
 * `mobile.changed`. Keys are issued, re-sent and revoked from the user's detail (Users screen), where
 * each user links to.
 */
export function MobileKeysScreen({ can, failure }: SectionProps) {
  const { t } = useT('mobile');
  const heading = useId();
  const keys = useMobileKeys(failure, undefined);
  useLiveMobile();
  const list = keys.data?.keys;

  // The names of the users the keys belong to, each read once (users.get is cached by id).
  const userIds = useMemo(
    () => [...new Set((list ?? []).flatMap((k) => (k.userId === null ? [] : [k.userId])))],
    [list],
  );
  const users = useQueries({
    queries: userIds.map((id) => ({
      queryKey: ['users.get', { id }],
      queryFn: () => call('users.get', { id }),
      staleTime: 60_000,
    })),
  });
  const names = new Map(
    users.flatMap((q) => (q.data ? [[q.data.id, `${q.data.firstName} ${q.data.lastName}`.trim()]] : [])),
  ) as Map<number, string>;

  return (
    <Stack gap="md" className="mobile-keys">
      <Text size="sm" className="mobile-muted">
        {t('screen.hint')}
      </Text>
      {can('site:read') ? <RelaySettings canAdmin={can('settings:admin')} failure={failure} /> : null}
      <Paper component="section" withBorder p="md" aria-labelledby={heading}>
        <Title order={2} size="h3" id={heading} mb="sm">
          {t('screen.allKeys')}
        </Title>
        <ErrorAlert mb="sm">{saidOf(keys.error)}</ErrorAlert>
        {list === undefined ? (
          keys.error ? null : (
            <Text size="sm">{t('screen.loading')}</Text>
          )
        ) : list.length === 0 ? (
          <Text size="sm" role="status">
            {t('keys.none')}
          </Text>
        ) : (
          <MobileKeyTable keys={list} users={names} />
        )}
      </Paper>
    </Stack>
  );
}
