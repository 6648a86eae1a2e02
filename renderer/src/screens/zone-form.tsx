import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm } from 'react-hook-form';
import type { Zone } from '../../../app/contract/methods/doors.js';
import { DescriptionField, FormFrame, NameField, useSaveFailure } from '../forms/form-frame.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { ZoneForm as ZoneSchema, type ZoneFormInput, type ZoneFormOutput } from './access/form-schemas.js';

const FIELDS = ['name', 'description'];

/**
 * Creates or edits a zone: its name and description (doors join it from their own form). Saving over
 * someone else's change is refused (the version it was opened with goes with the update).
 */
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
  const { t } = useT('access');
  const queryClient = useQueryClient();
  const { control, setError, handleSubmit, formState } = useForm<ZoneFormInput, unknown, ZoneFormOutput>({
    resolver: zodResolver(ZoneSchema),
    defaultValues: { name: zone?.name ?? '', description: zone?.description ?? '' },
  });

  const save = useMutation({
    mutationFn: (values: ZoneFormOutput) =>
      zone
        ? call('zones.update', { id: zone.id, version: zone.version, ...values })
        : call('zones.create', values),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['zones.list'] }),
  });
  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) => setError(field as 'name', { type: 'server', message }),
    { ns: 'access', noun: 'zones' },
    () => FIELDS,
    failure,
  );

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !zone);
    } catch (err) {
      fail(err);
    }
  });

  return (
    <FormFrame
      title={zone ? t('zones.editTitle', { name: zone.name }) : t('zones.newTitle')}
      submitLabel={zone ? t('zones.save') : t('zones.create')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={(e) => void submit(e)}
      onClose={onClose}
    >
      <Controller control={control} name="name" render={NameField} />
      <Controller control={control} name="description" render={DescriptionField} />
    </FormFrame>
  );
}
