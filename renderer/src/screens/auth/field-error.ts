import { useCallback } from 'react';
import type { FieldError } from 'react-hook-form';
import { useT } from '../../i18n/i18n.js';
import { asSentence, issueList, placeIssues } from '../../forms/form-words.js';

/** The errors the auth forms name by a key of the `auth` strings' `errors` rather than in words. */
const KEYED = ['mismatch', 'newMismatch', 'sameAsCurrent', 'wrongCurrent'] as const;
type Keyed = (typeof KEYED)[number];
const isKeyed = (message: string | undefined): message is Keyed =>
  (KEYED as readonly (string | undefined)[]).includes(message);

/**
 * A required field: the browser and assistive tech are told, but the label shows no asterisk. The
 * console marks the optional fields instead ("(optional)"), and a label stays exactly its words.
 */
export const required = { required: true, withAsterisk: false } as const;

/** Announces a field's error as soon as it appears. */
const errorProps = { role: 'alert' } as const;

/**
 * What a Mantine input needs to show its error beside it: the words, announced as they appear, and
 * aria-invalid (which PasswordInput leaves out). The words are in the console's language. The contract's own checks speak English
 * and are recognised by their zod code (the auth forms' fields have no other checks of those kinds);
 * checks the console adds name a key; what the service said (`type: 'server'`) shows as it is.
 */
export function useFieldError() {
  const { t } = useT('auth');
  const words = useCallback(
    (error: FieldError | undefined, max?: number): string | undefined => {
      if (!error) return undefined;
      if (isKeyed(error.message)) return t(`errors.${error.message}`);
      switch (error.type) {
        case 'too_small':
          return t('errors.required');
        case 'too_big':
          return max ? t('errors.tooLong', { max }) : error.message;
        case 'invalid_format':
          return t('errors.usernameChars');
        case 'custom':
          return t('errors.controlChars');
        default:
          return error.message;
      }
    },
    [t],
  );
  return useCallback(
    (error: FieldError | undefined, max?: number) => {
      const text = words(error, max);
      return { error: text, errorProps, 'aria-invalid': text ? true : undefined };
    },
    [words],
  );
}

/**
 * Puts the issues of an INVALID_PARAMS answer beside the form's fields (through `setError`); returns
 * what concerns none of them, in the operator's language, or undefined when the answer was some other
 * error.
 */
export function usePlaceServerIssues() {
  const { t } = useT();
  return useCallback(
    <K extends string>(
      err: unknown,
      fields: readonly K[],
      setError: (name: K, error: { type: string; message: string }) => void,
    ): { rest: string | undefined } | undefined => {
      const placed = placeIssues(err, fields);
      if (!placed) return undefined;
      for (const [name, message] of placed.fields)
        setError(name as K, { type: 'server', message: asSentence(message) });
      return {
        rest: placed.rest.length ? t('form.checkThese', { list: issueList(placed.rest) }) : undefined,
      };
    },
    [t],
  );
}
