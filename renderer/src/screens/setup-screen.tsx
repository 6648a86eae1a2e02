import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Trans } from 'react-i18next';
import type { ParamsOf } from '../../../app/contract/index.js';
import { CopyField } from '../components/copy-field.js';
import { Screen } from '../components/screen.js';
import { errorText, isRpcError } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { required, useFieldError, usePlaceServerIssues } from './auth/field-error.js';
import { limits, setupForm, type SetupFormValues } from './auth/schemas.js';
import './auth/auth.css';

/** The fields whose contract path matches the form's, for the issues of an INVALID_PARAMS answer. */
const PARAM_FIELDS = ['token', 'siteName', 'username', 'displayName', 'password'] as const;

/** The command that starts the demo site from a checkout, as `npm start` takes it (README.md). */
const DEMO_COMMAND = 'npm start -- --demo';

/**
 * For someone who only wants to look around: the demo site (`lintel demo`) runs beside this one in its
 * own folder, so trying it costs this site nothing. Quiet, after the form, and only a command to copy:
 * the demo's simulated devices are processes that neither this page nor the desktop window can start.
 */
function JustLooking() {
  const { t } = useT('auth');
  const heading = useId();
  return (
    <section aria-labelledby={heading} className="auth-section auth-scope">
      <Stack gap="xs">
        <Title order={2} size="h5" id={heading}>
          {t('setup.demo.heading')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('setup.demo.intro')}
        </Text>
        <CopyField label={t('setup.demo.command')} value={DEMO_COMMAND} />
        <Text size="sm" c="dimmed">
          <Trans t={t} i18nKey="setup.demo.other" components={{ code: <code /> }} />
        </Text>
      </Stack>
    </section>
  );
}

/** First run: the setup token the service printed, and the site's first administrator. */
export function SetupScreen({
  siteName,
  tokenRequired = true,
  onCreated,
  onAlreadyDone,
}: {
  siteName: string;
  /** False in the desktop app's own window, where the person at the machine needs no token. */
  tokenRequired?: boolean;
  onCreated: (username: string) => void;
  onAlreadyDone: () => void;
}) {
  const { t } = useT('auth');
  const fieldError = useFieldError();
  const placeServerIssues = usePlaceServerIssues();
  const [formError, setFormError] = useState<string>();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm({
    resolver: zodResolver(setupForm(tokenRequired)),
    defaultValues: {
      token: '',
      siteName,
      username: '',
      displayName: '',
      password: '',
      confirm: '',
    } satisfies SetupFormValues,
  });

  const create = useMutation({
    mutationFn: (params: ParamsOf<'setup.createAdmin'>) => call('setup.createAdmin', params),
    onSuccess: (_result, params) => onCreated(params.username),
    onError: (err) => {
      if (isRpcError(err, 'SETUP_ALREADY_DONE')) return onAlreadyDone();
      if (isRpcError(err, 'SETUP_TOKEN_INVALID'))
        return setError('token', { type: 'server', message: err.message }, { shouldFocus: true });
      if (isRpcError(err, 'WEAK_PASSWORD'))
        return setError('password', { type: 'server', message: err.message }, { shouldFocus: true });
      const placed = placeServerIssues(err, PARAM_FIELDS, setError);
      setFormError(placed ? placed.rest : errorText(err));
    },
  });
  const busy = create.isPending || create.isSuccess;

  const submit = handleSubmit(({ token, username, password, displayName, siteName: name }) => {
    setFormError(undefined);
    create.mutate({
      ...(token ? { token } : {}),
      username,
      password,
      ...(displayName ? { displayName } : {}),
      // Sent only when edited: the service keeps the name it has otherwise.
      ...(name !== siteName.trim() ? { siteName: name } : {}),
    });
  });

  /** What every field of the form shares: its value, and its error beside it. */
  const field = (name: keyof SetupFormValues, max?: number) => ({
    ...register(name),
    ...fieldError(errors[name], max),
  });

  return (
    <Screen title={t('setup.title')}>
      <Text>
        <Trans
          t={t}
          i18nKey={tokenRequired ? 'setup.intro' : 'setup.introLocal'}
          components={{ code: <code /> }}
        />
      </Text>
      <form className="auth-form" onSubmit={submit} noValidate aria-busy={busy} aria-label={t('setup.form')}>
        <Stack gap="md">
          {formError ? <Alert color="red">{formError}</Alert> : null}
          {tokenRequired ? (
            <TextInput
              {...field('token')}
              label={t('setup.token')}
              description={t('setup.tokenHint')}
              autoComplete="one-time-code"
              spellCheck={false}
              {...required}
            />
          ) : null}
          <TextInput
            {...field('siteName', limits.displayName)}
            label={t('setup.siteName')}
            autoComplete="organization"
            {...required}
          />
          <TextInput
            {...field('username', limits.username)}
            label={t('setup.username')}
            autoComplete="username"
            spellCheck={false}
            {...required}
          />
          <TextInput
            {...field('displayName', limits.displayName)}
            label={t('setup.displayName')}
            description={t('setup.displayNameHint')}
            autoComplete="name"
          />
          <PasswordInput
            {...field('password', limits.password)}
            label={t('setup.password')}
            description={t('setup.passwordHint')}
            autoComplete="new-password"
            {...required}
            visibilityToggleButtonProps={{ 'aria-label': t('showPassword') }}
          />
          <PasswordInput
            {...field('confirm')}
            label={t('setup.confirm')}
            autoComplete="new-password"
            {...required}
            visibilityToggleButtonProps={{ 'aria-label': t('showPassword') }}
          />
          <Button type="submit" loading={busy} className="auth-submit">
            {busy ? t('setup.submitting') : t('setup.submit')}
          </Button>
        </Stack>
      </form>
      <JustLooking />
    </Screen>
  );
}
