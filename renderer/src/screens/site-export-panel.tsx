// First: no zod schema may be built before zod's code generation is off (the console's CSP).
import '../zod-config.js';
import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Code, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm, type FieldError } from 'react-hook-form';
import { z } from 'zod';
import type { ResultOf } from '../../../app/contract/index.js';
import { EXPORT_PASSPHRASE_MIN_LENGTH, siteMethods } from '../../../app/contract/methods/site.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { CopyField } from '../components/copy-field.js';
import { currentLanguage, useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { required, usePlaceServerIssues } from './auth/field-error.js';
import './auth/auth.css';
import './site-export-panel.css';

const MIN = EXPORT_PASSPHRASE_MIN_LENGTH;
const MAX = siteMethods['site.exportBundle'].params.shape.passphrase.maxLength ?? 1024;

/** The form's own refusals, named by a key of `move.errors`. */
type Problem = 'required' | 'tooShort' | 'tooLong' | 'mismatch';
const PROBLEMS: readonly string[] = ['required', 'tooShort', 'tooLong', 'mismatch'] satisfies Problem[];

/**
 * The export passphrase as the contract takes it (never trimmed), typed twice and held to the key
 * policy's minimum here, so that a typo or a short one is caught before the Service runs Argon2 and
 * copies the site, and before a file exists that nobody can open.
 */
const exportForm = z
  .object({
    passphrase: z.string().min(1, 'required').max(MAX, 'tooLong').min(MIN, 'tooShort'),
    confirm: z.string(),
  })
  .refine((v) => v.passphrase === v.confirm, {
    path: ['confirm'],
    message: 'mismatch',
    // Compared once both are typed, even while the passphrase itself still has a problem.
    when: ({ value }) => {
      const v = value as { passphrase?: unknown; confirm?: unknown } | undefined;
      return typeof v?.passphrase === 'string' && typeof v.confirm === 'string' && v.confirm !== '';
    },
  });

type ExportValues = z.input<typeof exportForm>;
type Exported = ResultOf<'site.exportBundle'>;

/** The last part of a path the host gave, whichever separator its system uses. */
const baseName = (file: string) => file.split(/[\\/]/).pop() ?? file;

/**
 * "Move this site": the whole site exported to one file under a passphrase, in the folder the host
 * keeps for exports, then where the file is and how to install it elsewhere. It is the way a desktop
 * site (whose key only the app reaches, in the OS keychain) moves to `lintel serve`.
 */
export function SiteExportPanel({ failure }: { failure: (err: unknown) => string | undefined }) {
  const { t } = useT('dashboard');
  const placeServerIssues = usePlaceServerIssues();
  const headingId = useId();
  const [formError, setFormError] = useState<string>();
  const [exported, setExported] = useState<Exported>();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<ExportValues>({
    resolver: zodResolver(exportForm),
    defaultValues: { passphrase: '', confirm: '' },
  });

  const run = useMutation({
    mutationFn: (passphrase: string) => call('site.exportBundle', { passphrase }),
    onSuccess: (r) => {
      // The passphrase is not kept a moment longer than the call needed it.
      reset();
      setExported(r);
    },
    onError: (err) => {
      const placed = placeServerIssues(err, ['passphrase'] as const, setError);
      setFormError(placed ? placed.rest : failure(err));
    },
  });
  const busy = run.isPending;

  /** A field's error in the operator's language; what the service said shows as it is. */
  const fieldError = (error: FieldError | undefined) => {
    const message = error?.message;
    const text =
      message && error.type !== 'server' && PROBLEMS.includes(message)
        ? t(`move.errors.${message as Problem}`, { min: MIN, max: MAX })
        : message;
    return { error: text, errorProps: { role: 'alert' }, 'aria-invalid': text ? true : undefined };
  };

  const size = (bytes: number) => {
    const number = new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: 1 });
    return bytes < 1024 * 1024
      ? t('move.kib', { n: number.format(Math.max(1, Math.ceil(bytes / 1024))) })
      : t('move.mib', { n: number.format(bytes / (1024 * 1024)) });
  };

  const submit = handleSubmit(({ passphrase }) => {
    setFormError(undefined);
    setExported(undefined);
    run.mutate(passphrase);
  });

  const eye = { 'aria-label': t('move.showPassphrase') };
  return (
    <form
      className="site-export auth-scope"
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      aria-labelledby={headingId}
    >
      <Stack gap="sm">
        <Title order={2} size="h3" id={headingId}>
          {t('move.heading')}
        </Title>
        <Text>{t('move.intro')}</Text>
        <Text size="sm" role="note">
          {t('move.holds')}
        </Text>
        <ErrorAlert>{formError}</ErrorAlert>
        <PasswordInput
          {...register('passphrase')}
          {...fieldError(errors.passphrase)}
          label={t('move.passphrase')}
          description={t('move.passphraseHint', { min: MIN })}
          autoComplete="new-password"
          spellCheck={false}
          {...required}
          visibilityToggleButtonProps={eye}
        />
        <PasswordInput
          {...register('confirm')}
          {...fieldError(errors.confirm)}
          label={t('move.confirm')}
          autoComplete="new-password"
          spellCheck={false}
          {...required}
          visibilityToggleButtonProps={eye}
        />
        {busy ? (
          <Text role="status" size="sm">
            {t('move.working')}
          </Text>
        ) : null}
        <Button type="submit" loading={busy} className="auth-submit">
          {t('move.submit')}
        </Button>
        {exported ? (
          <Stack gap="xs">
            <Notice>{t('move.done', { size: size(exported.bytes) })}</Notice>
            <CopyField label={t('move.file')} value={exported.file} hint={t('move.fileHint')} />
            <Text size="sm">{t('move.importHow')}</Text>
            <Code block className="site-export-command">
              lintel site import --in {baseName(exported.file)}
            </Code>
          </Stack>
        ) : null}
      </Stack>
    </form>
  );
}
