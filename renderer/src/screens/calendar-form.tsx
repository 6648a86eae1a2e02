import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { Controller, useFieldArray, useForm, useWatch } from 'react-hook-form';
import type { Calendar } from '../../../app/contract/methods/schedules.js';
import { SPECIAL_DAY_TYPES } from '../../../app/contract/schedule-schemas.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { FormFrame, NameField, useErrorText, useSaveFailure } from '../forms/form-frame.js';
import {
  CalendarForm as CalendarSchema,
  type CalendarFormInput,
  type CalendarFormOutput,
  sortDays,
} from './schedules/form-schemas.js';

/** The weekday of an ISO date in the console's language ("Friday"); undefined for anything else. */
function weekdayOf(date: string, language: string | undefined): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const d = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  // A calendar date has no zone: read and named in UTC, it is the same day everywhere.
  return new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' }).format(d);
}

/**
 * Creates or edits a calendar: its name and its special days (a date and the day type it takes
 * instead of its weekday), one row each, put in date order when saved.
 */
export function CalendarForm({
  calendar,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The calendar to edit; none to create one. */
  calendar?: Calendar | undefined;
  onSaved: (calendar: Calendar, created: boolean) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useT('schedules');
  const errorText = useErrorText('schedules');
  const queryClient = useQueryClient();
  const form = useForm<CalendarFormInput, unknown, CalendarFormOutput>({
    resolver: zodResolver(CalendarSchema),
    defaultValues: { name: calendar?.name ?? '', days: calendar?.days.map((d) => ({ ...d })) ?? [] },
  });
  const { control, getValues, setValue, setError, handleSubmit, formState } = form;
  const { fields, append, remove } = useFieldArray({ control, name: 'days' });
  const days = useWatch({ control, name: 'days' });
  const legend = useId();

  const save = useMutation({
    mutationFn: (values: CalendarFormOutput) =>
      calendar
        ? call('calendars.update', { id: calendar.id, version: calendar.version, ...values })
        : call('calendars.create', values),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['calendars.list'] }),
  });
  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) =>
      setError((field === 'days' ? 'days.root' : field) as 'name', { type: 'server', message }),
    { ns: 'schedules', noun: 'calendars' },
    () => ['name', 'days', ...getValues('days').flatMap((_, i) => [`days.${i}.date`, `days.${i}.type`])],
    failure,
  );

  const send = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !calendar);
    } catch (err) {
      fail(err);
    }
  });
  // In date order first, so the service's complaints (by position) land on the rows as shown.
  const submit = (e: FormEvent<HTMLFormElement>) => {
    const rows = getValues('days');
    const sorted = sortDays(rows);
    if (sorted.some((d, i) => d !== rows[i])) setValue('days', sorted);
    void send(e);
  };

  const typeOptions = SPECIAL_DAY_TYPES.map((value) => ({ value, label: t(`days.${value}`) }));
  const daysError = formState.errors.days?.root?.message ?? formState.errors.days?.message;
  return (
    <FormFrame
      title={calendar ? t('calendars.editTitle', { name: calendar.name }) : t('calendars.newTitle')}
      submitLabel={calendar ? t('calendars.save') : t('calendars.create')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={submit}
      onClose={onClose}
    >
      <Controller control={control} name="name" render={NameField} />
      <div role="group" aria-labelledby={legend}>
        <Text id={legend} fw={600}>
          {t('calendars.specialDays')}
        </Text>
        <Text size="sm" c="dimmed" mb="xs">
          {t('calendars.daysHint')}
        </Text>
        <Stack gap="xs">
          {fields.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('calendars.none')}
            </Text>
          ) : null}
          {fields.map((f, i) => {
            const name = t('calendars.day', { n: i + 1 });
            const weekday = weekdayOf(days?.[i]?.date ?? '', i18n.resolvedLanguage);
            return (
              <Group key={f.id} role="group" aria-label={name} align="flex-start" gap="sm" wrap="wrap">
                <Controller
                  control={control}
                  name={`days.${i}.date`}
                  render={({ field, fieldState }) => (
                    <TextInput
                      {...field}
                      type="date"
                      label={t('calendars.date')}
                      required
                      withAsterisk={false}
                      description={weekday ? t('calendars.fallsOn', { weekday }) : undefined}
                      inputWrapperOrder={['label', 'input', 'description', 'error']}
                      error={errorText(fieldState.error?.message)}
                      errorProps={{ role: 'alert' }}
                      w="14rem"
                    />
                  )}
                />
                <Controller
                  control={control}
                  name={`days.${i}.type`}
                  render={({ field, fieldState }) => (
                    <NativeSelect
                      {...field}
                      label={t('calendars.type')}
                      data={typeOptions}
                      error={errorText(fieldState.error?.message)}
                      errorProps={{ role: 'alert' }}
                      w="12rem"
                    />
                  )}
                />
                <Button
                  mt="1.6rem"
                  size="compact-sm"
                  variant="subtle"
                  color="red"
                  aria-label={t('editor.removeNamed', { name })}
                  onClick={() => remove(i)}
                >
                  {t('editor.remove')}
                </Button>
              </Group>
            );
          })}
          {daysError ? (
            <Text size="sm" className="sched-error" role="alert">
              {errorText(daysError)}
            </Text>
          ) : null}
          <Group>
            <Button size="compact-sm" variant="default" onClick={() => append({ date: '', type: 'holiday' })}>
              {t('calendars.addDay')}
            </Button>
          </Group>
        </Stack>
      </div>
    </FormFrame>
  );
}
