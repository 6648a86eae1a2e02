import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { Device } from '../../../../app/contract/methods/devices.js';
import { ErrorAlert, Notice } from '../../components/alert.js';
import { useConfirm } from '../../components/confirm-dialog.js';
import { isRpcError } from '../../error-text.js';
import { sentence } from '../../format.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import { saidOf } from '../events/said-failure.js';
import { DeviceForm } from './device-form.js';
import { DeviceTable } from './device-table.js';
import { useOnlineDoorNames } from './device-words.js';
import { LinkPanel } from './link-panel.js';
import { PairingDialog, type Pairing } from './pairing-dialog.js';
import { DEVICES_KEY, mergeDevice, useDevices, useLiveDevices, type DeviceList } from './use-devices.js';
import './devices.css';

/** A pairing code on show, with the device it enrols. */
interface Shown {
  device: Pick<Device, 'name' | 'kind' | 'readers'>;
  pairing: Pairing;
}

/**
 * Gateways and control units (doors:read): each with its state as it last reported (online, last
 * seen, configuration revision against the site's, pending events, clock offset, readers with their
 * doors, secure channel and tamper, refused datagrams), kept live by `devices.changed`; and the
 * Service's end of the link. Administrators (settings:admin) register devices, issue pairing codes
 * (shown once, with the command that enrols the device), edit readers and remove devices.
 */
export function DevicesScreen({ can, failure }: SectionProps) {
  const { t } = useT('devices');
  const queryClient = useQueryClient();
  const listHeading = useId();
  const canAdmin = can('settings:admin');
  const list = useDevices(failure);
  useLiveDevices();
  const doors = useOnlineDoorNames();
  const [opened, setOpened] = useState<{ device: Device | undefined }>();
  const [shown, setShown] = useState<Shown>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();

  const devices = list.data?.devices;
  const link = list.data?.link;
  const put = (device: Device) =>
    queryClient.setQueryData<DeviceList>(DEVICES_KEY, (old) => mergeDevice(old, device));
  const reread = () => void queryClient.invalidateQueries({ queryKey: DEVICES_KEY, exact: true });
  const say = (text: string | undefined, ok: boolean) => {
    setNotice(ok ? text : undefined);
    setError(ok ? undefined : text);
  };

  const pair = async (device: Device) => {
    const yes = await confirm({
      title: t('actions.pairTitle', { name: device.name }),
      message: <p>{t('actions.pairMessage')}</p>,
      confirmLabel: t('actions.pairConfirm'),
    });
    if (!yes) return;
    setBusy(true);
    say(undefined, true);
    try {
      const pairing = await call('devices.pair', { id: device.id });
      setShown({ device, pairing });
    } catch (err) {
      say(failure(err), false);
    } finally {
      setBusy(false);
      reread();
    }
  };

  const remove = async (device: Device) => {
    const yes = await confirm({
      title: t('actions.removeTitle', { name: device.name }),
      message: <p>{t('actions.removeMessage')}</p>,
      confirmLabel: t('actions.removeConfirm'),
      danger: true,
    });
    if (!yes) return;
    setBusy(true);
    say(undefined, true);
    try {
      await call('devices.remove', { id: device.id });
      queryClient.setQueryData<DeviceList>(DEVICES_KEY, (old) =>
        old ? { ...old, devices: old.devices.filter((d) => d.id !== device.id) } : old,
      );
      if (opened?.device?.id === device.id) setOpened(undefined);
      say(t('actions.removed', { name: device.name }), true);
    } catch (err) {
      // A gateway with control units behind it: say what to do first.
      say(
        isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion !== 'number'
          ? t('actions.removeConflict', { message: sentence(err.message) })
          : failure(err),
        false,
      );
    } finally {
      setBusy(false);
      reread();
    }
  };

  return (
    <Stack gap="md" className="devices-screen">
      {dialog}
      {shown ? (
        <PairingDialog
          device={shown.device}
          pairing={shown.pairing}
          linkHost={link?.host}
          onClose={() => setShown(undefined)}
        />
      ) : null}
      <Text size="sm" className="devices-muted">
        {t('hint')}
      </Text>
      <ErrorAlert>{saidOf(list.error)}</ErrorAlert>
      {link ? <LinkPanel link={link} /> : null}
      <Paper component="section" withBorder p="md" aria-labelledby={listHeading}>
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h3" id={listHeading}>
            {t('title')}
          </Title>
          {canAdmin ? (
            <Button
              onClick={() => {
                say(undefined, true);
                setOpened({ device: undefined });
              }}
            >
              {t('register')}
            </Button>
          ) : null}
        </Group>
        <ErrorAlert mb="sm">{error}</ErrorAlert>
        <Notice mb="sm">{notice}</Notice>
        {opened ? (
          <DeviceForm
            key={opened.device?.id ?? 'new'}
            device={opened.device}
            gateways={(devices ?? []).filter((d) => d.kind === 'gateway')}
            doors={doors}
            failure={failure}
            onClose={() => setOpened(undefined)}
            onCreated={(device, pairing) => {
              setOpened(undefined);
              put(device);
              reread();
              say(t('actions.created', { name: device.name }), true);
              setShown({ device, pairing });
            }}
            onSaved={(device) => {
              setOpened(undefined);
              put(device);
              reread();
              say(t('actions.saved', { name: device.name }), true);
            }}
          />
        ) : null}
        {devices === undefined ? (
          list.error ? null : (
            <Text size="sm">{t('loading')}</Text>
          )
        ) : devices.length === 0 ? (
          <Text size="sm" role="status">
            {t('none')} {canAdmin ? null : t('noneHint')}
          </Text>
        ) : (
          <DeviceTable
            devices={devices}
            doors={doors}
            actions={
              canAdmin
                ? {
                    busy,
                    onEdit: (device) => {
                      say(undefined, true);
                      setOpened({ device });
                    },
                    onPair: (device) => void pair(device),
                    onRemove: (device) => void remove(device),
                  }
                : undefined
            }
          />
        )}
      </Paper>
    </Stack>
  );
}
