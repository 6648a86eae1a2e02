import { Alert, Button, NativeSelect, Paper, Stack, Text, Title } from '@mantine/core';
import { useId, useState, type ReactNode } from 'react';
import type { ParamsOf, ResultOf } from '../../../../app/contract/index.js';
import type { Door } from '../../../../app/contract/methods/doors.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useDeviceWords, useDoorsLive } from './device-words.js';
import { useDevices } from './use-devices.js';
import './devices.css';

/** A door command's name, as the contract has it. */
export type DoorCommand = ParamsOf<'doors.command'>['command'];

/** What a command goes to: one door, or every online door of a zone; named for the operator. */
export type CommandTarget = { doorIds: number[]; name: string } | { zoneId: number; name: string };

/** What the last command did, as shown. */
interface Outcome {
  ok: string[];
  failed: string[];
}

/** The words for what doors.command answered. */
function outcomeOf(
  t: ReturnType<typeof useT>['t'],
  command: DoorCommand,
  target: CommandTarget,
  result: ResultOf<'doors.command'>,
  doorName: (id: number) => string,
): Outcome {
  const named = t(`devices:commands.names.${command}`);
  const list = (ids: number[]) => ids.map(doorName).join(', ');
  const ok: string[] = result.applied.length
    ? [t('devices:commands.applied', { command: named, doors: list(result.applied) })]
    : [];
  const failed: string[] = [
    ...(result.unreachable.length
      ? [t('devices:commands.unreachable', { command: named, doors: list(result.unreachable) })]
      : []),
    ...(result.notOnline.length
      ? [t('devices:commands.notOnline', { command: named, doors: list(result.notOnline) })]
      : []),
  ];
  if (!ok.length && !failed.length)
    failed.push(
      t('devices:commands.nothing', {
        command: named,
        where: 'zoneId' in target ? t('devices:commands.zoneNamed', { name: target.name }) : target.name,
      }),
    );
  return { ok, failed };
}

/**
 * Sends door commands (doors:command) and says what they did: `run` asks before a lockdown (on or
 * off), calls doors.command, and `outcome` shows which doors applied it and which did not (their
 * control unit did not answer, or none serves them). `dialog` must be rendered somewhere.
 */
export function useDoorCommands(
  failure: (err: unknown) => string | undefined,
  doorName: (id: number) => string,
) {
  const { t } = useT('devices');
  const [dialog, confirm] = useConfirm();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<string>();

  const run = async (command: DoorCommand, target: CommandTarget) => {
    if (command === 'lockdown-on' || command === 'lockdown-off') {
      const on = command === 'lockdown-on';
      const name = 'zoneId' in target ? t('commands.zoneNamed', { name: target.name }) : target.name;
      const yes = await confirm({
        title: t(on ? 'commands.lockdownOnTitle' : 'commands.lockdownOffTitle', { name }),
        message: <p>{t(on ? 'commands.lockdownOnMessage' : 'commands.lockdownOffMessage')}</p>,
        confirmLabel: t(on ? 'commands.lockdownOnConfirm' : 'commands.lockdownOffConfirm'),
        danger: on,
      });
      if (!yes) return;
    }
    setBusy(true);
    setOutcome(undefined);
    setError(undefined);
    try {
      const params =
        'zoneId' in target ? { command, zoneId: target.zoneId } : { command, doorIds: target.doorIds };
      const result = await call('doors.command', params);
      setOutcome(outcomeOf(t, command, target, result, doorName));
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
    }
  };

  const shown: ReactNode = (
    <>
      <ErrorAlert>{error}</ErrorAlert>
      {outcome?.failed.length ? (
        <Alert color="yellow" role="alert">
          {[...outcome.ok, ...outcome.failed].map((line) => (
            <Text size="sm" key={line}>
              {line}
            </Text>
          ))}
        </Alert>
      ) : (
        <Notice>{outcome?.ok.join(' ')}</Notice>
      )}
    </>
  );
  return { dialog, run, busy, outcome: shown };
}

/** An online door's state as its control unit reports it; a dash for other doors. */
export function DoorLiveState({
  door,
  failure,
}: {
  door: Door;
  failure: (err: unknown) => string | undefined;
}) {
  const { t } = useT('devices');
  const words = useDeviceWords();
  const online = door.kind === 'online';
  const devices = useDevices(failure, online);
  const live = useDoorsLive(devices.data?.devices)(door.id);
  if (!online) return <>{t('commands.notOnlineDoor')}</>;
  if (!devices.data) return <>{t('unknown')}</>;
  if (!live) return <>{t('commands.notServed')}</>;
  if (!live.device.online) return <span className="devices-warning">{t('commands.deviceOffline')}</span>;
  if (!live.state) return <>{t('readers.notReported')}</>;
  return (
    <span className={live.state.lockdown ? 'devices-warning' : undefined}>{words.door(live.state)}</span>
  );
}

/** The commands of one online door: Open, Office on/off, Lockdown on/off. */
export function DoorCommandButtons({
  door,
  busy,
  onCommand,
}: {
  door: Door;
  busy: boolean;
  onCommand: (command: DoorCommand, target: CommandTarget) => void;
}) {
  const { t } = useT('devices');
  if (door.kind !== 'online') return <>{t('commands.notOnlineDoor')}</>;
  const target = { doorIds: [door.id], name: door.name };
  const buttons = [
    ['open', 'open'],
    ['office-on', 'officeOn'],
    ['office-off', 'officeOff'],
    ['lockdown-on', 'lockdownOn'],
    ['lockdown-off', 'lockdownOff'],
  ] as const;
  return (
    <div className="door-command-buttons" role="group" aria-label={t('commands.title')}>
      {buttons.map(([command, word]) => (
        <Button
          key={command}
          size="compact-xs"
          variant={command === 'lockdown-on' ? 'outline' : 'default'}
          color={command === 'lockdown-on' ? 'red' : undefined}
          disabled={busy}
          aria-label={t(`commands.${word}Named`, { name: door.name })}
          onClick={() => onCommand(command, target)}
        >
          {t(`commands.${word}`)}
        </Button>
      ))}
    </div>
  );
}

/** Locks down, or releases, every online door of a zone. */
export function ZoneLockdown({
  zones,
  busy,
  onCommand,
}: {
  zones: readonly { id: number; name: string }[];
  busy: boolean;
  onCommand: (command: DoorCommand, target: CommandTarget) => void;
}) {
  const { t } = useT('devices');
  const heading = useId();
  const [zoneId, setZoneId] = useState('');
  const zone = zones.find((z) => String(z.id) === zoneId);
  const send = (command: DoorCommand) => zone && onCommand(command, { zoneId: zone.id, name: zone.name });
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={heading} className="door-commands">
      <Stack gap="xs">
        <Title order={2} size="h4" id={heading}>
          {t('commands.zoneTitle')}
        </Title>
        <Text size="sm" className="devices-muted">
          {t('commands.zoneHint')}
        </Text>
        <div className="door-zone-lockdown">
          <NativeSelect
            label={t('commands.zone')}
            value={zoneId}
            onChange={(e) => setZoneId(e.currentTarget.value)}
            data={[
              { value: '', label: t('commands.zonePlaceholder') },
              ...zones.map((z) => ({ value: String(z.id), label: z.name })),
            ]}
          />
          <Button color="red" variant="outline" disabled={busy || !zone} onClick={() => send('lockdown-on')}>
            {t('commands.zoneOn')}
          </Button>
          <Button variant="default" disabled={busy || !zone} onClick={() => send('lockdown-off')}>
            {t('commands.zoneOff')}
          </Button>
        </div>
      </Stack>
    </Paper>
  );
}
