import { useState, type FormEvent } from 'react';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { ErrorAlert } from '../components/alert.js';
import { Field } from '../components/field.js';
import { Panel } from '../components/panel.js';
import { RolePicker } from '../components/role-picker.js';
import { isRpcError } from '../error-text.js';
import { sentence } from '../format.js';
import { placeIssues } from '../param-issues.js';
import { generatePassword } from '../password-generator.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';

type FieldName = 'username' | 'displayName' | 'roleIds' | 'password';

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
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const missing: Partial<Record<FieldName, string>> = {};
    if (!username.trim()) missing.username = 'Type a username.';
    if (roleIds.length === 0) missing.roleIds = 'Choose at least one role.';
    if (!password) missing.password = 'Type a temporary password, or generate one.';
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const created = await call('operators.create', {
        username,
        ...(displayName.trim() ? { displayName } : {}),
        roleIds,
        password,
      });
      onCreated(created);
    } catch (err) {
      const placed = placeIssues(err, ['username', 'displayName', 'roleIds', 'password'] as const);
      if (placed) {
        setErrors(placed.fields);
        setFormError(placed.rest);
      } else if (isRpcError(err, 'WEAK_PASSWORD')) {
        setErrors({ password: `${sentence(err.message)} Choose a longer one, or generate one.` });
      } else if (isRpcError(err, 'CONFLICT')) {
        // The only rule creating can break is a username already taken.
        setErrors({ username: `${sentence(err.message)} Choose another username.` });
      } else {
        setFormError(failure(err));
      }
    } finally {
      setBusy(false);
    }
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
