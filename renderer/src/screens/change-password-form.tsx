import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import type { ParamsOf } from '../../../app/contract/index.js';
import { isRpcError } from '../error-text.js';
import { sentence } from '../format.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { required, useFieldError, usePlaceServerIssues } from './auth/field-error.js';
import { changePasswordForm, limits, type ChangePasswordFormValues } from './auth/schemas.js';
import type { Session } from './login-screen.js';
import './auth/auth.css';

const empty: ChangePasswordFormValues = { currentPassword: '', newPassword: '', confirm: '' };

/**
 * Changes the operator's own password. The service ends every session of theirs and starts a fresh one
 * for this console, which is handed back so the console carries on without a new login.
 */
export function ChangePasswordForm({
  username,
  submitLabel,
  onChanged,
  failure,
}: {
  /** Given to password managers (in a hidden field) so they update the right entry. */
  username: string | undefined;
  /** The button's words, when more than "Change password". */
  submitLabel?: string;
  onChanged: (session: Session) => void;
  /** Words for a failed call (see SectionProps). */
  failure: (err: unknown) => string | undefined;
}) {
  const { t } = useT('auth');
  const fieldError = useFieldError();
  const placeServerIssues = usePlaceServerIssues();
  const [formError, setFormError] = useState<string>();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    resetField,
    formState: { errors },
  } = useForm({ resolver: zodResolver(changePasswordForm), defaultValues: empty });

  const change = useMutation({
    mutationFn: (params: ParamsOf<'session.changePassword'>) => call('session.changePassword', params),
    onSuccess: ({ operator, expiresAt }) => {
      reset(empty);
      onChanged({ operator, expiresAt });
    },
    onError: (err) => {
      if (isRpcError(err, 'INVALID_CREDENTIALS')) {
        resetField('currentPassword');
        return setError(
          'currentPassword',
          { type: 'server', message: 'wrongCurrent' },
          { shouldFocus: true },
        );
      }
      if (isRpcError(err, 'WEAK_PASSWORD'))
        return setError(
          'newPassword',
          { type: 'server', message: t('password.weak', { reason: sentence(err.message) }) },
          { shouldFocus: true },
        );
      const placed = placeServerIssues(err, ['currentPassword', 'newPassword'] as const, setError);
      setFormError(placed ? placed.rest : failure(err));
    },
  });
  const busy = change.isPending;

  const submit = handleSubmit(({ currentPassword, newPassword }) => {
    setFormError(undefined);
    change.mutate({ currentPassword, newPassword });
  });

  const field = (name: keyof ChangePasswordFormValues) => ({
    ...register(name),
    ...fieldError(errors[name], limits.password),
    ...required,
    visibilityToggleButtonProps: { 'aria-label': t('showPassword') },
  });

  return (
    <form className="auth-form" onSubmit={submit} noValidate aria-busy={busy} aria-label={t('password.form')}>
      <Stack gap="md">
        {formError ? <Alert color="red">{formError}</Alert> : null}
        {username ? (
          <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        ) : null}
        <PasswordInput
          {...field('currentPassword')}
          label={t('password.current')}
          autoComplete="current-password"
        />
        <PasswordInput
          {...field('newPassword')}
          label={t('password.next')}
          description={t('password.nextHint')}
          autoComplete="new-password"
        />
        <PasswordInput {...field('confirm')} label={t('password.confirm')} autoComplete="new-password" />
        <Button type="submit" loading={busy} className="auth-submit">
          {busy ? t('password.submitting') : (submitLabel ?? t('password.submit'))}
        </Button>
      </Stack>
    </form>
  );
}
