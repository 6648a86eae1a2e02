import { Anchor, Paper, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/alert.js';
import type { ResultOf } from '../../../../app/contract/index.js';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';
import type { User } from '../../../../app/contract/methods/users.js';
import { useT } from '../../i18n/i18n.js';
import { call, subscribe } from '../../rpc/client.js';
import { useFormatTime } from '../../site-time.js';
import { saidOf, saying } from '../events/said-failure.js';
import './users.css';

/** How many of the user's events the panel shows. */
export const RECENT_EVENTS = 10;

/** The newest `RECENT_EVENTS` of both lists, each event once, in the order of events.list. */
export function newestOf(arrived: readonly AccessEvent[], listed: readonly AccessEvent[]): AccessEvent[] {
  const byId = new Map([...listed, ...arrived].map((e) => [e.id, e]));
  return [...byId.values()]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id)
    .slice(0, RECENT_EVENTS);
}

/** The key an event names: its card UID when the event carries it, else its number. */
function keyText(e: AccessEvent): string {
  if (e.credentialId === null) return '—';
  return typeof e.detail.uid === 'string' ? e.detail.uid : `#${e.credentialId}`;
}

/**
 * A user's latest access events (events.list by userId), times in the site's time zone. Events stored
 * while it is open arrive live ('events.appended') and go to the top, so a key cancelled here shows at
 * once. Needs doors:read, like events.list.
 */
export function RecentEvents({
  user,
  failure,
}: {
  user: User;
  failure: (err: unknown) => string | undefined;
}) {
  const { t } = useT('users');
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const heading = useId();
  const name = `${user.firstName} ${user.lastName}`.trim();
  const queryKey = useMemo(() => ['events.list', 'recent', { userId: user.id }] as const, [user.id]);

  const events = useQuery({
    queryKey,
    queryFn: () => saying(failure, () => call('events.list', { userId: user.id, limit: RECENT_EVENTS })),
    // Events arrive all the time: opened again, the panel reads again.
    staleTime: 0,
  });

  useEffect(
    () =>
      subscribe('events.appended', (e) => {
        const mine = e.payload.filter((ev) => ev.userId === user.id);
        if (!mine.length) return;
        queryClient.setQueryData<ResultOf<'events.list'>>(queryKey, (old) =>
          old ? { ...old, events: newestOf(mine, old.events) } : old,
        );
      }),
    [queryClient, queryKey, user.id],
  );

  // Kinds and reasons in the Events screen's words, so both screens say the same.
  const { t: tEvents } = useT('events');
  const what = (e: AccessEvent) => {
    const kind = tEvents(`kinds.${e.kind}`);
    if (!e.reason) return kind;
    const reason = tEvents(`reasons.${e.reason}` as 'reasons.expired', { defaultValue: e.reason });
    return t('recent.withReason', { kind, reason });
  };

  const list = events.data?.events;
  const readError = saidOf(events.error);
  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={heading}>
      <Title order={2} size="h3" id={heading} mb="xs">
        {t('recent.title')}
      </Title>
      <Text size="sm" className="user-muted" mb="sm">
        {t('recent.live')}
      </Text>
      <ErrorAlert>{readError}</ErrorAlert>
      {list && list.length === 0 ? <Text size="sm">{t('recent.none')}</Text> : null}
      {list?.length ? (
        <Table.ScrollContainer minWidth={480}>
          <Table captionSide="top">
            <Table.Caption>{t('recent.caption', { count: list.length, name })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('recent.time')}</Table.Th>
                <Table.Th scope="col">{t('recent.event')}</Table.Th>
                <Table.Th scope="col">{t('recent.door')}</Table.Th>
                <Table.Th scope="col">{t('recent.key')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td className="user-events-time">{formatTime(e.at)}</Table.Td>
                  <Table.Td>{what(e)}</Table.Td>
                  <Table.Td>{e.doorName ?? (e.doorId ? `#${e.doorId}` : '—')}</Table.Td>
                  <Table.Td>{keyText(e)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {list?.length ? (
        <Anchor component={Link} to={`/events?user=${user.id}`} size="sm">
          {t('recent.all', { name })}
        </Anchor>
      ) : null}
    </Paper>
  );
}
