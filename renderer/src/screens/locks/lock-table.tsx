import { Badge, Checkbox, Table, Text } from '@mantine/core';
import type { OfflineLock } from '../../../../app/contract/methods/locks.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { LOW_BATTERY_PERCENT, needsVisit, useLockWords } from './lock-words.js';

/** Which locks are chosen for the next round, and how to change that. */
export interface LockSelection {
  selected: ReadonlySet<number>;
  onToggle: (doorId: number, on: boolean) => void;
}

/** The lock itself: serial number, firmware, key version; "Not initialised" before its first visit. */
function LockCell({ lock }: { lock: OfflineLock }) {
  const { t } = useT('locks');
  const formatTime = useFormatTime();
  if (lock.serial === null)
    return (
      <Table.Td>
        <span className="locks-warning">{t('lock.notInitialised')}</span>
      </Table.Td>
    );
  return (
    <Table.Td className="locks-lock">
      <code>{lock.serial}</code>
      {lock.firmware ? (
        <Text span className="locks-muted">
          {t('lock.firmware', { firmware: lock.firmware })}
        </Text>
      ) : null}
      <Text span className="locks-muted">
        {lock.keyVersion === 0 ? t('lock.factoryKey') : t('lock.keyVersion', { version: lock.keyVersion })}
      </Text>
      {lock.initialisedAt ? (
        <Text span className="locks-muted">
          {t('lock.initialised', { time: formatTime(lock.initialisedAt) })}
        </Text>
      ) : null}
    </Table.Td>
  );
}

/** Why it needs a visit, each reason as a sentence that says what to do; and the round it is in. */
function NeedsCell({ lock }: { lock: OfflineLock }) {
  const { t } = useT('locks');
  const words = useLockWords();
  return (
    <Table.Td>
      {needsVisit(lock) ? (
        <ul className="locks-reasons">
          {lock.needs.map((reason) => (
            <li key={reason} className={reason === 'blacklist-full' ? 'locks-warning' : undefined}>
              {words.reason(lock, reason)}
            </li>
          ))}
        </ul>
      ) : (
        // A dot in the state's colour beside words in the text colour (light badges fail contrast).
        <Badge color="green" variant="dot">
          {t('lock.noVisit')}
        </Badge>
      )}
      {lock.inRound ? (
        <Text span className="locks-muted">
          {t('lock.inRound', { round: lock.inRound })}
        </Text>
      ) : null}
    </Table.Td>
  );
}

/**
 * The site's offline locks as their last PPD visit found them, one row each: the lock, its last
 * visit, battery, clock drift, blacklist (its sequence against the site's, how full it is) and why it
 * needs a visit. With a checkbox per row when the operator may load rounds (`selection`).
 */
export function LockTable({
  locks,
  total,
  needing,
  selection,
}: {
  locks: readonly OfflineLock[];
  /** How many locks the site has (the table may show only those that need a visit). */
  total: number;
  /** How many of the site's locks need a visit. */
  needing: number;
  /** Undefined: the operator may only look (no ppd:use). */
  selection: LockSelection | undefined;
}) {
  const { t } = useT('locks');
  const words = useLockWords();
  const formatTime = useFormatTime();
  return (
    // Focusable: a table wider than the screen scrolls, and a keyboard must reach it (axe).
    <div className="locks-table-wrap" tabIndex={0} role="group" aria-label={t('caption', { count: total })}>
      <Table captionSide="top" highlightOnHover>
        <Table.Caption>
          {t('caption', { count: total })} · {t('needing', { count: needing })}
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {selection ? (
              <Table.Th scope="col" className="locks-select">
                <span className="visually-hidden">{t('columns.select')}</span>
              </Table.Th>
            ) : null}
            <Table.Th scope="col">{t('columns.door')}</Table.Th>
            <Table.Th scope="col">{t('columns.serial')}</Table.Th>
            <Table.Th scope="col">{t('columns.lastVisit')}</Table.Th>
            <Table.Th scope="col">{t('columns.battery')}</Table.Th>
            <Table.Th scope="col">{t('columns.clock')}</Table.Th>
            <Table.Th scope="col">{t('columns.blacklist')}</Table.Th>
            <Table.Th scope="col">{t('columns.needs')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {locks.map((l) => {
            const blacklistBehind = l.blacklistSeq < l.currentBlacklistSeq;
            return (
              <Table.Tr key={l.doorId}>
                {selection ? (
                  <Table.Td className="locks-select">
                    <Checkbox
                      aria-label={t('selection.row', { door: l.doorName })}
                      checked={selection.selected.has(l.doorId)}
                      onChange={(e) => selection.onToggle(l.doorId, e.currentTarget.checked)}
                    />
                  </Table.Td>
                ) : null}
                <Table.Th scope="row">{l.doorName}</Table.Th>
                <LockCell lock={l} />
                <Table.Td className="locks-nowrap">
                  {l.lastVisitAt ? formatTime(l.lastVisitAt) : t('lock.never')}
                </Table.Td>
                <Table.Td
                  className={
                    l.battery !== null && l.battery < LOW_BATTERY_PERCENT
                      ? 'locks-nowrap locks-warning'
                      : 'locks-nowrap'
                  }
                >
                  {words.battery(l)}
                </Table.Td>
                <Table.Td
                  className={l.needs.includes('clock') ? 'locks-nowrap locks-warning' : 'locks-nowrap'}
                >
                  {words.clock(l)}
                </Table.Td>
                {l.serial === null ? (
                  // It holds no blacklist before its first visit: the visit loads the whole of it.
                  <Table.Td>{t('lock.unknown')}</Table.Td>
                ) : (
                  <Table.Td>
                    <span className={blacklistBehind ? 'locks-warning' : undefined}>
                      {words.blacklist(l)}
                    </span>
                    <Text span className="locks-muted">
                      {words.blacklistSeq(l)}
                    </Text>
                    <Text
                      span
                      className={
                        l.needs.includes('blacklist-full') ? 'locks-muted locks-warning' : 'locks-muted'
                      }
                    >
                      {words.blacklistSize(l)}
                    </Text>
                  </Table.Td>
                )}
                <NeedsCell lock={l} />
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
}
