import { zodResolver } from '@hookform/resolvers/zod';
import { Checkbox, Group, NativeSelect } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm, useWatch } from 'react-hook-form';
import type { Door } from '../../../app/contract/methods/doors.js';
import { useAccessLabels } from '../access-labels.js';
import { FormFrame, NameField, useErrorText, useSaveFailure } from '../forms/form-frame.js';
import { TextField } from '../forms/text-field.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import type { AccessChoices, Choice } from '../use-access-choices.js';
import { DoorForm as DoorSchema, type DoorFormInput, type DoorFormOutput } from './access/form-schemas.js';
import './access/access.css';

/** The contract paths of a door the form shows a field for (auth.mode and auth.scheduled go to auth). */
const FIELDS = [
  'name',
  'kind',
  'openMode',
  'officePeriodId',
  'auth',
  'calendarId',
  'zoneIds',
  'openSeconds',
  'extendedOpenSeconds',
];

/** The door as the form holds it; a new door starts as the contract's defaults. */
function draftOf(door: Door | undefined): DoorFormInput {
  return {
    name: door?.name ?? '',
    kind: door?.kind ?? 'online',
    openMode: door?.openMode ?? 'standard',
    officePeriodId: door?.officePeriodId ? String(door.officePeriodId) : '',
    authMode: door?.auth.mode ?? 'card',
    calendarId: String(door?.calendarId ?? 1),
    zoneIds: door?.zoneIds.map(String) ?? [],
    openSeconds: String(door?.openSeconds ?? 5),
    extendedOpenSeconds: String(door?.extendedOpenSeconds ?? 20),
  };
}

/** Select options for a list of named objects. */
const optionsOf = (list: readonly Choice[]) => list.map((c) => ({ value: String(c.id), label: c.name }));

/**
 * Creates or edits a door: its kind, how it opens (and, for the timed office mode, during which time
 * period), which factors it wants, how long it stays open, its calendar and its zones.
 */
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
  const { t } = useT('access');
  const labels = useAccessLabels();
  const errorText = useErrorText('access');
  const queryClient = useQueryClient();
  const { control, setError, handleSubmit, formState } = useForm<DoorFormInput, unknown, DoorFormOutput>({
    resolver: zodResolver(DoorSchema),
    defaultValues: draftOf(door),
  });
  const openMode = useWatch({ control, name: 'openMode' });

  const save = useMutation({
    mutationFn: (values: DoorFormOutput) => {
      if (!door) return call('doors.create', values);
      // A scheduled mode set elsewhere is kept, unless it now equals the door's own mode.
      const scheduled = door.auth.scheduled;
      const auth =
        scheduled && scheduled.mode !== values.auth.mode ? { ...values.auth, scheduled } : values.auth;
      return call('doors.update', { id: door.id, version: door.version, ...values, auth });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['doors.list'] }),
  });
  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) =>
      setError((field === 'auth' ? 'authMode' : field) as 'name', { type: 'server', message }),
    { ns: 'access', noun: 'doors' },
    () => FIELDS,
    failure,
  );

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !door);
    } catch (err) {
      fail(err);
    }
  });

  const select = (
    name: 'kind' | 'openMode' | 'officePeriodId' | 'authMode' | 'calendarId',
    label: string,
    data: { value: string; label: string }[],
    description?: string,
  ) => (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <NativeSelect
          {...field}
          label={label}
          data={data}
          description={description}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          error={errorText(fieldState.error?.message)}
          errorProps={{ role: 'alert' }}
          maw="32rem"
        />
      )}
    />
  );
  const seconds = (name: 'openSeconds' | 'extendedOpenSeconds', label: string, description?: string) => (
    <TextField
      control={control}
      name={name}
      ns="access"
      label={label}
      description={description}
      inputWrapperOrder={['label', 'input', 'description', 'error']}
      required
      inputMode="numeric"
      autoComplete="off"
      w="14rem"
    />
  );

  return (
    <FormFrame
      title={door ? t('doors.editTitle', { name: door.name }) : t('doors.newTitle')}
      submitLabel={door ? t('doors.save') : t('doors.create')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={(e) => void submit(e)}
      onClose={onClose}
    >
      <Controller control={control} name="name" render={NameField} />
      {select('kind', t('doors.kind'), labels.kindOptions)}
      {select('openMode', t('doors.openMode'), labels.openModeOptions)}
      {openMode === 'timed-office'
        ? select(
            'officePeriodId',
            t('doors.officePeriod'),
            [{ value: '', label: t('doors.choosePeriod') }, ...optionsOf(choices.periods)],
            t('doors.officePeriodHint'),
          )
        : null}
      {select('authMode', t('doors.auth'), labels.authOptions)}
      {select('calendarId', t('doors.calendar'), optionsOf(choices.calendars), t('doors.calendarHint'))}
      <Group align="flex-start" gap="md" wrap="wrap">
        {seconds('openSeconds', t('doors.openSeconds'))}
        {seconds('extendedOpenSeconds', t('doors.extendedOpenSeconds'), t('doors.extendedHint'))}
      </Group>
      <Controller
        control={control}
        name="zoneIds"
        render={({ field, fieldState }) => (
          <Checkbox.Group
            value={field.value}
            onChange={field.onChange}
            label={t('doors.zones')}
            description={choices.zones.length ? undefined : t('doors.noZonesYet')}
            error={errorText(fieldState.error?.message)}
            errorProps={{ role: 'alert' }}
          >
            {choices.zones.length ? (
              <div className="access-zone-checks">
                {choices.zones.map((z) => (
                  <Checkbox key={z.id} value={String(z.id)} label={z.name} />
                ))}
              </div>
            ) : null}
          </Checkbox.Group>
        )}
      />
    </FormFrame>
  );
}
