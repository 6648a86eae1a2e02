import { Button, Group, Paper, Stack, TextInput, Textarea, Title } from '@mantine/core';
import type { ControllerFieldState, ControllerRenderProps, FieldValues, Path } from 'react-hook-form';
import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type FormEventHandler,
  type ReactNode,
} from 'react';
import { ErrorAlert } from '../components/alert.js';
import { isRpcError } from '../error-text.js';
import { useT, useWords, type Thing } from '../i18n/i18n.js';
import type { Namespace } from '../i18n/resources.js';
import { asSentence, heard, issueList, placeIssues } from './form-words.js';

/**
 * A form in a panel above its list, for a new object or one being edited: its title names the form
 * for assistive tech and takes focus when it opens; Close gives the list back.
 */
export function FormFrame({
  title,
  submitLabel,
  busy,
  error,
  onSubmit,
  onClose,
  children,
}: {
  /** "New time period", "Edit zone Lobby". */
  title: string;
  /** "Create time period", "Save zone". */
  submitLabel: string;
  busy: boolean;
  /** What went wrong that no field claims. */
  error: string | undefined;
  onSubmit: FormEventHandler<HTMLFormElement>;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useT();
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={id} className="form-frame">
      <Group justify="space-between" wrap="nowrap" mb="sm">
        <Title order={2} size="h3" id={id} ref={heading} tabIndex={-1}>
          {title}
        </Title>
        <Button variant="default" size="compact-sm" onClick={onClose}>
          {t('close')}
        </Button>
      </Group>
      <form onSubmit={onSubmit} noValidate aria-label={title} aria-busy={busy}>
        <Stack gap="md">
          <ErrorAlert>{error}</ErrorAlert>
          {children}
          <Group>
            <Button type="submit" disabled={busy}>
              {busy ? t('form.saving') : submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/**
 * The words for a field's error: the form's own problems ({@link said}) in the operator's language,
 * found under `errors` of the form's namespace or of `common`; the service's as it sent them.
 * Undefined when there is none.
 */
export function useErrorText(ns: Namespace = 'common'): (message: string | undefined) => string | undefined {
  const say = useWords(ns);
  return useCallback(
    (message) => {
      if (!message) return undefined;
      const own = heard(message);
      if (!own) return message;
      const [key, params] = own;
      // A day type in the slots is said in words (the schedules forms name days).
      const day = typeof params.day === 'string' ? say(`daysInText.${params.day}`) : undefined;
      return say(`errors.${key}`, { ...params, ...(day ? { day } : {}) });
    },
    [say],
  );
}

/** A Controller's render props, for the standard fields below: `render={NameField}`. */
interface FieldRender<T extends FieldValues, N extends Path<T>> {
  field: ControllerRenderProps<T, N>;
  fieldState: ControllerFieldState;
}

/** The name field most forms start with, as a Controller's render: `render={NameField}`. */
export function NameField<T extends FieldValues, N extends Path<T>>({
  field,
  fieldState,
}: FieldRender<T, N>) {
  const { t } = useT();
  const errorText = useErrorText();
  return (
    <TextInput
      {...field}
      label={t('form.name')}
      required
      withAsterisk={false}
      autoComplete="off"
      error={errorText(fieldState.error?.message)}
      errorProps={{ role: 'alert' }}
      maw="32rem"
    />
  );
}

/** The optional description field, as a Controller's render: `render={DescriptionField}`. */
export function DescriptionField<T extends FieldValues, N extends Path<T>>({
  field,
  fieldState,
}: FieldRender<T, N>) {
  const { t } = useT();
  const errorText = useErrorText();
  return (
    <Textarea
      {...field}
      label={t('form.description')}
      rows={2}
      error={errorText(fieldState.error?.message)}
      errorProps={{ role: 'alert' }}
      maw="32rem"
    />
  );
}

/**
 * What a form does with a failed save: the service's per-field refusals beside their fields (by their
 * contract path), the rest above the form; a stale version (CONFLICT with currentVersion) above the
 * form in the thing's words (`stale`), any other CONFLICT (a name taken) beside the name; and anything
 * else as the console words it (`failure`, which also leaves when the session has ended).
 */
export function useSaveFailure(
  /** Puts the service's words beside a field of the form (react-hook-form's setError). */
  setError: (field: string, message: string) => void,
  thing: Thing<'stale'>,
  /** The contract paths the form shows a field for, as it is now. */
  fields: () => string[],
  failure: (err: unknown) => string | undefined,
) {
  const say = useWords(thing.ns);
  const { noun } = thing;
  const [formError, setFormError] = useState<string>();
  const fail = useCallback(
    (err: unknown) => {
      const placed = placeIssues(err, fields());
      if (placed) {
        for (const [field, message] of placed.fields) setError(field, asSentence(message));
        setFormError(
          placed.rest.length ? say('form.checkThese', { list: issueList(placed.rest) }) : undefined,
        );
      } else if (isRpcError(err, 'CONFLICT')) {
        if (typeof err.data.currentVersion === 'number') setFormError(say(`${noun}.stale`));
        else {
          setFormError(undefined);
          setError('name', say('form.chooseAnotherName', { message: asSentence(err.message) }));
        }
      } else setFormError(failure(err));
    },
    [fields, failure, noun, say, setError],
  );
  return { formError, setFormError, fail };
}
