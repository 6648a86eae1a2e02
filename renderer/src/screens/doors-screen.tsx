import { Stack, Table, Text } from '@mantine/core';
import type { Door } from '../../../app/contract/methods/doors.js';
import { useAccessLabels } from '../access-labels.js';
import { EntityList, type PageQuery } from '../components/entity-list.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormatTime } from '../site-time.js';
import { nameOf, useAccessChoices } from '../use-access-choices.js';
import { WithChoices } from './access/with-choices.js';
import { DoorForm } from './door-form.js';
import { DoorCommandButtons, DoorLiveState, ZoneLockdown, useDoorCommands } from './devices/door-commands.js';
import { useLiveDevices } from './devices/use-devices.js';

const fetchDoors = (q: PageQuery) => call('doors.list', q);
// The service refuses to delete a door an access level grants (CONFLICT "in use"); the list says why.
const deleteDoor = (d: Door) => call('doors.delete', { id: d.id, version: d.version });

/**
 * Doors: how each opens and what it asks for, its calendar and its zones; edited with doors:write. An
 * online door shows its live state as its control unit reports it (kept live by `devices.changed`),
 * and with doors:command it takes commands (open, office mode, lockdown), as does a whole zone.
 */
export function DoorsScreen({ can, failure }: SectionProps) {
  const { t } = useT('access');
  const { t: td } = useT('devices');
  const labels = useAccessLabels();
  const formatTime = useFormatTime();
  const { choices, error } = useAccessChoices(failure);
  const canCommand = can('doors:command');
  useLiveDevices();
  const commands = useDoorCommands(failure, (id) => nameOf(choices?.doors, id));
  const onCommand = (...args: Parameters<typeof commands.run>) => void commands.run(...args);
  return (
    <Stack gap="md">
      {commands.dialog}
      {commands.outcome}
      {canCommand && choices?.zones.length ? (
        <ZoneLockdown zones={choices.zones} busy={commands.busy} onCommand={onCommand} />
      ) : null}
      <EntityList<Door>
        kind={{ ns: 'access', noun: 'doors', method: 'doors.list' }}
        fetchPage={fetchDoors}
        del={deleteDoor}
        canWrite={can('doors:write')}
        failure={failure}
        columns={[
          t('doors.kind'),
          t('doors.openMode'),
          t('doors.auth'),
          t('doors.zones'),
          td('commands.state'),
          ...(canCommand ? [td('commands.commands')] : []),
        ]}
        cells={(d) => (
          <>
            <Table.Td>{labels.kind(d.kind)}</Table.Td>
            <Table.Td>
              {labels.openMode(d.openMode)}
              {d.officePeriodId ? (
                <Text span className="entity-cell-hint">
                  {t('doors.during', { period: nameOf(choices?.periods, d.officePeriodId) })}
                </Text>
              ) : null}
            </Table.Td>
            <Table.Td>{labels.auth(d.auth.mode)}</Table.Td>
            <Table.Td>
              {d.zoneIds.map((z) => nameOf(choices?.zones, z)).join(', ') || t('doors.noZones')}
            </Table.Td>
            <Table.Td>
              <DoorLiveState door={d} failure={failure} />
            </Table.Td>
            {canCommand ? (
              <Table.Td>
                <DoorCommandButtons door={d} busy={commands.busy} onCommand={onCommand} />
              </Table.Td>
            ) : null}
          </>
        )}
        changed={(d) => formatTime(d.updatedAt)}
        form={({ item, onSaved, onClose }) => (
          <WithChoices choices={choices} error={error}>
            {(c) => (
              <DoorForm
                key={item?.id ?? 'new'}
                door={item}
                choices={c}
                failure={failure}
                onSaved={onSaved}
                onClose={onClose}
              />
            )}
          </WithChoices>
        )}
      />
    </Stack>
  );
}
