import type { FormEvent } from 'react';
import type { AccessLevel } from '../../../app/contract/methods/doors.js';
import { SelectField } from '../components/field.js';
import { FormPanel } from '../components/form-panel.js';
import { NameFields } from '../components/name-fields.js';
import { FieldRow, RowList } from '../components/row-list.js';
import type { FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import { explainConflict } from '../save-conflict.js';
import type { SectionProps } from '../section.js';
import type { AccessChoices } from '../use-access-choices.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

/** One right as the form edits it: the target as "door:3" or "zone:2", the period id as text. */
interface Right {
  target: string;
  periodId: string;
}

interface Draft {
  name: string;
  description: string;
  rights: Right[];
}

/** A right's target as a select value. */
function targetOf(r: AccessLevel['rights'][number]): string {
  return r.doorId !== undefined ? `door:${r.doorId}` : `zone:${r.zoneId ?? ''}`;
}

/** Creates or edits an access level: its rights, each a door or a zone during a time period. */
export function AccessLevelForm({
  level,
  choices,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The access level to edit; none to create one. */
  level?: AccessLevel | undefined;
  choices: AccessChoices;
  onSaved: (level: AccessLevel, created: boolean) => void;
  onClose: () => void;
}) {
  const [draft, , set] = useDraft<Draft>(() => ({
    name: level?.name ?? '',
    description: level?.description ?? '',
    rights: (level?.rights ?? []).map((r) => ({ target: targetOf(r), periodId: String(r.periodId) })),
  }));
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<string>(failure);
  const setRights = set('rights');

  const targets = [
    { value: '', label: 'Choose a zone or door' },
    ...choices.zones.map((z) => ({ value: `zone:${z.id}`, label: `Zone: ${z.name}` })),
    ...choices.doors.map((d) => ({ value: `door:${d.id}`, label: `Door: ${d.name}` })),
  ];
  const periods = [
    { value: '', label: 'Choose a time period' },
    ...choices.periods.map((p) => ({ value: String(p.id), label: p.name })),
  ];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const bad: FieldErrors<string> = {};
    draft.rights.forEach((r, i) => {
      if (!r.target) bad[`rights.${i}.target`] = 'Choose the zone or door this right opens.';
      if (!r.periodId) bad[`rights.${i}`] = 'Choose when this right applies.';
    });
    setErrors(bad);
    if (Object.keys(bad).length) return;
    const rights = draft.rights.map((r) => {
      const [kind, id] = r.target.split(':');
      return { [kind === 'door' ? 'doorId' : 'zoneId']: Number(id), periodId: Number(r.periodId) };
    });
    const values = { name: draft.name, description: draft.description, rights };
    await send(
      async () => {
        const saved = level
          ? await call('accessLevels.update', { id: level.id, version: level.version, ...values })
          : await call('accessLevels.create', values);
        onSaved(saved, !level);
      },
      {
        fields: ['name', 'description', 'rights', ...draft.rights.map((_, i) => `rights.${i}`)],
        explain: (err) => explainConflict(err, 'access level', setFormError, (name) => setErrors({ name })),
      },
    );
  }

  return (
    <FormPanel
      noun="access level"
      name={level?.name}
      busy={busy}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <NameFields draft={draft} set={set} errors={errors} />
      <RowList
        legend="Rights"
        hint="Each right opens a zone (all its doors) or one door, during a time period."
        error={errors.rights}
        empty={draft.rights.length ? undefined : 'None yet: holders open nothing.'}
        addLabel="Add a right"
        onAdd={() => setRights([...draft.rights, { target: '', periodId: '' }])}
      >
        {draft.rights.map((r, i) => {
          const edit = (patch: Partial<Right>) =>
            setRights(draft.rights.map((x, j) => (j === i ? { ...x, ...patch } : x)));
          return (
            <FieldRow
              key={i}
              name={`Right ${i + 1}`}
              onRemove={() => setRights(draft.rights.filter((_, j) => j !== i))}
            >
              <SelectField
                label="Zone or door"
                value={r.target}
                onChange={(target) => edit({ target })}
                options={targets}
                error={errors[`rights.${i}.target`]}
              />
              <SelectField
                label="Time period"
                value={r.periodId}
                onChange={(periodId) => edit({ periodId })}
                options={periods}
                error={errors[`rights.${i}`]}
              />
            </FieldRow>
          );
        })}
      </RowList>
    </FormPanel>
  );
}
