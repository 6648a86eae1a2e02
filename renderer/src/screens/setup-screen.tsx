import { useState, type FormEvent } from 'react';
import type { ParamIssue } from '../../../app/contract/errors.js';
import { ErrorAlert } from '../components/alert.js';
import { Field } from '../components/field.js';
import { Screen } from '../components/screen.js';
import { errorText } from '../error-text.js';
import type { FieldErrors } from '../param-issues.js';
import { call } from '../rpc/client.js';
import { RpcCallError } from '../rpc/rpc-call-error.js';
import { useDraft } from '../use-draft.js';

type FieldName = 'token' | 'siteName' | 'username' | 'displayName' | 'password' | 'confirm';

const labels: Record<FieldName, string> = {
  token: 'Setup token',
  siteName: 'Site name',
  username: 'Administrator username',
  displayName: 'Display name',
  password: 'Password',
  confirm: 'Confirm password',
};

/** Puts a server error next to the field it is about; what belongs to no field goes above the form. */
function placeError(err: unknown): { fields: FieldErrors<FieldName>; form?: string } {
  if (!(err instanceof RpcCallError)) return { fields: {}, form: errorText(err) };
  switch (err.name) {
    case 'SETUP_TOKEN_INVALID':
      return { fields: { token: err.message } };
    case 'WEAK_PASSWORD':
      return { fields: { password: err.message } };
    case 'INVALID_PARAMS': {
      const fields: FieldErrors<FieldName> = {};
      const rest: string[] = [];
      for (const issue of (err.data.issues ?? []) as ParamIssue[]) {
        const name = issue.path.split('.')[0] as FieldName;
        if (name in labels && !fields[name]) fields[name] = `${labels[name]} ${issue.message}.`;
        else rest.push(`${issue.path || 'params'}: ${issue.message}`);
      }
      return rest.length ? { fields, form: rest.join('; ') } : { fields };
    }
    default:
      return { fields: {}, form: errorText(err) };
  }
}

/** First run: the setup token the service printed, and the site's first administrator. */
export function SetupScreen({
  siteName,
  onCreated,
  onAlreadyDone,
}: {
  siteName: string;
  onCreated: (username: string) => void;
  onAlreadyDone: () => void;
}) {
  const [values, , set] = useDraft<Record<FieldName, string>>({
    token: '',
    siteName,
    username: '',
    displayName: '',
    password: '',
    confirm: '',
  });
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<FieldName>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    if (values.password !== values.confirm) {
      setFieldErrors({ confirm: 'The two passwords differ. Type the same password twice.' });
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      await call('setup.createAdmin', {
        token: values.token.trim(),
        username: values.username,
        password: values.password,
        ...(values.displayName.trim() ? { displayName: values.displayName } : {}),
        // Sent whenever edited, even emptied, so the service says what is wrong with it.
        ...(values.siteName !== siteName ? { siteName: values.siteName } : {}),
      });
      onCreated(values.username.trim());
    } catch (err) {
      if (err instanceof RpcCallError && err.name === 'SETUP_ALREADY_DONE') {
        onAlreadyDone();
        return;
      }
      const placed = placeError(err);
      setFieldErrors(placed.fields);
      setFormError(placed.form);
    } finally {
      setBusy(false);
    }
  }

  const field = (
    name: FieldName,
    extra: { type?: string; autoComplete?: string; required?: boolean; hint?: string },
  ) => (
    <Field
      name={name}
      label={labels[name]}
      value={values[name]}
      onChange={set(name)}
      error={fieldErrors[name]}
      required={extra.required ?? true}
      {...extra}
    />
  );

  return (
    <Screen title="Set up Lintel">
      <p>
        No administrator exists yet. Enter the setup token that <code>lintel serve</code> printed when it
        started, then create the first administrator of this site.
      </p>
      <form onSubmit={submit} noValidate aria-busy={busy}>
        {formError ? <ErrorAlert>{formError}</ErrorAlert> : null}
        {field('token', {
          autoComplete: 'one-time-code',
          hint: 'Looks like ABCD-EFGH-…; it is valid for 24 hours.',
        })}
        {field('siteName', { autoComplete: 'organization' })}
        {field('username', { autoComplete: 'username' })}
        {field('displayName', { autoComplete: 'name', required: false, hint: 'Shown in the audit trail.' })}
        {field('password', { type: 'password', autoComplete: 'new-password' })}
        {field('confirm', { type: 'password', autoComplete: 'new-password' })}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating administrator…' : 'Create administrator'}
        </button>
      </form>
    </Screen>
  );
}
