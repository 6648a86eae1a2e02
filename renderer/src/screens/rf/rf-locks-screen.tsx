import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import type { RfLock } from '../../../../app/contract/methods/rf.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { useDevices } from '../devices/use-devices.js';
import { saidOf } from '../events/said-failure.js';
import { JoinCodeDialog, type ShownJoinCode } from './join-code-dialog.js';
import { RfLockForm } from './rf-lock-form.js';
import { RfLockTable } from './rf-lock-table.js';
import { RF_LOCKS_KEY, useLiveRfLocks, useRfLocks, type RfLockList } from './use-rf-locks.js';
import './rf.css';

/**
 * RF locks (doors:read): each lock on a door of kind RF with its control unit, EUI-64, whether it
 * joined and is heard, its link quality, battery and whether it holds the current configuration,
 * kept live by its control unit's reports. Administrators (settings:admin) add a lock (its one-time
 * join code is shown once, with what to do with it), issue a new join code (Rejoin) and remove one.
 */
export function RfLocksScreen({ can, failure }: SectionProps) {
  const { t } = useT('rf');
  const queryClient = useQueryClient();
  const listHeading = useId();
  const canAdmin = can('settings:admin');
  const list = useRfLocks(failure);
  useLiveRfLocks();
  // The control units a lock can join (read only by those who may add one).
  const devices = useDevices(failure, canAdmin);
  const [adding, setAdding] = useState(false);
  const [shown, setShown] = useState<ShownJoinCode>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();

  const locks = list.data?.locks;
  const units = useMemo(
    () => (devices.data?.devices ?? []).filter((d) => d.kind === 'control-unit'),
    [devices.data],
  );
  const taken = useMemo(() => new Set((locks ?? []).map((l) => l.doorId)), [locks]);
  const reread = () => void queryClient.invalidateQueries({ queryKey: RF_LOCKS_KEY, exact: true });
  const say = (text: string | undefined, ok: boolean) => {
    setNotice(ok ? text : undefined);
    setError(ok ? undefined : text);
  };

  const rejoin = async (lock: RfLock) => {
    const yes = await confirm({
      title: t('actions.rejoinTitle', { door: lock.doorName }),
      message: <p>{t('actions.rejoinMessage')}</p>,
      confirmLabel: t('actions.rejoinConfirm'),
    });
    if (!yes) return;
    setBusy(true);
    say(undefined, true);
    try {
      const { joinCode } = await call('rf.locks.rejoin', { doorId: lock.doorId });
      say(t('actions.rejoined', { door: lock.doorName }), true);
      setShown({ doorName: lock.doorName, eui64: lock.eui64, joinCode });
    } catch (err) {
      say(failure(err), false);
    } finally {
      setBusy(false);
      reread();
    }
  };

  const remove = async (lock: RfLock) => {
    const yes = await confirm({
      title: t('actions.removeTitle', { door: lock.doorName }),
      message: <p>{t('actions.removeMessage')}</p>,
      confirmLabel: t('actions.removeConfirm'),
      danger: true,
    });
    if (!yes) return;
    setBusy(true);
    say(undefined, true);
    try {
      await call('rf.locks.remove', { doorId: lock.doorId });
      queryClient.setQueryData<RfLockList>(RF_LOCKS_KEY, (old) =>
        old ? { locks: old.locks.filter((l) => l.doorId !== lock.doorId) } : old,
      );
      say(t('actions.removed', { door: lock.doorName }), true);
    } catch (err) {
      say(failure(err), false);
    } finally {
      setBusy(false);
      reread();
    }
  };

  return (
    <Stack gap="md" className="rf-screen">
      {dialog}
      {shown ? <JoinCodeDialog shown={shown} onClose={() => setShown(undefined)} /> : null}
      <Text size="sm" className="rf-muted">
        {t('hint')}
      </Text>
      <Paper component="section" withBorder p="md" aria-labelledby={listHeading}>
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h3" id={listHeading}>
            {t('title')}
          </Title>
          {canAdmin ? (
            <Button
              onClick={() => {
                say(undefined, true);
                setAdding(true);
              }}
            >
              {t('add')}
            </Button>
          ) : null}
        </Group>
        <ErrorAlert mb="sm">{saidOf(list.error)}</ErrorAlert>
        <ErrorAlert mb="sm">{error}</ErrorAlert>
        <Notice mb="sm">{notice}</Notice>
        {adding ? (
          <RfLockForm
            units={units}
            taken={taken}
            failure={failure}
            onClose={() => setAdding(false)}
            onAdded={(draft, joinCode) => {
              setAdding(false);
              reread();
              say(t('actions.added', { door: draft.door.label }), true);
              setShown({ doorName: draft.door.label, eui64: draft.eui64, joinCode });
            }}
          />
        ) : null}
        {locks === undefined ? (
          list.error ? null : (
            <Text size="sm">{t('loading')}</Text>
          )
        ) : locks.length === 0 ? (
          <Text size="sm" role="status">
            {t('none')} {canAdmin ? null : t('noneHint')}
          </Text>
        ) : (
          <RfLockTable
            locks={locks}
            actions={
              canAdmin
                ? { busy, onRejoin: (l) => void rejoin(l), onRemove: (l) => void remove(l) }
                : undefined
            }
          />
        )}
      </Paper>
    </Stack>
  );
}
