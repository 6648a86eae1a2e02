import { useState } from 'react';
import { placeIssues, type FieldErrors } from './param-issues.js';

/** Where `send` puts what went wrong, besides above the form. */
export interface SendOptions<K extends string> {
  /** The contract paths of the form's fields: the issues of an INVALID_PARAMS answer go beside them. */
  fields?: readonly K[];
  /** Words an error the form knows (a name taken, a weak password); true when it did. */
  explain?: (err: unknown) => boolean | Promise<boolean>;
}

/**
 * A form's errors, beside its fields and above it, and whether it is busy; `send` runs its request
 * busy and puts a failure where it belongs, above the form when nothing claims it.
 */
export function useFormSend<K extends string>(failure: (err: unknown) => string | undefined) {
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function send(request: () => Promise<void>, { fields, explain }: SendOptions<K> = {}) {
    setBusy(true);
    try {
      await request();
    } catch (err) {
      const placed = fields && placeIssues(err, fields);
      if (placed) {
        setErrors(placed.fields);
        setFormError(placed.rest);
      } else if (!(await explain?.(err))) {
        setFormError(failure(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return { errors, setErrors, formError, setFormError, busy, send };
}
