import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useId, useRef, useState } from 'react';
import type { ResultOf } from '../../../../app/contract/index.js';
import type { Device } from '../../../../app/contract/methods/devices.js';
import { useT } from '../../i18n/i18n.js';
import { useFormatTime } from '../../site-time.js';
import { groupedKey } from './link-panel.js';

/** A fresh pairing code as devices.create and devices.pair answer it. */
export type Pairing = ResultOf<'devices.pair'>;

/** Addresses that say "every interface" rather than where a device can reach the Service. */
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The host a device should reach the Service at: the one this console was loaded from (a browser on
 * `lintel serve`), else the one the link listens on, else a placeholder for the operator to fill in
 * (the desktop app's window has no network address).
 */
export function serviceHost(linkHost: string | null | undefined): string {
  const location = globalThis.location;
  if (location && /^https?:$/.test(location.protocol) && location.hostname) return location.hostname;
  if (linkHost && !WILDCARDS.has(linkHost)) return linkHost.includes(':') ? `[${linkHost}]` : linkHost;
  return 'HOST';
}

/** Where the gateway keeps its identity and store, as docs/gateway.md has it. */
export const GATEWAY_DIR = '/var/lib/lintel-gateway';

/**
 * The command that enrols a device with its code: a gateway in its usual folder; a (simulated) control
 * unit with one `--reader` per reader it was registered with (PATH: the serial port, @N its address).
 */
export function enrolCommand(
  device: Pick<Device, 'kind' | 'readers'>,
  code: string,
  host: string,
  port: number,
): string {
  const service = `--enrol ${code} --service ${host}:${port}`;
  if (device.kind === 'gateway') return `lintel gateway --data-dir ${GATEWAY_DIR} ${service}`;
  const readers = device.readers.length
    ? device.readers.map((r) => (r.address === 0 ? '--reader PATH' : `--reader PATH@${r.address}`))
    : ['--reader PATH'];
  return `lintel sim cu --data-dir DIR ${readers.join(' ')} ${service}`;
}

/** Copies text to the clipboard, saying whether it could. */
function CopyButton({ label, text }: { label: string; text: string }) {
  const { t } = useT('devices');
  const [said, setSaid] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid(t('pairing.copied'));
    } catch {
      // Plain HTTP, or a browser that refuses: the text is selectable for copying by hand.
      setSaid(t('pairing.copyUnavailable'));
    }
  };
  return (
    <Group gap="xs">
      <Button variant="default" size="compact-sm" onClick={() => void copy()}>
        {label}
      </Button>
      <Text size="sm" role="status">
        {said}
      </Text>
    </Group>
  );
}

/**
 * A one-time pairing code, shown once in a modal (native) dialog: the code, large; until when it is
 * valid; the exact command that enrols the device with it; the Service's public key to check on the
 * device. It closes only when the operator says they have noted it (or presses Escape).
 */
export function PairingDialog({
  device,
  pairing,
  linkHost,
  onClose,
}: {
  device: Pick<Device, 'name' | 'kind' | 'readers'>;
  pairing: Pairing;
  linkHost: string | null | undefined;
  onClose: () => void;
}) {
  const { t } = useT('devices');
  const formatTime = useFormatTime();
  const ref = useRef<HTMLDialogElement>(null);
  const done = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // happy-dom and old browsers: open it without the modal part.
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
    done.current?.focus();
    return () => dialog.close?.();
  }, []);

  const close = () => {
    ref.current?.close?.();
    onClose();
  };

  const command = enrolCommand(device, pairing.code, serviceHost(linkHost), pairing.service.port);
  return (
    <dialog
      ref={ref}
      className="dialog devices-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-once`}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <Stack gap="sm">
        <Title order={2} size="h3" id={`${id}-title`}>
          {t('pairing.title', { name: device.name })}
        </Title>
        <Text fw={600} id={`${id}-once`}>
          {t('pairing.once')}
        </Text>
        <div>
          <Text component="span" fw={600} id={`${id}-code`} size="sm">
            {t('pairing.code')}
          </Text>
          <output className="devices-code" aria-labelledby={`${id}-code`}>
            {pairing.code}
          </output>
        </div>
        <Text size="sm">{t('pairing.expires', { time: formatTime(pairing.expiresAt) })}</Text>
        <CopyButton label={t('pairing.copyCode')} text={pairing.code} />
        <div>
          <Text component="span" fw={600} id={`${id}-command`} size="sm">
            {t('pairing.command')}
          </Text>
          <output className="devices-command" aria-labelledby={`${id}-command`}>
            {command}
          </output>
          <Text size="sm" className="devices-muted">
            {device.kind === 'gateway' ? t('pairing.gatewayHint') : t('pairing.commandHint')}
          </Text>
        </div>
        <CopyButton label={t('pairing.copyCommand')} text={command} />
        <Text size="sm">
          {t('pairing.check')} <code className="devices-key">{groupedKey(pairing.service.publicKey)}</code>
        </Text>
        <Group justify="flex-end">
          <Button ref={done} onClick={close}>
            {t('pairing.done')}
          </Button>
        </Group>
      </Stack>
    </dialog>
  );
}
