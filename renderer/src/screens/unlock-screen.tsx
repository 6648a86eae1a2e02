// First: no zod schema may be built before zod's code generation is off (the console's CSP).
import '../zod-config.js';
import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useForm, type FieldError } from 'react-hook-form';
import { z } from 'zod';
import { custodyMethods } from '../../../app/contract/methods/custody.js';
import { ErrorAlert } from '../components/alert.js';
import { Screen } from '../components/screen.js';
import { errorText, isRpcError } from '../error-text.js';
import { sentence } from '../format.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { required, usePlaceServerIssues } from './auth/field-error.js';
import './auth/auth.css';

/** What SITE_LOCKED told the console: a new site or an existing one, and why the keychain is not used. */
export interface Lock {
  creating: boolean;
  /** Key custody's words (English), shown as they are. */
  reason: string;
  /** The shortest passphrase the service accepts for a new site. */
  minLength: number;
}

const MAX = custodyMethods['custody.unlock'].params.shape.passphrase.maxLength ?? 1024;

/** The form's own refusals, named by a key of `unlock.errors`. */
type Problem = 'required' | 'tooShort' | 'tooLong' | 'mismatch';
const PROBLEMS: readonly string[] = ['required', 'tooShort', 'tooLong', 'mismatch'] satisfies Problem[];

/**
 * The passphrase as the contract takes it (never trimmed: blanks may be part of it). A new site's is
 * typed twice and held to the service's minimum, so the usual mistakes are caught before Argon2 runs.
 */
function unlockForm(lock: Lock) {
  const passphrase = z
    .string()
    .min(1, 'required')
    .max(MAX, 'tooLong')
    .min(lock.creating ? lock.minLength : 1, 'tooShort');
  return z
    .object({ passphrase, confirm: z.string() })
    .refine((v) => !lock.creating || v.passphrase === v.confirm, {
      path: ['confirm'],
      message: 'mismatch',
      // Compared once both are typed, even while the passphrase itself still has a problem.
      when: ({ value }) => {
        const v = value as { passphrase?: unknown; confirm?: unknown } | undefined;
        return typeof v?.passphrase === 'string' && typeof v.confirm === 'string' && v.confirm !== '';
      },
    });
}

type UnlockValues = z.input<ReturnType<typeof unlockForm>>;

/**
 * The desktop app's site before it opens, when the OS keychain cannot hold its key: a new site's
 * passphrase chosen (and confirmed), or an existing site's entered. Argon2 takes a moment, so the
 * screen says it is working; a refusal shows beside the field, which is emptied for another try.
 */
export function UnlockScreen({ lock, onUnlocked }: { lock: Lock; onUnlocked: () => void }) {
  const { t } = useT('auth');
  const placeServerIssues = usePlaceServerIssues();
  const [formError, setFormError] = useState<string>();
  const schema = useMemo(() => unlockForm(lock), [lock]);
  const {
    register,
    handleSubmit,
    setError,
    resetField,
    formState: { errors },
  } = useForm<UnlockValues>({
    resolver: zodResolver(schema),
    defaultValues: { passphrase: '', confirm: '' },
  });

  const refuse = (message: string) => {
    resetField('passphrase');
    resetField('confirm');
    setError('passphrase', { type: 'server', message }, { shouldFocus: true });
  };

  const unlock = useMutation({
    mutationFn: (passphrase: string) => call('custody.unlock', { passphrase }),
    onSuccess: () => onUnlocked(),
    onError: (err) => {
      // Already open (another unlock won, or the page was reloaded meanwhile): carry on.
      if (isRpcError(err, 'CONFLICT')) return onUnlocked();
      if (isRpcError(err, 'INVALID_CREDENTIALS')) return refuse(t('unlock.wrong'));
      if (isRpcError(err, 'RATE_LIMITED')) return refuse(errorText(err));
      const placed = placeServerIssues(err, ['passphrase'] as const, setError);
      setFormError(placed ? placed.rest : errorText(err));
    },
  });
  const busy = unlock.isPending || unlock.isSuccess;

  /** A field's error in the operator's language; what the service said shows as it is. */
  const fieldError = (error: FieldError | undefined) => {
    const message = error?.message;
    const text =
      message && error.type !== 'server' && PROBLEMS.includes(message)
        ? t(`unlock.errors.${message as Problem}`, { min: lock.minLength, max: MAX })
        : message;
    return { error: text, errorProps: { role: 'alert' }, 'aria-invalid': text ? true : undefined };
  };

  const submit = handleSubmit(({ passphrase }) => {
    setFormError(undefined);
    unlock.mutate(passphrase);
  });

  const eye = { 'aria-label': t('showPassword') };
  return (
    <Screen title={lock.creating ? t('unlock.titleNew') : t('unlock.title')}>
      <Text>{lock.creating ? t('unlock.introNew') : t('unlock.intro')}</Text>
      {lock.reason ? (
        <Alert color="yellow" role="note" title={t('unlock.why')}>
          {sentence(lock.reason.charAt(0).toUpperCase() + lock.reason.slice(1))}
        </Alert>
      ) : null}
      <form className="auth-form" onSubmit={submit} noValidate aria-busy={busy} aria-label={t('unlock.form')}>
        <Stack gap="md">
          <ErrorAlert>{formError}</ErrorAlert>
          <PasswordInput
            {...register('passphrase')}
            {...fieldError(errors.passphrase)}
            label={t('unlock.passphrase')}
            description={lock.creating ? t('unlock.passphraseHintNew', { min: lock.minLength }) : undefined}
            autoComplete={lock.creating ? 'new-password' : 'current-password'}
            spellCheck={false}
            {...required}
            visibilityToggleButtonProps={eye}
          />
          {lock.creating ? (
            <PasswordInput
              {...register('confirm')}
              {...fieldError(errors.confirm)}
              label={t('unlock.confirm')}
              autoComplete="new-password"
              spellCheck={false}
              {...required}
              visibilityToggleButtonProps={eye}
            />
          ) : null}
          {busy ? (
            <Text role="status" size="sm">
              {lock.creating ? t('unlock.workingNew') : t('unlock.working')}
            </Text>
          ) : null}
          <Button type="submit" loading={busy} className="auth-submit">
            {lock.creating ? t('unlock.submitNew') : t('unlock.submit')}
          </Button>
        </Stack>
      </form>
    </Screen>
  );
}
