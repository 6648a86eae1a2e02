import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Checkbox, Group, Stack } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { ErrorAlert } from '../../components/alert.js';
import type { Operator, Role } from '../../../../app/contract/methods/operators.js';
import { RolePicker } from '../../components/role-picker.js';
import { isRpcError } from '../../error-text.js';
import { useErrorText, useSaveFailure } from '../../forms/form-frame.js';
import { TextField } from '../../forms/text-field.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import type { SectionProps } from '../../section.js';
import {
  OperatorEditForm as EditSchema,
  type OperatorEditInput,
  type OperatorEditOutput,
} from './form-schemas.js';

/** The editable part of an operator. */
const draftOf = (o: Operator): OperatorEditInput => ({
  displayName: o.displayName,
  roleIds: o.roles.map((r) => r.id),
  disabled: o.disabled,
});

const sameIds = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((id) => b.includes(id));

/** What differs between the form and what it was filled from: only that goes with the update. */
function changes(draft: OperatorEditInput, base: Operator) {
  const was = draftOf(base);
  return {
    ...(draft.displayName !== was.displayName ? { displayName: draft.displayName } : {}),
    ...(!sameIds(draft.roleIds, was.roleIds) ? { roleIds: draft.roleIds } : {}),
    ...(draft.disabled !== was.disabled ? { disabled: draft.disabled } : {}),
  };
}

/** The contract paths the form shows a field for. */
const FIELDS = ['displayName', 'roleIds', 'disabled'];

/**
 * An operator's name, roles and disabled state. The version read goes with the update, so a
 * concurrent change is refused rather than overwritten; the form then shows the newer version.
 */
export function OperatorEditForm({
  operator,
  roles,
  self,
  can,
  failure,
  reload,
  onSaved,
}: Pick<SectionProps, 'can' | 'failure'> & {
  operator: Operator;
  roles: readonly Role[];
  /** Whether the operator is the one logged in. */
  self: boolean;
  /** Reads the operators again; resolves to the fresh list (undefined when that failed). */
  reload: () => Promise<Operator[] | undefined>;
  /** Says what saving did (or that there was nothing to save). */
  onSaved: (notice: string) => void;
}) {
  const { t } = useT('operators');
  const errorText = useErrorText('operators');
  const queryClient = useQueryClient();
  const [base, setBase] = useState(operator);
  const { control, reset, setError, handleSubmit, formState } = useForm<
    OperatorEditInput,
    unknown,
    OperatorEditOutput
  >({ resolver: zodResolver(EditSchema), defaultValues: draftOf(operator) });
  const dirty = Object.keys(changes(useWatch({ control }) as OperatorEditInput, base)).length > 0;
  const busy = formState.isSubmitting;

  // A newer reading from the list (after unlock, reset, someone else's edit) replaces an untouched
  // form; an edited one keeps its base so that saving it is refused instead of silently winning.
  if (operator.version > base.version && !dirty && !busy) setBase(operator);
  // Whatever the form is filled from (a newer reading, what was saved, the version that won), it shows.
  useEffect(() => reset(draftOf(base)), [base, reset]);

  const update = useMutation({
    mutationFn: (values: OperatorEditOutput) =>
      call('operators.update', { id: base.id, version: base.version, ...changes(values, base) }),
    // New roles count for the roles list, and the service ends their sessions.
    onSuccess: () =>
      Promise.all(
        ['operators.list', 'roles.list', 'operators.sessions'].map((m) =>
          queryClient.invalidateQueries({ queryKey: [m] }),
        ),
      ),
  });

  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) => setError(field as 'displayName', { type: 'server', message }),
    { ns: 'operators', noun: 'operators' },
    () => FIELDS,
    failure,
  );

  const send = handleSubmit(async (values) => {
    setFormError(undefined);
    const change = changes(values, base);
    // Only blanks around the name were added: what is stored already says it.
    if (Object.keys(change).length === 0) return onSaved(t('panel.nothingToSave'));
    try {
      setBase(await update.mutateAsync(values));
      onSaved(
        change.roleIds || change.disabled !== undefined ? t('panel.savedSessionsEnded') : t('panel.saved'),
      );
    } catch (err) {
      if (isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion === 'number') {
        const fresh = (await reload())?.find((o) => o.id === base.id);
        if (fresh) setBase(fresh);
      }
      fail(err);
    }
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    if (dirty) return void send(e);
    e.preventDefault();
    setFormError(undefined);
    onSaved(t('panel.nothingToSave'));
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      aria-label={t('panel.edit', { username: operator.username })}
    >
      <Stack gap="md">
        <ErrorAlert>{formError}</ErrorAlert>
        <TextField
          control={control}
          name="displayName"
          ns="operators"
          label={t('panel.displayName')}
          required
          autoComplete="off"
        />
        <Controller
          control={control}
          name="roleIds"
          render={({ field, fieldState }) => (
            <RolePicker
              roles={roles}
              selected={field.value}
              onChange={field.onChange}
              onBlur={field.onBlur}
              can={can}
              error={errorText(fieldState.error?.message)}
              hint={operator.source === 'ldap' ? t('panel.directoryRoles') : undefined}
            />
          )}
        />
        <Controller
          control={control}
          name="disabled"
          render={({ field }) => (
            <Checkbox
              name={field.name}
              ref={field.ref}
              checked={field.value}
              onChange={(e) => field.onChange(e.currentTarget.checked)}
              onBlur={field.onBlur}
              label={t('panel.disabled')}
              description={self ? t('panel.disabledSelf') : t('panel.disabledHint')}
            />
          )}
        />
        <Group>
          <Button type="submit" disabled={busy}>
            {busy ? t('form.saving', { ns: 'common' }) : t('panel.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
