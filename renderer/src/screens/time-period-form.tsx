import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Controller, FormProvider, useForm } from 'react-hook-form';
import type { TimePeriod } from '../../../app/contract/methods/schedules.js';
import { DAY_TYPES } from '../../../app/contract/schedule-schemas.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { DescriptionField, FormFrame, NameField, useSaveFailure } from '../forms/form-frame.js';
import {
  TimePeriodForm as TimePeriodSchema,
  type TimePeriodFormInput,
  type TimePeriodFormOutput,
} from './schedules/form-schemas.js';
import { isSorted, sortRows, textOf } from './schedules/week.js';
import { WeeklyEditor } from './schedules/weekly-editor.js';

/** The time period as the form holds it: times as typed. */
function draftOf(period: TimePeriod | undefined): TimePeriodFormInput {
  return {
    name: period?.name ?? '',
    description: period?.description ?? '',
    rules: Object.fromEntries(
      DAY_TYPES.map((d) => [d, (period?.rules[d] ?? []).map(textOf)]),
    ) as TimePeriodFormInput['rules'],
  };
}

/**
 * Creates or edits a time period: its name, description and weekly schedule (the visual editor, with
 * start and end fields per interval). Problems show beside their fields before anything is sent, the
 * service's refusals land beside the fields they name, and saving over someone else's change is
 * refused (the version it was opened with goes with the update).
 */
export function TimePeriodForm({
  period,
  failure,
  timeZone,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The time period to edit; none to create one. */
  period?: TimePeriod | undefined;
  /** The site's time zone, which the times are in. */
  timeZone?: string | undefined;
  onSaved: (period: TimePeriod, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useT('schedules');
  const queryClient = useQueryClient();
  const form = useForm<TimePeriodFormInput, unknown, TimePeriodFormOutput>({
    resolver: zodResolver(TimePeriodSchema),
    defaultValues: draftOf(period),
  });
  const { control, getValues, setValue, setError, handleSubmit, formState } = form;

  const save = useMutation({
    mutationFn: (values: TimePeriodFormOutput) =>
      period
        ? call('timePeriods.update', { id: period.id, version: period.version, ...values })
        : call('timePeriods.create', values),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['timePeriods.list'] }),
  });

  // The paths the service may name, for the rows as they are now (in order: see `submit`).
  const fields = () => [
    'name',
    'description',
    ...DAY_TYPES.flatMap((d) => [
      `rules.${d}`,
      ...getValues(`rules.${d}`).flatMap((_, i) => [`rules.${d}.${i}.start`, `rules.${d}.${i}.end`]),
    ]),
  ];
  const { formError, setFormError, fail } = useSaveFailure(
    // A refusal of a whole day (`rules.mon`) goes with the day, under its intervals.
    (field, message) =>
      setError((/^rules\.\w+$/.test(field) ? `${field}.root` : field) as 'name', { type: 'server', message }),
    { ns: 'schedules', noun: 'timePeriods' },
    fields,
    failure,
  );

  const send = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !period);
    } catch (err) {
      fail(err);
    }
  });
  // Each day goes in order of start first, as the contract wants it: the service's complaints (by
  // position) then land on the rows as shown, and so do the form's own.
  const submit = (e: FormEvent<HTMLFormElement>) => {
    for (const d of DAY_TYPES) {
      const rows = getValues(`rules.${d}`);
      if (!isSorted(rows)) setValue(`rules.${d}`, sortRows(rows));
    }
    void send(e);
  };

  return (
    <FormProvider {...form}>
      <FormFrame
        title={period ? t('timePeriods.editTitle', { name: period.name }) : t('timePeriods.newTitle')}
        submitLabel={period ? t('timePeriods.save') : t('timePeriods.create')}
        busy={formState.isSubmitting}
        error={formError}
        onSubmit={submit}
        onClose={onClose}
      >
        <Controller control={control} name="name" render={NameField} />
        <Controller control={control} name="description" render={DescriptionField} />
        <WeeklyEditor timeZone={timeZone} />
      </FormFrame>
    </FormProvider>
  );
}
