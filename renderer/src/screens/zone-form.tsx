import type { FormEvent } from 'react';
import type { Zone } from '../../../app/contract/methods/doors.js';
import { FormPanel } from '../components/form-panel.js';
import { NameFields } from '../components/name-fields.js';
import { call } from '../rpc/client.js';
import { explainConflict } from '../save-conflict.js';
import type { SectionProps } from '../section.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';

const fieldNames = ['name', 'description'] as const;

/** Creates or edits a zone: its name and description (doors join it from their own form). */
export function ZoneForm({
  zone,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The zone to edit; none to create one. */
  zone?: Zone | undefined;
  onSaved: (zone: Zone, created: boolean) => void;
  onClose: () => void;
}) {
  const [draft, , set] = useDraft(() => ({ name: zone?.name ?? '', description: zone?.description ?? '' }));
  const { errors, setErrors, formError, setFormError, busy, send } =
    useFormSend<(typeof fieldNames)[number]>(failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    setErrors({});
    await send(
      async () => {
        const saved = zone
          ? await call('zones.update', { id: zone.id, version: zone.version, ...draft })
          : await call('zones.create', draft);
        onSaved(saved, !zone);
      },
      {
        fields: fieldNames,
        explain: (err) => explainConflict(err, 'zone', setFormError, (name) => setErrors({ name })),
      },
    );
  }

  return (
    <FormPanel
      noun="zone"
      name={zone?.name}
      busy={busy}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <NameFields draft={draft} set={set} errors={errors} />
    </FormPanel>
  );
}
