import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import type { ParamsOf, ResultOf } from '../../../app/contract/index.js';
import { Screen } from '../components/screen.js';
import { errorText } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { required, useFieldError } from './auth/field-error.js';
import { limits, loginForm, type LoginFormValues } from './auth/schemas.js';
import './auth/auth.css';

/** The session the console keeps in memory (never a token: that stays in the cookie or main process). */
export type Session = ResultOf<'session.current'>;

/** Operator login. A refusal shows above the form and empties the password. */
export function LoginScreen({
  siteName,
  notice,
  username = '',
  onLoggedIn,
}: {
  siteName: string;
  /** What brought the operator here (logged out, session ended, administrator created). */
  notice?: string | undefined;
  /** Filled in for them (the administrator just created). */
  username?: string | undefined;
  onLoggedIn: (session: Session) => void;
}) {
  const { t } = useT('auth');
  const fieldError = useFieldError();
  const {
    register,
    handleSubmit,
    resetField,
    setFocus,
    formState: { errors },
  } = useForm<LoginFormValues, unknown, ParamsOf<'session.login'>>({
    resolver: zodResolver(loginForm),
    defaultValues: { username, password: '' },
  });
  const login = useMutation({
    mutationFn: (params: ParamsOf<'session.login'>) => call('session.login', params),
    onSuccess: ({ operator, expiresAt }) => onLoggedIn({ operator, expiresAt }),
    onError: () => {
      resetField('password');
      setFocus('password');
    },
  });
  const busy = login.isPending || login.isSuccess;

  return (
    <Screen title={t('login.title')}>
      {siteName ? <Text c="dimmed">{siteName}</Text> : null}
      {notice ? (
        <Alert role="status" color="green">
          {notice}
        </Alert>
      ) : null}
      <form
        className="auth-form"
        onSubmit={handleSubmit((params) => login.mutate(params))}
        noValidate
        aria-busy={busy}
        aria-label={t('login.form')}
      >
        <Stack gap="md">
          {login.error ? <Alert color="red">{errorText(login.error)}</Alert> : null}
          <TextInput
            {...register('username')}
            label={t('login.username')}
            autoComplete="username"
            spellCheck={false}
            {...required}
            {...fieldError(errors.username, limits.username)}
          />
          <PasswordInput
            {...register('password')}
            label={t('login.password')}
            autoComplete="current-password"
            {...required}
            {...fieldError(errors.password, limits.password)}
            visibilityToggleButtonProps={{ 'aria-label': t('showPassword') }}
          />
          <Button type="submit" loading={busy} className="auth-submit">
            {busy ? t('login.submitting') : t('login.submit')}
          </Button>
        </Stack>
      </form>
    </Screen>
  );
}
