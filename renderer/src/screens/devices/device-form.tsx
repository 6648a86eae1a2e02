import { Button, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useId, useState } from 'react';
import type { Device } from '../../../../app/contract/methods/devices.js';
import { SearchSelect, type Choice } from '../../components/search-select.js';
import { isRpcError } from '../../error-text.js';
import { FormFrame } from '../../forms/form-frame.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { doorName } from './device-words.js';
import type { Pairing } from './pairing-dialog.js';

/** One reader as the form holds it: the address as typed, the door as chosen. */
interface ReaderDraft {
  key: number;
  address: string;
  door: Choice | null;
}

/** What the form problems are, by field ("name", "readers.0.address", …): keys of `form.errors`. */
type Problems = Record<string, 'name' | 'address' | 'addressTaken' | 'door' | 'doorTaken'>;

/** Finds the site's online doors matching what is typed (a reader opens an online door only). */
async function findOnlineDoors(search: string): Promise<Choice[]> {
  const page = await call('doors.list', {
    ...(search ? { search } : {}),
    kind: 'online',
    sort: 'name',
    limit: 50,
  });
  return page.items.map((d) => ({ id: d.id, label: d.name }));
}

/** The problems of a draft the Service would refuse, each beside its field. */
function problemsOf(name: string, readers: ReaderDraft[]): Problems {
  const problems: Problems = {};
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100) problems.name = 'name';
  const addresses = new Set<number>();
  const doors = new Set<number>();
  readers.forEach((r, i) => {
    const address = Number(r.address);
    if (!/^\d+$/.test(r.address.trim()) || address > 126) problems[`readers.${i}.address`] = 'address';
    else if (addresses.has(address)) problems[`readers.${i}.address`] = 'addressTaken';
    else addresses.add(address);
    if (!r.door) problems[`readers.${i}.door`] = 'door';
    else if (doors.has(r.door.id)) problems[`readers.${i}.door`] = 'doorTaken';
    else doors.add(r.door.id);
  });
  return problems;
}

/**
 * Registers a gateway or control unit (its kind, name, the gateway it reports through, its readers
 * with their doors), or edits one (its name and readers). A registration answers with the device's
 * one-time pairing code, handed to `onCreated` to show.
 */
export function DeviceForm({
  device,
  gateways,
  doors,
  failure,
  onCreated,
  onSaved,
  onClose,
}: {
  /** The device to edit; undefined to register a new one. */
  device: Device | undefined;
  /** The site's gateways, for a new control unit to report through. */
  gateways: readonly Device[];
  /** Online door names by id, for the readers already set. */
  doors: Map<number, string>;
  failure: (err: unknown) => string | undefined;
  onCreated: (device: Device, pairing: Pairing) => void;
  onSaved: (device: Device) => void;
  onClose: () => void;
}) {
  const { t } = useT('devices');
  const readersHeading = useId();
  const [kind, setKind] = useState<Device['kind']>(device?.kind ?? 'control-unit');
  const [name, setName] = useState(device?.name ?? '');
  const [gatewayId, setGatewayId] = useState('');
  const [nextKey, setNextKey] = useState(device?.readers.length ?? 0);
  const [readers, setReaders] = useState<ReaderDraft[]>(
    device?.readers.map((r, key) => ({
      key,
      address: String(r.address),
      door: { id: r.doorId, label: doorName(doors, r.doorId) },
    })) ?? [],
  );
  const [problems, setProblems] = useState<Problems>({});
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const hasReaders = kind === 'control-unit';
  const shown = hasReaders ? readers : [];
  const said = (field: string) => (problems[field] ? t(`form.errors.${problems[field]}`) : undefined);
  const recheck = (nextName: string, nextReaders: ReaderDraft[]) => {
    if (checked) setProblems(problemsOf(nextName, kind === 'control-unit' ? nextReaders : []));
  };
  const setReader = (i: number, change: Partial<ReaderDraft>) => {
    const next = readers.map((r, j) => (j === i ? { ...r, ...change } : r));
    setReaders(next);
    recheck(name, next);
  };

  const submit = async () => {
    setChecked(true);
    const found = problemsOf(name, shown);
    setProblems(found);
    if (Object.keys(found).length) return;
    const list = shown.map((r) => ({ address: Number(r.address), doorId: r.door!.id }));
    setBusy(true);
    setError(undefined);
    try {
      if (device) {
        const saved = await call('devices.update', {
          id: device.id,
          version: device.version,
          name: name.trim(),
          ...(device.kind === 'control-unit' ? { readers: list } : {}),
        });
        onSaved(saved);
      } else {
        const created = await call('devices.create', {
          kind,
          name: name.trim(),
          ...(hasReaders && gatewayId ? { gatewayId: Number(gatewayId) } : {}),
          readers: list,
        });
        onCreated(created.device, created.pairing);
      }
    } catch (err) {
      setError(
        isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion === 'number'
          ? t('form.stale')
          : failure(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormFrame
      title={device ? t('form.editTitle', { name: device.name }) : t('form.newTitle')}
      submitLabel={device ? t('form.save') : t('form.create')}
      busy={busy}
      error={error}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onClose={onClose}
    >
      {device ? null : (
        <NativeSelect
          label={t('form.kind')}
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as Device['kind'])}
          data={(['control-unit', 'gateway'] as const).map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
          maw="24rem"
        />
      )}
      <TextInput
        label={t('form.name')}
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          recheck(e.currentTarget.value, readers);
        }}
        required
        withAsterisk={false}
        autoComplete="off"
        error={said('name')}
        errorProps={{ role: 'alert' }}
        maw="32rem"
      />
      {!device && hasReaders ? (
        <NativeSelect
          label={t('form.gateway')}
          description={t('form.gatewayHint')}
          value={gatewayId}
          onChange={(e) => setGatewayId(e.currentTarget.value)}
          data={[
            { value: '', label: t('gateway.direct') },
            ...gateways.map((g) => ({ value: String(g.id), label: g.name })),
          ]}
          maw="24rem"
        />
      ) : null}
      {hasReaders ? (
        <fieldset aria-labelledby={readersHeading}>
          <Title order={3} size="h4" id={readersHeading}>
            {t('form.readers')}
          </Title>
          <Text size="sm" className="devices-muted" mb="xs">
            {t('form.readersHint')}
          </Text>
          <Stack gap="sm">
            {readers.length === 0 ? <Text size="sm">{t('form.noReaders')}</Text> : null}
            {readers.map((r, i) => (
              <Group
                key={r.key}
                gap="sm"
                align="flex-start"
                role="group"
                aria-label={t('form.reader', { n: i + 1 })}
              >
                <TextInput
                  label={t('form.address')}
                  inputMode="numeric"
                  value={r.address}
                  onChange={(e) => setReader(i, { address: e.currentTarget.value })}
                  error={said(`readers.${i}.address`)}
                  errorProps={{ role: 'alert' }}
                  w="8rem"
                />
                <SearchSelect
                  label={t('form.door')}
                  placeholder={t('form.doorPlaceholder')}
                  nothingFound={t('form.noDoors')}
                  value={r.door}
                  onChange={(door) => setReader(i, { door })}
                  queryKey="doors.list.online"
                  find={findOnlineDoors}
                  error={said(`readers.${i}.door`)}
                  maw="20rem"
                />
                <Button
                  variant="default"
                  color="red"
                  mt="1.6rem"
                  aria-label={t('form.removeReader', { n: i + 1 })}
                  onClick={() => {
                    const next = readers.filter((_, j) => j !== i);
                    setReaders(next);
                    recheck(name, next);
                  }}
                >
                  {t('actions.remove')}
                </Button>
              </Group>
            ))}
            <Group>
              <Button
                variant="default"
                onClick={() => {
                  const used = new Set(readers.map((r) => Number(r.address)));
                  let address = 0;
                  while (used.has(address) && address < 126) address++;
                  setReaders([...readers, { key: nextKey, address: String(address), door: null }]);
                  setNextKey(nextKey + 1);
                }}
              >
                {t('form.addReader')}
              </Button>
            </Group>
          </Stack>
        </fieldset>
      ) : null}
    </FormFrame>
  );
}
