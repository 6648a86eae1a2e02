import { Badge, Button, Table, Text } from '@mantine/core';
import type { RfLock } from '../../../../app/contract/methods/rf.js';
import { currentLanguage, useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { LOW_BATTERY_PERCENT, LQI_FAIR, LQI_GOOD, linkQualityOf, spacedEui64 } from './rf-lock-words.js';

/** What an administrator can do to a row. */
export interface RfRowActions {
  busy: boolean;
  onRejoin: (lock: RfLock) => void;
  onRemove: (lock: RfLock) => void;
}

/** Whether it joined, and whether its control unit hears it: a dot in the state's colour. */
function StateCell({ lock }: { lock: RfLock }) {
  const { t } = useT('rf');
  if (lock.state === 'waiting-to-join')
    return (
      <Table.Td>
        {/* A dot in the state's colour beside words in the text colour (light badges fail contrast). */}
        <Badge color="yellow" variant="dot">
          {t('state.waiting-to-join')}
        </Badge>
        <Text span className="rf-muted">
          {t('state.waitingHint')}
        </Text>
      </Table.Td>
    );
  return (
    <Table.Td>
      <Badge color={lock.online ? 'green' : 'red'} variant="dot">
        {lock.online ? t('state.online') : t('state.offline')}
      </Badge>
      <Text span className="rf-muted">
        {t('state.joined')}
      </Text>
    </Table.Td>
  );
}

/** Link quality as a bar (a native meter: good high, poor low) and in words that say what to do. */
function LinkCell({ lock }: { lock: RfLock }) {
  const { t } = useT('rf');
  if (lock.lqi === null) return <Table.Td>{t('lock.unknown')}</Table.Td>;
  const quality = linkQualityOf(lock.lqi);
  return (
    <Table.Td>
      <meter
        className="rf-lqi"
        min={0}
        max={255}
        low={LQI_FAIR}
        high={LQI_GOOD}
        optimum={255}
        value={lock.lqi}
        aria-label={t('lock.lqi', { lqi: lock.lqi })}
      />
      <span className={quality === 'poor' ? 'rf-lqi-words rf-warning' : 'rf-lqi-words'}>
        {t('lock.lqiValue', { words: t(`lqi.${quality}`), lqi: lock.lqi })}
      </span>
    </Table.Td>
  );
}

/**
 * The site's RF locks, one row each: the door, its control unit, the lock's EUI-64, whether it joined
 * and is heard (online), the link quality of the last frame heard, battery, when last heard, and
 * whether it holds its door's configuration and the newest blacklist. With Rejoin and Remove per row
 * for administrators (`actions`).
 */
export function RfLockTable({
  locks,
  actions,
}: {
  locks: readonly RfLock[];
  /** Undefined: the operator may only look (no settings:admin). */
  actions: RfRowActions | undefined;
}) {
  const { t } = useT('rf');
  const formatTime = useFormatTime();
  const number = new Intl.NumberFormat(currentLanguage());
  const caption = t('caption', { count: locks.length });
  return (
    // Focusable: a table wider than the screen scrolls, and a keyboard must reach it (axe).
    <div className="rf-table-wrap" tabIndex={0} role="group" aria-label={caption}>
      <Table captionSide="top" highlightOnHover>
        <Table.Caption>
          {caption} · {t('online', { count: locks.filter((l) => l.online).length })}
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('columns.door')}</Table.Th>
            <Table.Th scope="col">{t('columns.unit')}</Table.Th>
            <Table.Th scope="col">{t('columns.eui64')}</Table.Th>
            <Table.Th scope="col">{t('columns.state')}</Table.Th>
            <Table.Th scope="col">{t('columns.link')}</Table.Th>
            <Table.Th scope="col">{t('columns.battery')}</Table.Th>
            <Table.Th scope="col">{t('columns.lastHeard')}</Table.Th>
            <Table.Th scope="col">{t('columns.upToDate')}</Table.Th>
            {actions ? <Table.Th scope="col">{t('columns.actions')}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {locks.map((l) => {
            const low = l.battery !== null && l.battery < LOW_BATTERY_PERCENT;
            const percent = l.battery === null ? '' : number.format(l.battery);
            return (
              <Table.Tr key={l.doorId}>
                <Table.Th scope="row">{l.doorName}</Table.Th>
                <Table.Td>{l.unitName}</Table.Td>
                <Table.Td>
                  <code className="rf-eui">{spacedEui64(l.eui64)}</code>
                </Table.Td>
                <StateCell lock={l} />
                <LinkCell lock={l} />
                <Table.Td className={low ? 'rf-nowrap rf-warning' : 'rf-nowrap'}>
                  {l.battery === null
                    ? t('lock.unknown')
                    : low
                      ? t('lock.batteryLow', { percent })
                      : t('lock.battery', { percent })}
                </Table.Td>
                <Table.Td className="rf-nowrap">
                  {l.lastHeard ? formatTime(l.lastHeard) : t('lock.never')}
                </Table.Td>
                {l.state === 'joined' ? (
                  <Table.Td>
                    {l.upToDate ? (
                      <Badge color="green" variant="dot">
                        {t('lock.upToDate')}
                      </Badge>
                    ) : (
                      <Badge color="yellow" variant="dot">
                        {t('lock.behind')}
                      </Badge>
                    )}
                    <Text span className="rf-muted">
                      {t('lock.revision', { revision: l.revision, seq: l.blacklistSeq })}
                    </Text>
                  </Table.Td>
                ) : (
                  // It holds nothing of the site before it joins: its unit configures it then.
                  <Table.Td>{t('lock.unknown')}</Table.Td>
                )}
                {actions ? (
                  <Table.Td>
                    <div className="rf-actions">
                      <Button
                        size="compact-sm"
                        variant="default"
                        aria-label={t('actions.rejoinNamed', { door: l.doorName })}
                        disabled={actions.busy}
                        onClick={() => actions.onRejoin(l)}
                      >
                        {t('actions.rejoin')}
                      </Button>
                      <Button
                        size="compact-sm"
                        color="red"
                        variant="outline"
                        aria-label={t('actions.removeNamed', { door: l.doorName })}
                        disabled={actions.busy}
                        onClick={() => actions.onRemove(l)}
                      >
                        {t('actions.remove')}
                      </Button>
                    </div>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
}
