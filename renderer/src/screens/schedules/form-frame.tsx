import { Alert, Button, Group, Paper, Stack, TextInput, Title } from '@mantine/core';
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
import { isRpcError } from '../../error-text.js';
import { useT } from '../../i18n/i18n.js';
import { asSentence, heard, placeIssues, type ErrorParams } from './form-schemas.js';

/**
 * A schedules form in a panel above its list, for a new object or one being edited: its title names
 * the form for assistive tech and takes focus when it opens; Close gives the list back.
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
  /** "New time period", "Edit calendar Site calendar". */
  title: string;
  /** "Create time period", "Save calendar". */
  submitLabel: string;
  busy: boolean;
  /** What went wrong that no field claims. */
  error: string | undefined;
  onSubmit: FormEventHandler<HTMLFormElement>;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useT('schedules');
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={id}>
      <Group justify="space-between" wrap="nowrap" mb="sm">
        <Title order={2} size="h3" id={id} ref={heading} tabIndex={-1}>
          {title}
        </Title>
        <Button variant="default" size="compact-sm" onClick={onClose}>
          {t('close', { ns: 'common' })}
        </Button>
      </Group>
      <form onSubmit={onSubmit} noValidate aria-label={title} aria-busy={busy}>
        <Stack gap="md">
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
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
 * The words for a field's error: the form's own problems in the operator's language, the service's
 * as it sent them. Undefined when there is none.
 */
export function useErrorText(): (message: string | undefined) => string | undefined {
  const { t } = useT('schedules');
  return useCallback(
    (message) => {
      if (!message) return undefined;
      const own = heard(message);
      if (!own) return message;
      const [key, params] = own;
      const day =
        typeof params.day === 'string' ? t(`daysInText.${params.day}` as 'daysInText.mon') : undefined;
      // The slots come with the message, so they are not known here by type.
      const say = t as unknown as (key: string, slots: ErrorParams) => string;
      return say(`errors.${key}`, { ...params, ...(day ? { day } : {}) });
    },
    [t],
  );
}

/** The name field each schedules form starts with, as a Controller's render: `render={NameField}`. */
export function NameField<T extends FieldValues, N extends Path<T>>({
  field,
  fieldState,
}: {
  field: ControllerRenderProps<T, N>;
  fieldState: ControllerFieldState;
}) {
  const { t } = useT('schedules');
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

/** Which refusal of a save the form is explaining, in the words of the thing saved. */
type Noun = 'timePeriods' | 'calendars';

/**
 * What a schedules form does with a failed save: the service's per-field refusals beside their fields
 * (by their contract path), the rest above the form; a stale version
 * (CONFLICT with currentVersion) above the form, any other CONFLICT (a name taken) beside the name; and
 * anything else as the console words it (`failure`, which also leaves when the session has ended).
 */
export function useSaveFailure(
  /** Puts the service's words beside a field of the form (react-hook-form's setError). */
  setError: (field: string, message: string) => void,
  noun: Noun,
  /** The contract paths the form shows a field for, as it is now. */
  fields: () => string[],
  failure: (err: unknown) => string | undefined,
) {
  const { t } = useT('schedules');
  const [formError, setFormError] = useState<string>();
  const fail = useCallback(
    (err: unknown) => {
      const placed = placeIssues(err, fields());
      if (placed) {
        for (const [field, message] of placed.fields) setError(field, asSentence(message));
        setFormError(
          placed.rest.length
            ? t('form.checkThese', { list: placed.rest.map((i) => `${i.path}: ${i.message}`).join('; ') })
            : undefined,
        );
      } else if (isRpcError(err, 'CONFLICT')) {
        if (typeof err.data.currentVersion === 'number') setFormError(t(`${noun}.stale`));
        else {
          setFormError(undefined);
          setError('name', t('form.chooseAnotherName', { message: asSentence(err.message) }));
        }
      } else setFormError(failure(err));
    },
    [fields, failure, noun, setError, t],
  );
  return { formError, setFormError, fail };
}
