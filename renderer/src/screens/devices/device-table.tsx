import { Badge, Button, Group, Table, Text, VisuallyHidden } from '@mantine/core';
import type { Device } from '../../../../app/contract/methods/devices.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { doorName, useDeviceWords } from './device-words.js';

/** What an administrator can do to a row. */
export interface RowActions {
  onEdit: (device: Device) => void;
  onPair: (device: Device) => void;
  onRemove: (device: Device) => void;
  busy: boolean;
}

/** A device's status: online or offline (or not paired yet), when last seen, from where. */
function StatusCell({ device }: { device: Device }) {
  const { t } = useT('devices');
  const formatTime = useFormatTime();
  const state = !device.paired ? 'unpaired' : device.online ? 'online' : 'offline';
  const color = { online: 'green', offline: 'red', unpaired: 'yellow' }[state];
  return (
    <Table.Td>
      {/* A dot in the state's colour beside words in the text colour (light badges fail contrast). */}
      <Badge color={color} variant="dot">
        {t(`status.${state}`)}
      </Badge>
      {device.paired ? (
        <Text span className="devices-muted">
          {device.lastSeen
            ? t('status.lastSeen', { time: formatTime(device.lastSeen) })
            : t('status.neverSeen')}
        </Text>
      ) : null}
      {device.pairingExpiresAt ? (
        <Text span className="devices-muted">
          {t('status.codeUntil', { time: formatTime(device.pairingExpiresAt) })}
        </Text>
      ) : null}
      {device.address ? (
        <Text span className="devices-muted">
          {t('status.from', { address: device.address })}
        </Text>
      ) : null}
      {device.softwareVersion ? (
        <Text span className="devices-muted">
          {t('status.version', { version: device.softwareVersion })}
        </Text>
      ) : null}
    </Table.Td>
  );
}

/** A control unit's readers: address, door, secure channel, tamper, refused frames, the door's state. */
function ReadersCell({ device, doors }: { device: Device; doors: Map<number, string> }) {
  const { t } = useT('devices');
  const words = useDeviceWords();
  if (device.readers.length === 0)
    return <Table.Td>{device.kind === 'gateway' ? t('unknown') : t('readers.none')}</Table.Td>;
  return (
    <Table.Td>
      <ul className="devices-readers">
        {device.readers.map((r) => {
          const state = device.readerStates.find((s) => s.address === r.address);
          const door = device.doorStates.find((s) => s.doorId === r.doorId);
          const secure = state?.online === true && state.secure;
          return (
            <li key={r.address}>
              <span className="devices-nowrap">
                {t('readers.address', { address: r.address })} · {doorName(doors, r.doorId)}
              </span>
              <Text span className={secure ? 'devices-muted devices-ok' : 'devices-muted devices-warning'}>
                {device.online || !state ? words.channel(state) : t('readers.offline')}
                {state?.tamper ? (
                  <>
                    {' · '}
                    <span className="devices-warning">{t('readers.tamper')}</span>
                  </>
                ) : null}
              </Text>
              {state && state.refused > 0 ? (
                <Text span className="devices-muted">
                  {t('readers.refused', { count: state.refused })}
                </Text>
              ) : null}
              {state?.identity ? (
                <Text span className="devices-muted">
                  {state.identity}
                </Text>
              ) : null}
              {door ? (
                <Text span className="devices-muted">
                  {words.door(door)}
                </Text>
              ) : null}
            </li>
          );
        })}
      </ul>
    </Table.Td>
  );
}

/**
 * The site's gateways and control units as they last reported, one row each; with Edit, New pairing
 * code and Remove for administrators (`actions`).
 */
export function DeviceTable({
  devices,
  doors,
  actions,
}: {
  devices: readonly Device[];
  /** Online door names, by id. */
  doors: Map<number, string>;
  /** Undefined: the operator may only look (no settings:admin). */
  actions: RowActions | undefined;
}) {
  const { t } = useT('devices');
  const words = useDeviceWords();
  const nameOf = (id: number | null) =>
    id === null ? t('gateway.direct') : (devices.find((d) => d.id === id)?.name ?? `#${id}`);
  return (
    <div className="devices-table-wrap">
      <Table captionSide="top" highlightOnHover>
        <Table.Caption>{t('caption', { count: devices.length })}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('columns.name')}</Table.Th>
            <Table.Th scope="col">{t('columns.kind')}</Table.Th>
            <Table.Th scope="col">{t('columns.gateway')}</Table.Th>
            <Table.Th scope="col">{t('columns.status')}</Table.Th>
            <Table.Th scope="col">{t('columns.configuration')}</Table.Th>
            <Table.Th scope="col">{t('columns.pending')}</Table.Th>
            <Table.Th scope="col">{t('columns.clock')}</Table.Th>
            <Table.Th scope="col">{t('columns.readers')}</Table.Th>
            <Table.Th scope="col">{t('columns.refused')}</Table.Th>
            {actions ? (
              <Table.Th scope="col">
                <VisuallyHidden>{t('columns.actions')}</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {devices.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Th scope="row">{d.name}</Table.Th>
              <Table.Td>{t(`kinds.${d.kind}`)}</Table.Td>
              <Table.Td>{d.kind === 'gateway' ? t('gateway.none') : nameOf(d.gatewayId)}</Table.Td>
              <StatusCell device={d} />
              <Table.Td>
                <span
                  className={d.revision !== null && d.revision < d.currentRevision ? 'devices-warning' : ''}
                >
                  {words.revision(d)}
                </span>
                {d.revision !== null ? (
                  <Text span className="devices-muted">
                    {t('revision.numbers', { revision: d.revision, current: d.currentRevision })}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td className="num">{d.pendingEvents ?? t('unknown')}</Table.Td>
              <Table.Td className="devices-nowrap">{words.clock(d.clockOffsetMs)}</Table.Td>
              <ReadersCell device={d} doors={doors} />
              <Table.Td>{words.refused(d.refused)}</Table.Td>
              {actions ? (
                <Table.Td className="devices-actions">
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      size="compact-sm"
                      variant="default"
                      aria-label={t('actions.editNamed', { name: d.name })}
                      onClick={() => actions.onEdit(d)}
                    >
                      {t('actions.edit')}
                    </Button>
                    <Button
                      size="compact-sm"
                      variant="default"
                      aria-label={t('actions.pairNamed', { name: d.name })}
                      disabled={actions.busy}
                      onClick={() => actions.onPair(d)}
                    >
                      {t('actions.pair')}
                    </Button>
                    <Button
                      size="compact-sm"
                      variant="default"
                      color="red"
                      aria-label={t('actions.removeNamed', { name: d.name })}
                      disabled={actions.busy}
                      onClick={() => actions.onRemove(d)}
                    >
                      {t('actions.remove')}
                    </Button>
                  </Group>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
