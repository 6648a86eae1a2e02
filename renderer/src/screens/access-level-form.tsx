import { zodResolver } from '@hookform/resolvers/zod';
import { NativeSelect } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useFieldArray, useForm } from 'react-hook-form';
import type { AccessLevel } from '../../../app/contract/methods/doors.js';
import { FieldRow, RowList } from '../components/row-list.js';
import { DescriptionField, FormFrame, NameField, useErrorText, useSaveFailure } from '../forms/form-frame.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import type { AccessChoices } from '../use-access-choices.js';
import {
  AccessLevelForm as LevelSchema,
  targetOf,
  type AccessLevelFormInput,
  type AccessLevelFormOutput,
} from './access/form-schemas.js';

/**
 * Where the service's refusal of a right goes: its door or zone to the target select, the right as a
 * whole (a repeat) there too, the list as a whole under the rows.
 */
function fieldOf(path: string): string {
  if (path === 'rights') return 'rights.root';
  const right = /^rights\.(\d+)(?:\.(doorId|zoneId))?$/.exec(path);
  return right ? `rights.${right[1]}.target` : path;
}

/** Creates or edits an access level: its rights, each a zone or a door during a time period. */
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
  const { t } = useT('access');
  const errorText = useErrorText('access');
  const queryClient = useQueryClient();
  const { control, getValues, setError, handleSubmit, formState } = useForm<
    AccessLevelFormInput,
    unknown,
    AccessLevelFormOutput
  >({
    resolver: zodResolver(LevelSchema),
    defaultValues: {
      name: level?.name ?? '',
      description: level?.description ?? '',
      rights: (level?.rights ?? []).map((r) => ({ target: targetOf(r), periodId: String(r.periodId) })),
    },
  });
  const { fields, append, remove } = useFieldArray({ control, name: 'rights' });

  const save = useMutation({
    mutationFn: (values: AccessLevelFormOutput) =>
      level
        ? call('accessLevels.update', { id: level.id, version: level.version, ...values })
        : call('accessLevels.create', values),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['accessLevels.list'] }),
  });
  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) => setError(fieldOf(field) as 'name', { type: 'server', message }),
    { ns: 'access', noun: 'levels' },
    () => [
      'name',
      'description',
      'rights',
      ...getValues('rights').flatMap((_, i) => [`rights.${i}`, `rights.${i}.periodId`]),
    ],
    failure,
  );

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !level);
    } catch (err) {
      fail(err);
    }
  });

  const targets = [
    { value: '', label: t('levels.chooseTarget') },
    ...choices.zones.map((z) => ({ value: `zone:${z.id}`, label: t('levels.zoneOption', { name: z.name }) })),
    ...choices.doors.map((d) => ({ value: `door:${d.id}`, label: t('levels.doorOption', { name: d.name }) })),
  ];
  const periods = [
    { value: '', label: t('levels.choosePeriod') },
    ...choices.periods.map((p) => ({ value: String(p.id), label: p.name })),
  ];
  const rightsError = formState.errors.rights?.root?.message ?? formState.errors.rights?.message;

  return (
    <FormFrame
      title={level ? t('levels.editTitle', { name: level.name }) : t('levels.newTitle')}
      submitLabel={level ? t('levels.save') : t('levels.create')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={(e) => void submit(e)}
      onClose={onClose}
    >
      <Controller control={control} name="name" render={NameField} />
      <Controller control={control} name="description" render={DescriptionField} />
      <RowList
        legend={t('levels.rights')}
        hint={t('levels.rightsHint')}
        error={errorText(rightsError)}
        empty={fields.length ? undefined : t('levels.noRights')}
        addLabel={t('levels.addRight')}
        onAdd={() => append({ target: '', periodId: '' })}
      >
        {fields.map((f, i) => {
          const name = t('levels.right', { n: i + 1 });
          return (
            <FieldRow
              key={f.id}
              name={name}
              removeLabel={t('levels.remove')}
              removeName={t('levels.removeNamed', { name })}
              onRemove={() => remove(i)}
            >
              <Controller
                control={control}
                name={`rights.${i}.target`}
                render={({ field, fieldState }) => (
                  <NativeSelect
                    {...field}
                    label={t('levels.target')}
                    data={targets}
                    error={errorText(fieldState.error?.message)}
                    errorProps={{ role: 'alert' }}
                    w="18rem"
                  />
                )}
              />
              <Controller
                control={control}
                name={`rights.${i}.periodId`}
                render={({ field, fieldState }) => (
                  <NativeSelect
                    {...field}
                    label={t('levels.period')}
                    data={periods}
                    error={errorText(fieldState.error?.message)}
                    errorProps={{ role: 'alert' }}
                    w="16rem"
                  />
                )}
              />
            </FieldRow>
          );
        })}
      </RowList>
    </FormFrame>
  );
}
