import type { FormEvent } from 'react';
import type { Door, DoorKind, DoorOpenMode } from '../../../app/contract/methods/doors.js';
import { doorAuthModes, doorKinds, doorOpenModes, type DoorAuthMode } from '../access-labels.js';
import { CheckboxGroup } from '../components/checkbox-group.js';
import { Field, SelectField } from '../components/field.js';
import { FormPanel } from '../components/form-panel.js';
import { NameField } from '../components/name-fields.js';
import type { FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import { explainConflict } from '../save-conflict.js';
import type { SectionProps } from '../section.js';
import type { AccessChoices, Choice } from '../use-access-choices.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

const fieldNames = [
  'name',
  'kind',
  'openMode',
  'officePeriodId',
  'auth',
  'calendarId',
  'zoneIds',
  'openSeconds',
  'extendedOpenSeconds',
] as const;
type FieldName = (typeof fieldNames)[number];

/** The door as the form edits it: numbers as typed, ids as select values. */
interface Draft {
  name: string;
  kind: DoorKind;
  openMode: DoorOpenMode;
  officePeriodId: string;
  authMode: DoorAuthMode;
  calendarId: string;
  zoneIds: number[];
  openSeconds: string;
  extendedOpenSeconds: string;
}

function draftOf(door: Door | undefined): Draft {
  return {
    name: door?.name ?? '',
    kind: door?.kind ?? 'online',
    openMode: door?.openMode ?? 'standard',
    officePeriodId: door?.officePeriodId ? String(door.officePeriodId) : '',
    authMode: door?.auth.mode ?? 'card',
    calendarId: String(door?.calendarId ?? 1),
    zoneIds: door ? [...door.zoneIds] : [],
    openSeconds: String(door?.openSeconds ?? 5),
    extendedOpenSeconds: String(door?.extendedOpenSeconds ?? 20),
  };
}

/** Select options for a list of named objects. */
function optionsOf(list: readonly Choice[]) {
  return list.map((c) => ({ value: String(c.id), label: c.name }));
}

/** Whole seconds a lock can count (1–255); undefined otherwise. */
function seconds(text: string): number | undefined {
  const n = Number(text.trim());
  return text.trim() && Number.isInteger(n) && n >= 1 && n <= 255 ? n : undefined;
}

/** Creates or edits a door: its kind, how it opens, which factors it wants, its calendar and zones. */
export function DoorForm({
  door,
  choices,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The door to edit; none to create one. */
  door?: Door | undefined;
  choices: AccessChoices;
  onSaved: (door: Door, created: boolean) => void;
  onClose: () => void;
}) {
  const [draft, , set] = useDraft(() => draftOf(door));
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<FieldName>(failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const openSeconds = seconds(draft.openSeconds);
    const extendedOpenSeconds = seconds(draft.extendedOpenSeconds);
    const bad: FieldErrors<FieldName> = {};
    if (openSeconds === undefined) bad.openSeconds = 'Type whole seconds from 1 to 255, such as 5.';
    if (extendedOpenSeconds === undefined)
      bad.extendedOpenSeconds = 'Type whole seconds from 1 to 255, such as 20.';
    if (draft.openMode === 'timed-office' && !draft.officePeriodId)
      bad.officePeriodId = 'Choose the time period during which the door stands open.';
    setErrors(bad);
    if (Object.keys(bad).length || openSeconds === undefined || extendedOpenSeconds === undefined) return;
    // A scheduled mode set elsewhere is kept, unless it now equals the door's own mode.
    const scheduled = door?.auth.scheduled;
    const values = {
      name: draft.name,
      kind: draft.kind,
      openMode: draft.openMode,
      ...(draft.openMode === 'timed-office' ? { officePeriodId: Number(draft.officePeriodId) } : {}),
      auth: {
        mode: draft.authMode,
        ...(scheduled && scheduled.mode !== draft.authMode ? { scheduled } : {}),
      },
      calendarId: Number(draft.calendarId),
      zoneIds: draft.zoneIds,
      openSeconds,
      extendedOpenSeconds,
    };
    await send(
      async () => {
        const saved = door
          ? await call('doors.update', { id: door.id, version: door.version, ...values })
          : await call('doors.create', values);
        onSaved(saved, !door);
      },
      {
        fields: fieldNames,
        explain: (err) => explainConflict(err, 'door', setFormError, (name) => setErrors({ name })),
      },
    );
  }

  return (
    <FormPanel
      noun="door"
      name={door?.name}
      busy={busy}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <NameField value={draft.name} onChange={set('name')} error={errors.name} />
      <SelectField
        label="Kind"
        value={draft.kind}
        onChange={set('kind')}
        options={doorKinds}
        error={errors.kind}
      />
      <SelectField
        label="Open mode"
        value={draft.openMode}
        onChange={set('openMode')}
        options={doorOpenModes}
        error={errors.openMode}
      />
      {draft.openMode === 'timed-office' ? (
        <SelectField
          label="Office period"
          value={draft.officePeriodId}
          onChange={set('officePeriodId')}
          options={[{ value: '', label: 'Choose a time period' }, ...optionsOf(choices.periods)]}
          hint="The door stands open during this time period."
          error={errors.officePeriodId}
        />
      ) : null}
      <SelectField
        label="Authentication"
        value={draft.authMode}
        onChange={set('authMode')}
        options={doorAuthModes}
        error={errors.auth}
      />
      <SelectField
        label="Calendar"
        value={draft.calendarId}
        onChange={set('calendarId')}
        options={optionsOf(choices.calendars)}
        hint="Its holidays and special days replace their weekday in time periods."
        error={errors.calendarId}
      />
      <Field
        label="Open for (seconds)"
        value={draft.openSeconds}
        onChange={set('openSeconds')}
        autoComplete="off"
        error={errors.openSeconds}
        required
      />
      <Field
        label="Extended opening (seconds)"
        value={draft.extendedOpenSeconds}
        onChange={set('extendedOpenSeconds')}
        autoComplete="off"
        hint="For cardholders who need longer (wheelchairs, deliveries); at least the normal opening."
        error={errors.extendedOpenSeconds}
        required
      />
      <CheckboxGroup
        legend="Zones"
        columns
        selected={draft.zoneIds}
        onChange={set('zoneIds')}
        hint={choices.zones.length ? undefined : 'No zones yet: create them under Zones.'}
        error={errors.zoneIds}
        options={choices.zones.map((z) => ({ value: z.id, label: z.name }))}
      />
    </FormPanel>
  );
}
