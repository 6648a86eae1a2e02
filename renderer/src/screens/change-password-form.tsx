import type { FormEvent } from 'react';
import { ErrorAlert } from '../components/alert.js';
import { Field } from '../components/field.js';
import { isRpcError } from '../error-text.js';
import { sentence } from '../format.js';
import { call } from '../rpc/client.js';
import { useDraft } from '../use-draft.js';
import { useFormSend } from '../use-form-send.js';
import type { Session } from './login-screen.js';

type FieldName = 'current' | 'next' | 'confirm';

const empty: Record<FieldName, string> = { current: '', next: '', confirm: '' };

/**
 * Changes the operator's own password. The service ends every session of theirs and starts a fresh one
 * for this console, which is handed back so the console carries on without a new login.
 */
export function ChangePasswordForm({
  username,
  submitLabel = 'Change password',
  onChanged,
  failure,
}: {
  /** Given to password managers (in a hidden field) so they update the right entry. */
  username: string | undefined;
  submitLabel?: string;
  onChanged: (session: Session) => void;
  /** Words for a failed call (see SectionProps). */
  failure: (err: unknown) => string | undefined;
}) {
  const [values, setValues, set] = useDraft(empty);
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<FieldName>(failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    if (!values.current) return setErrors({ current: 'Type your current password.' });
    if (values.next !== values.confirm)
      return setErrors({ confirm: 'The two new passwords differ. Type the same password twice.' });
    if (values.next === values.current)
      return setErrors({ next: 'The new password must differ from the current one.' });
    setErrors({});
    await send(
      async () => {
        const { operator, expiresAt } = await call('session.changePassword', {
          currentPassword: values.current,
          newPassword: values.next,
        });
        setValues(empty);
        onChanged({ operator, expiresAt });
      },
      {
        explain: (err) => {
          if (isRpcError(err, 'INVALID_CREDENTIALS')) {
            setErrors({ current: 'That is not your current password. Type it again.' });
            setValues((v) => ({ ...v, current: '' }));
            return true;
          }
          if (isRpcError(err, 'WEAK_PASSWORD')) {
            setErrors({ next: `${sentence(err.message)} Choose a longer or less common password.` });
            return true;
          }
          return false;
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-busy={busy} aria-label="Change password">
      {formError ? <ErrorAlert>{formError}</ErrorAlert> : null}
      {username ? (
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      ) : null}
      <Field
        label="Current password"
        type="password"
        value={values.current}
        onChange={set('current')}
        autoComplete="current-password"
        error={errors.current}
        required
      />
      <Field
        label="New password"
        type="password"
        value={values.next}
        onChange={set('next')}
        autoComplete="new-password"
        hint="At least 12 characters; a few unrelated words make a good one."
        error={errors.next}
        required
      />
      <Field
        label="Confirm new password"
        type="password"
        value={values.confirm}
        onChange={set('confirm')}
        autoComplete="new-password"
        error={errors.confirm}
        required
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Changing password…' : submitLabel}
      </button>
    </form>
  );
}
