import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Group, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm } from 'react-hook-form';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { RolePicker } from '../components/role-picker.js';
import { isRpcError } from '../error-text.js';
import { FormFrame, useErrorText, useSaveFailure } from '../forms/form-frame.js';
import { asSentence } from '../forms/form-words.js';
import { TextField } from '../forms/text-field.js';
import { useT } from '../i18n/i18n.js';
import { generatePassword } from '../password-generator.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import {
  OperatorCreateForm as CreateSchema,
  type OperatorCreateInput,
  type OperatorCreateOutput,
} from './operators/form-schemas.js';

/** The contract paths the form shows a field for. */
const FIELDS = ['username', 'displayName', 'roleIds', 'password'];

const empty: OperatorCreateInput = { username: '', displayName: '', roleIds: [], password: '' };

/**
 * Creates a local operator with a temporary password they must change at first login. The password
 * goes back with the created operator, for the list to show it once.
 */
export function OperatorCreateForm({
  roles,
  can,
  failure,
  onCreated,
  onClose,
}: Pick<SectionProps, 'can' | 'failure'> & {
  roles: readonly Role[];
  onCreated: (operator: Operator, temporaryPassword: string) => void;
  onClose: () => void;
}) {
  const { t } = useT('operators');
  const errorText = useErrorText('operators');
  const queryClient = useQueryClient();
  const { control, setValue, setError, handleSubmit, formState } = useForm<
    OperatorCreateInput,
    unknown,
    OperatorCreateOutput
  >({ resolver: zodResolver(CreateSchema), defaultValues: empty });

  const create = useMutation({
    mutationFn: (values: OperatorCreateOutput) => call('operators.create', values),
    // The roles list counts each role's operators.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['operators.list'] }),
        queryClient.invalidateQueries({ queryKey: ['roles.list'] }),
      ]),
  });

  const { formError, setFormError, fail } = useSaveFailure(
    (field, message) => setError(field as 'username', { type: 'server', message }),
    { ns: 'operators', noun: 'operators' },
    () => FIELDS,
    failure,
  );

  const submit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      onCreated(await create.mutateAsync(values), values.password);
    } catch (err) {
      if (isRpcError(err, 'WEAK_PASSWORD'))
        setError('password', {
          type: 'server',
          message: t('create.weak', { message: asSentence(err.message) }),
        });
      // The only rule creating can break is a username already taken.
      else if (isRpcError(err, 'CONFLICT'))
        setError('username', {
          type: 'server',
          message: t('create.taken', { message: asSentence(err.message) }),
        });
      else fail(err);
    }
  });

  return (
    <FormFrame
      title={t('create.title')}
      submitLabel={t('create.submit')}
      busy={formState.isSubmitting}
      error={formError}
      onSubmit={(e) => void submit(e)}
      onClose={onClose}
    >
      <TextField
        control={control}
        name="username"
        ns="operators"
        label={t('create.username')}
        description={t('create.usernameHint')}
        required
        autoComplete="off"
        spellCheck={false}
      />
      <TextField
        control={control}
        name="displayName"
        ns="operators"
        label={t('create.displayName')}
        description={t('create.displayNameHint')}
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
          />
        )}
      />
      <Controller
        control={control}
        name="password"
        render={({ field, fieldState }) => (
          // Plain text: the administrator reads it out or copies it for the operator.
          <TextInput
            {...field}
            label={t('create.password')}
            description={t('create.passwordHint')}
            required
            withAsterisk={false}
            autoComplete="off"
            spellCheck={false}
            error={errorText(fieldState.error?.message)}
            errorProps={{ role: 'alert' }}
            maw="32rem"
          />
        )}
      />
      <Group>
        <Button
          variant="default"
          onClick={() => setValue('password', generatePassword(), { shouldValidate: formState.isSubmitted })}
        >
          {t('create.generate')}
        </Button>
      </Group>
    </FormFrame>
  );
}
