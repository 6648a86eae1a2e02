import { zodResolver } from '@hookform/resolvers/zod';
import { Checkbox, Fieldset, Group, PasswordInput, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm, useWatch } from 'react-hook-form';
import type { ParamsOf } from '../../../app/contract/index.js';
import type { User, UserDetail } from '../../../app/contract/methods/users.js';
import { isRpcError } from '../error-text.js';
import { FormFrame, useErrorText, useSaveFailure } from '../forms/form-frame.js';
import { asSentence } from '../forms/form-words.js';
import { TextField } from '../forms/text-field.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import type { Choice } from '../use-access-choices.js';
import { UserForm as UserSchema, type UserFormInput, type UserFormOutput } from './users/user-form-schema.js';
import { lastDayOf, dayOf, startOfDay } from './users/validity-days.js';

/** The contract paths the form has a field for: the service's refusals of them land beside it. */
const FIELDS = [
  'firstName',
  'lastName',
  'identifier',
  'department',
  'validFrom',
  'validUntil',
  'pin',
  'privileges',
  'notes',
  'accessLevelIds',
] as const;
const PRIVILEGES = ['office', 'privacyOverride', 'extendedOpening'] as const;

/** The user as the form holds it: validity as days of the site's zone, empty for none. */
function draftOf(user: User | undefined, zone: string | undefined): UserFormInput {
  return {
    firstName: user?.firstName ?? '',
    lastName: user?.lastName ?? '',
    identifier: user?.identifier ?? '',
    department: user?.department ?? '',
    validFrom: user?.validFrom ? dayOf(user.validFrom, zone) : '',
    // Stored as the instant it ends: the last valid day is the one before.
    validUntil: user?.validUntil ? lastDayOf(user.validUntil, zone) : '',
    pin: '',
    clearPin: false,
    privileges: {
      ...(user?.privileges ?? { office: false, privacyOverride: false, extendedOpening: false }),
    },
    notes: user?.notes ?? '',
    accessLevelIds: (user?.accessLevelIds ?? []).map(String),
  };
}

/**
 * What users.create and users.update share: days as the instants they start in the site's zone (the
 * last valid day ends where the next one starts). Identifier and PIN each method takes its own way.
 */
function commonParams(values: UserFormOutput, zone: string | undefined, sendLevels: boolean) {
  const { firstName, lastName, department, privileges, notes, validFrom, validUntil, accessLevelIds } =
    values;
  return {
    firstName,
    lastName,
    department,
    privileges,
    notes,
    validFrom: validFrom ? startOfDay(validFrom, zone) : null,
    validUntil: validUntil ? startOfDay(validUntil, zone, 1) : null,
    // Without doors:read the levels are not shown, so the user keeps what they hold.
    ...(sendLevels ? { accessLevelIds } : {}),
  };
}

/**
 * Creates or edits a cardholder: names, identifier, department, validity (whole days in the site's
 * time zone), PIN (write-only), privileges, notes and access levels. Problems show beside their fields
 * before anything is sent; the service's refusals land beside the fields they name, and saving over
 * someone else's change is refused (the version it was opened with goes with the update).
 */
export function UserForm({
  user,
  levels,
  timeZone,
  failure,
  onSaved,
  onClose,
}: Pick<SectionProps, 'failure'> & {
  /** The user to edit; none to create one. */
  user?: User | undefined;
  /** The access levels to choose from; undefined when the operator's roles cannot read them. */
  levels: readonly Choice[] | undefined;
  /** The site's time zone, which validity days are in (undefined: this computer's). */
  timeZone: string | undefined;
  onSaved: (user: UserDetail, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useT('users');
  const errorText = useErrorText('users');
  const queryClient = useQueryClient();
  const form = useForm<UserFormInput, unknown, UserFormOutput>({
    resolver: zodResolver(UserSchema),
    defaultValues: draftOf(user, timeZone),
  });
  const { control, setError, handleSubmit, formState } = form;
  const clearPin = useWatch({ control, name: 'clearPin' });

  const save = useMutation({
    mutationFn: (values: UserFormOutput) => {
      const params = commonParams(values, timeZone, levels !== undefined);
      const { identifier, pin, clearPin } = values;
      if (user)
        return call('users.update', {
          id: user.id,
          version: user.version,
          ...params,
          identifier,
          // Left out, the PIN stays as it is; null removes it.
          ...(clearPin ? { pin: null } : pin ? { pin } : {}),
        });
      const created: ParamsOf<'users.create'> = {
        ...params,
        ...(identifier ? { identifier } : {}),
        ...(pin ? { pin } : {}),
      };
      return call('users.create', created);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['users.list'] });
      // A change of access, validity or privileges marks the user's issued keys needs-update.
      void queryClient.invalidateQueries({ queryKey: ['keys.list'] });
    },
  });

  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) => setError(field as 'lastName', { type: 'server', message }),
    { ns: 'users', noun: 'users' },
    () => [...FIELDS],
    failure,
  );

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onSaved(await save.mutateAsync(values), !user);
    } catch (err) {
      // The one CONFLICT that is not a stale version names the identifier another user holds.
      if (isRpcError(err, 'CONFLICT') && err.data.field === 'identifier')
        setError('identifier', {
          type: 'server',
          message: t('errors.identifierTaken', { message: asSentence(err.message) }),
        });
      else fail(err);
    }
  });

  const text = (name: 'firstName' | 'lastName' | 'identifier' | 'department', hint?: string) => (
    <TextField
      control={control}
      name={name}
      ns="users"
      label={t(`fields.${name}`)}
      description={hint}
      required={name === 'lastName'}
      autoComplete="off"
      spellCheck={false}
    />
  );
  const day = (name: 'validFrom' | 'validUntil') => (
    <TextField
      control={control}
      name={name}
      ns="users"
      type="date"
      label={t(`fields.${name}`)}
      description={t(`fields.${name}Hint`)}
      w="16rem"
    />
  );

  const name = user && `${user.firstName} ${user.lastName}`.trim();
  return (
    <FormFrame
      title={name !== undefined ? t('users.editTitle', { name }) : t('users.newTitle')}
      submitLabel={user ? t('users.save') : t('users.create')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={(e) => void submit(e)}
      onClose={onClose}
    >
      {text('firstName')}
      {text('lastName')}
      {text('identifier', t('fields.identifierHint'))}
      {text('department')}
      <Fieldset
        legend={timeZone ? t('fields.validity', { zone: timeZone }) : t('fields.validityHere')}
        variant="unstyled"
      >
        <Group align="flex-start" gap="md">
          {day('validFrom')}
          {day('validUntil')}
        </Group>
      </Fieldset>
      <Controller
        control={control}
        name="pin"
        render={({ field, fieldState }) => (
          <PasswordInput
            {...field}
            label={user ? t('fields.newPin') : t('fields.pin')}
            description={user?.pinSet ? t('fields.pinSetHint') : t('fields.pinHint')}
            inputMode="numeric"
            autoComplete="new-password"
            disabled={clearPin}
            error={errorText(fieldState.error?.message)}
            errorProps={{ role: 'alert' }}
            maw="32rem"
          />
        )}
      />
      {user?.pinSet ? (
        <Controller
          control={control}
          name="clearPin"
          render={({ field: { value, ...field } }) => (
            <Checkbox {...field} checked={value} label={t('fields.clearPin')} />
          )}
        />
      ) : null}
      {user ? (
        // Enrolled and cleared in the fingerprint panel (users.enrollFingerprint), not by this form.
        <Text size="sm">
          {user.fingerprintEnrolled ? t('fingerprint.stateEnrolled') : t('fingerprint.stateNone')}
        </Text>
      ) : null}
      <Fieldset legend={t('fields.privileges')} variant="unstyled">
        <Group gap="lg" align="flex-start">
          {PRIVILEGES.map((p) => (
            <Controller
              key={p}
              control={control}
              name={`privileges.${p}`}
              render={({ field: { value, ...field } }) => (
                <Checkbox
                  {...field}
                  checked={value}
                  label={t(`fields.${p}`)}
                  description={t(`fields.${p}Hint`)}
                />
              )}
            />
          ))}
        </Group>
      </Fieldset>
      <Controller
        control={control}
        name="accessLevelIds"
        render={({ field, fieldState }) => (
          <Checkbox.Group
            {...field}
            label={t('fields.levels')}
            description={
              !levels ? t('fields.levelsUnreadable') : levels.length ? undefined : t('fields.noLevels')
            }
            error={errorText(fieldState.error?.message)}
            errorProps={{ role: 'alert' }}
          >
            {levels?.length ? (
              <Group gap="md" mt="xs">
                {levels.map((l) => (
                  <Checkbox key={l.id} value={String(l.id)} label={l.name} />
                ))}
              </Group>
            ) : null}
          </Checkbox.Group>
        )}
      />
      <Controller
        control={control}
        name="notes"
        render={({ field, fieldState }) => (
          <Textarea
            {...field}
            label={t('fields.notes')}
            rows={2}
            error={errorText(fieldState.error?.message)}
            errorProps={{ role: 'alert' }}
            maw="32rem"
          />
        )}
      />
    </FormFrame>
  );
}
