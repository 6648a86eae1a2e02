import { useState, type FormEvent } from 'react';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { ErrorAlert } from '../components/alert.js';
import { Field } from '../components/field.js';
import { Panel } from '../components/panel.js';
import { RolePicker } from '../components/role-picker.js';
import { isRpcError } from '../error-text.js';
import { sentence } from '../format.js';
import type { FieldErrors } from '../param-issues.js';
import { generatePassword } from '../password-generator.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useFormSend } from '../use-form-send.js';

/** The form's fields by their contract paths, so that the service's complaints land beside them. */
const fieldNames = ['username', 'displayName', 'roleIds', 'password'] as const;
type FieldName = (typeof fieldNames)[number];

/** Creates a local operator with a temporary password they must change at first login. */
export function OperatorCreateForm({
  roles,
  can,
  failure,
  onCreated,
  onClose,
}: Pick<SectionProps, 'can' | 'failure'> & {
  roles: readonly Role[];
  onCreated: (operator: Operator) => void;
  onClose: () => void;
}) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roleIds, setRoleIds] = useState<number[]>([]);
  const [password, setPassword] = useState('');
  const { errors, setErrors, formError, setFormError, busy, send } = useFormSend<FieldName>(failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const missing: FieldErrors<FieldName> = {};
    if (!username.trim()) missing.username = 'Type a username.';
    if (roleIds.length === 0) missing.roleIds = 'Choose at least one role.';
    if (!password) missing.password = 'Type a temporary password, or generate one.';
    setErrors(missing);
    if (Object.keys(missing).length) return;
    await send(
      async () => {
        const created = await call('operators.create', {
          username,
          ...(displayName.trim() ? { displayName } : {}),
          roleIds,
          password,
        });
        onCreated(created);
      },
      {
        fields: fieldNames,
        explain: (err) => {
          if (isRpcError(err, 'WEAK_PASSWORD')) {
            setErrors({ password: `${sentence(err.message)} Choose a longer one, or generate one.` });
            return true;
          }
          if (isRpcError(err, 'CONFLICT')) {
            // The only rule creating can break is a username already taken.
            setErrors({ username: `${sentence(err.message)} Choose another username.` });
            return true;
          }
          return false;
        },
      },
    );
  }

  return (
    <Panel title="New operator" onClose={onClose}>
      <form onSubmit={submit} noValidate aria-busy={busy} aria-label="New operator">
        {formError ? <ErrorAlert>{formError}</ErrorAlert> : null}
        <Field
          label="Username"
          value={username}
          onChange={setUsername}
          autoComplete="off"
          hint="Letters, digits and . _ @ -; used to log in."
          error={errors.username}
          required
        />
        <Field
          label="Display name"
          value={displayName}
          onChange={setDisplayName}
          autoComplete="off"
          hint="Shown in the console and the audit log; the username if left empty."
          error={errors.displayName}
        />
        <RolePicker roles={roles} selected={roleIds} onChange={setRoleIds} can={can} error={errors.roleIds} />
        <Field
          label="Temporary password"
          value={password}
          onChange={setPassword}
          autoComplete="off"
          hint="Give it to the operator in person; they must replace it when they first log in."
          error={errors.password}
          required
        />
        <div className="buttons">
          <button type="button" className="secondary" onClick={() => setPassword(generatePassword())}>
            Generate a password
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating operator…' : 'Create operator'}
          </button>
        </div>
      </form>
    </Panel>
  );
}
