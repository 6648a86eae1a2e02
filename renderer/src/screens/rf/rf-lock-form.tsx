// The contract's schemas run here: zod must be told first not to compile them (console CSP).
import '../../zod-config.js';
import { NativeSelect, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Eui64 } from '../../../../app/contract/methods/rf.js';
import type { Device } from '../../../../app/contract/methods/devices.js';
import { SearchSelect, type Choice } from '../../components/search-select.js';
import { isRpcError } from '../../error-text.js';
import { FormFrame } from '../../forms/form-frame.js';
import { asSentence, issueList, placeIssues } from '../../forms/form-words.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { compactEui64 } from './rf-lock-words.js';

/** The fields of the form, as rf.locks.add names them. */
type Field = 'doorId' | 'unitId' | 'eui64';
const FIELDS: readonly Field[] = ['doorId', 'unitId', 'eui64'];

/** What the form sends, once every field is right. */
export interface RfLockDraft {
  door: Choice;
  unitId: number;
  eui64: string;
}

/** Finds the site's RF doors matching what is typed, leaving out those that have a lock already. */
async function findRfDoors(search: string, taken: ReadonlySet<number>): Promise<Choice[]> {
  const page = await call('doors.list', {
    ...(search ? { search } : {}),
    kind: 'rf',
    sort: 'name',
    limit: 50,
  });
  return page.items.filter((d) => !taken.has(d.id)).map((d) => ({ id: d.id, label: d.name }));
}

/**
 * Adds an RF lock: the RF door it is on, the control unit whose RF node serves it, and its EUI-64
 * (checked by the contract's own schema, so the form refuses what the Service would). The Service
 * answers with the lock's one-time join code, handed to `onAdded` to show.
 */
export function RfLockForm({
  units,
  taken,
  failure,
  onAdded,
  onClose,
}: {
  /** The site's control units (a lock joins the RF network of one). */
  units: readonly Device[];
  /** The doors that have an RF lock already. */
  taken: ReadonlySet<number>;
  failure: (err: unknown) => string | undefined;
  onAdded: (draft: RfLockDraft, joinCode: string) => void;
  onClose: () => void;
}) {
  const { t } = useT('rf');
  const [door, setDoor] = useState<Choice | null>(null);
  const [unitId, setUnitId] = useState(units.length === 1 ? String(units[0]!.id) : '');
  const [eui64, setEui64] = useState('');
  const [checked, setChecked] = useState(false);
  const [refused, setRefused] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const parsed = Eui64.safeParse(compactEui64(eui64));
  const problems: Partial<Record<Field, string>> = checked
    ? {
        ...(door ? {} : { doorId: t('form.errors.door') }),
        ...(unitId ? {} : { unitId: t('form.errors.unit') }),
        ...(parsed.success ? {} : { eui64: t('form.errors.eui64') }),
      }
    : {};
  const said = (field: Field) => problems[field] ?? refused[field];

  const submit = async () => {
    setChecked(true);
    setRefused({});
    if (!door || !unitId || !parsed.success) return;
    const draft = { door, unitId: Number(unitId), eui64: parsed.data };
    setBusy(true);
    setError(undefined);
    try {
      const { joinCode } = await call('rf.locks.add', {
        doorId: door.id,
        unitId: draft.unitId,
        eui64: draft.eui64,
      });
      onAdded(draft, joinCode);
    } catch (err) {
      const placed = placeIssues(err, FIELDS);
      if (placed) {
        setRefused(Object.fromEntries(placed.fields.map(([f, m]) => [f, asSentence(m)])));
        if (placed.rest.length) setError(issueList(placed.rest));
      } else if (isRpcError(err, 'CONFLICT')) {
        // The door has a lock, or the EUI-64 is another door's: the Service says which.
        setError(asSentence(err.message));
      } else setError(failure(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormFrame
      title={t('form.title')}
      submitLabel={t('form.create')}
      busy={busy}
      error={error}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onClose={onClose}
    >
      <div className="rf-form-fields">
        <SearchSelect
          label={t('form.door')}
          description={t('form.doorHint')}
          placeholder={t('form.doorPlaceholder')}
          nothingFound={t('form.noDoors')}
          value={door}
          onChange={setDoor}
          queryKey="doors.list.rf"
          find={(search) => findRfDoors(search, taken)}
          error={said('doorId')}
          maw="20rem"
        />
        <NativeSelect
          label={t('form.unit')}
          description={units.length ? t('form.unitHint') : t('form.noUnits')}
          value={unitId}
          onChange={(e) => setUnitId(e.currentTarget.value)}
          data={[{ value: '', label: '—' }, ...units.map((u) => ({ value: String(u.id), label: u.name }))]}
          error={said('unitId')}
          errorProps={{ role: 'alert' }}
          maw="20rem"
        />
        <TextInput
          label={t('form.eui64')}
          description={t('form.eui64Hint')}
          value={eui64}
          onChange={(e) => setEui64(e.currentTarget.value)}
          autoComplete="off"
          spellCheck={false}
          error={said('eui64')}
          errorProps={{ role: 'alert' }}
          maw="20rem"
        />
      </div>
    </FormFrame>
  );
}
