import { Anchor, Badge, Table } from '@mantine/core';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';
import { useT } from '../../i18n/i18n.js';
import type { Choice } from '../../components/search-select.js';

type T = ReturnType<typeof useT>['t'];

/** Details the table says in words rather than as data. */
const SAID = new Set(['operator', 'uid', 'blacklistSeq', 'workingUntil', 'from']);

/** The reason in words when it is one the console knows, else as the service wrote it. */
function reasonText(t: T, reason: string | null): string {
  if (!reason) return '';
  const key = `reasons.${reason}`;
  return t(key as 'reasons.blacklisted', { defaultValue: reason });
}

/** The key an event names: its card UID when the event carries it, else its number. */
function keyText(e: AccessEvent): string {
  if (e.credentialId === null) return '—';
  return typeof e.detail.uid === 'string' ? e.detail.uid : `#${e.credentialId}`;
}

/** What else the event says: who made a change, the blacklist entry, what the device reported. */
function detailText(t: T, e: AccessEvent): string {
  const parts: string[] = [];
  if (typeof e.detail.operator === 'string') parts.push(t('list.byOperator', { name: e.detail.operator }));
  if (typeof e.detail.blacklistSeq === 'number')
    parts.push(t('list.blacklistEntry', { seq: e.detail.blacklistSeq }));
  for (const [k, v] of Object.entries(e.detail)) {
    if (SAID.has(k) || v === null || v === undefined) continue;
    parts.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join('; ');
}

/** Kinds that need someone's attention: shown as failures. */
const ALARMS = new Set(['access-denied', 'door-forced', 'door-left-open']);

/**
 * Access events, newest first; rows that arrived live are marked new for a moment. A cardholder's
 * name filters the list to their events.
 */
export function EventTable({
  events,
  fresh,
  caption,
  formatTime,
  onCardholder,
}: {
  events: readonly AccessEvent[];
  fresh: ReadonlySet<number>;
  caption: string;
  formatTime: (iso: string) => string;
  onCardholder: (who: Choice) => void;
}) {
  const { t } = useT('events');
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table className="events-table" striped highlightOnHover captionSide="top">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('list.time')}</Table.Th>
            <Table.Th scope="col">{t('list.kind')}</Table.Th>
            <Table.Th scope="col">{t('list.door')}</Table.Th>
            <Table.Th scope="col">{t('list.cardholder')}</Table.Th>
            <Table.Th scope="col">{t('list.key')}</Table.Th>
            <Table.Th scope="col">{t('list.reason')}</Table.Th>
            <Table.Th scope="col">{t('list.source')}</Table.Th>
            <Table.Th scope="col">{t('list.detail')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((e) => {
            const isNew = fresh.has(e.id);
            const name = e.userName ?? (e.userId ? `#${e.userId}` : undefined);
            return (
              <Table.Tr
                key={e.id}
                data-event-id={e.id}
                className={[ALARMS.has(e.kind) ? 'failed' : '', isNew ? 'event-live' : '']
                  .filter(Boolean)
                  .join(' ')}
              >
                <Table.Td className="events-time">
                  {formatTime(e.at)}
                  {isNew ? (
                    <Badge className="events-new" size="xs" variant="light" color="green">
                      {t('list.newRow')}
                    </Badge>
                  ) : null}
                </Table.Td>
                <Table.Td>{t(`kinds.${e.kind}`)}</Table.Td>
                <Table.Td>{e.doorName ?? (e.doorId ? `#${e.doorId}` : '—')}</Table.Td>
                <Table.Td>
                  {name && e.userId !== null ? (
                    <Anchor
                      component="button"
                      type="button"
                      className="events-holder"
                      aria-label={t('filters.onlyCardholder', { name })}
                      onClick={() => onCardholder({ id: e.userId!, label: name })}
                    >
                      {name}
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>{keyText(e)}</Table.Td>
                <Table.Td>{reasonText(t, e.reason)}</Table.Td>
                <Table.Td>{e.source}</Table.Td>
                <Table.Td>{detailText(t, e)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
