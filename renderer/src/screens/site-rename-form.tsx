import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, Stack, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useId, useLayoutEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { ResultOf } from '../../../app/contract/index.js';
import { isRpcError } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
import { call } from '../rpc/client.js';
import { required, useFieldError, usePlaceServerIssues } from './auth/field-error.js';
import { limits, siteRenameForm } from './auth/schemas.js';
import './auth/auth.css';

/** The site as the console shows it. */
export type Site = ResultOf<'site.get'>;

/** What the form last said: nothing, a notice, or an error. */
type Outcome = { kind: 'notice' | 'error'; text: string } | undefined;

/**
 * Renames the site. The form remembers the version it was filled from: a live update replaces an
 * untouched form, but an edited one keeps its base so that saving over someone else's change fails
 * with CONFLICT instead of silently winning.
 */
export function SiteRenameForm({
  site,
  onSaved,
  failure,
}: {
  site: Site;
  onSaved: (site: Site) => void;
  /** Words for a failed call (see SectionProps). */
  failure: (err: unknown) => string | undefined;
}) {
  const { t } = useT('auth');
  const fieldError = useFieldError();
  const placeServerIssues = usePlaceServerIssues();
  const headingId = useId();
  const [base, setBase] = useState(site);
  const [outcome, setOutcome] = useState<Outcome>();
  const {
    register,
    handleSubmit,
    reset,
    setError,
    formState: { errors, isDirty },
  } = useForm({ resolver: zodResolver(siteRenameForm), defaultValues: { name: site.name } });

  const save = useMutation({
    mutationFn: (name: string) => call('site.update', { version: base.version, name }),
    onSuccess: (saved) => {
      setBase(saved);
      reset({ name: saved.name });
      onSaved(saved);
      setOutcome({ kind: 'notice', text: t('site.renamed', { name: saved.name }) });
    },
    onError: async (err) => {
      if (!isRpcError(err, 'CONFLICT')) {
        const placed = placeServerIssues(err, ['name'] as const, setError);
        const text = placed ? placed.rest : failure(err);
        return setOutcome(text ? { kind: 'error', text } : undefined);
      }
      // Show what the name is now, and take its version: saving again then replaces it on purpose.
      try {
        const fresh = await call('site.get', {});
        setBase(fresh);
        onSaved(fresh);
        setOutcome({ kind: 'error', text: t('site.conflict', { name: fresh.name }) });
      } catch (reloadErr) {
        const text = failure(reloadErr);
        setOutcome(text ? { kind: 'error', text } : undefined);
      }
    },
  });
  const busy = save.isPending;

  // Follow live updates while the person has not started typing (React's "adjust state on prop change").
  if (site.version > base.version && !isDirty && !busy) setBase(site);
  // The field is the browser's: put the base's name in it before the browser paints. A name the
  // person typed stays (after a CONFLICT, the base moves on under it).
  useLayoutEffect(() => {
    reset({ name: base.name }, { keepDirtyValues: true });
  }, [base, reset]);

  const submit = handleSubmit(({ name }) => {
    setOutcome(undefined);
    if (name === base.name) setOutcome({ kind: 'notice', text: t('site.unchanged') });
    else save.mutate(name);
  });

  return (
    <form
      className="auth-rename auth-scope"
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      aria-labelledby={headingId}
    >
      <Stack gap="sm">
        <Title order={2} size="h3" id={headingId}>
          {t('site.heading')}
        </Title>
        {outcome?.kind === 'error' ? <Alert color="red">{outcome.text}</Alert> : null}
        {outcome?.kind === 'notice' ? (
          <Alert role="status" color="green">
            {outcome.text}
          </Alert>
        ) : null}
        <TextInput
          {...register('name')}
          label={t('site.name')}
          autoComplete="off"
          {...required}
          {...fieldError(errors.name, limits.displayName)}
        />
        <Button type="submit" loading={busy} className="auth-submit">
          {busy ? t('site.submitting') : t('site.submit')}
        </Button>
      </Stack>
    </form>
  );
}
