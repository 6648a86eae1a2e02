import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { Check } from '../components/check.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { CopyField } from '../components/copy-field.js';
import { Field } from '../components/field.js';
import { Panel } from '../components/panel.js';
import { RolePicker } from '../components/role-picker.js';
import { SessionsTable, type SessionRow } from '../components/sessions-table.js';
import { isRpcError } from '../error-text.js';
import { formatTime, plural } from '../format.js';
import { placeIssues } from '../param-issues.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useDraft } from '../use-draft.js';

/** The editable part of an operator. */
interface Draft {
  displayName: string;
  roleIds: number[];
  disabled: boolean;
}

const draftOf = (o: Operator): Draft => ({
  displayName: o.displayName,
  roleIds: o.roles.map((r) => r.id),
  disabled: o.disabled,
});

const sameIds = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((id) => b.includes(id));

/**
 * One operator, for an administrator: edit (with the version read, so a concurrent change is refused
 * rather than overwritten), reset the password, unlock, see and end sessions, delete.
 */
export function OperatorPanel({
  operator,
  roles,
  session,
  can,
  failure,
  reload,
  onDeleted,
  onClose,
}: SectionProps & {
  operator: Operator;
  roles: readonly Role[];
  /** Reads the list again; resolves to the fresh list (undefined when that failed). */
  reload: () => Promise<Operator[] | undefined>;
  onDeleted: (operator: Operator) => void;
  onClose: () => void;
}) {
  const [base, setBase] = useState(operator);
  const [draft, setDraft, set] = useDraft<Draft>(() => draftOf(operator));
  const [errors, setErrors] = useState<{ displayName?: string; roleIds?: string }>({});
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [temporary, setTemporary] = useState<string>();
  const [sessions, setSessions] = useState<SessionRow[]>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();
  const self = operator.id === session.operator.id;
  const local = operator.source === 'local';

  const baseDraft = draftOf(base);
  const dirty =
    draft.displayName !== baseDraft.displayName ||
    draft.disabled !== baseDraft.disabled ||
    !sameIds(draft.roleIds, baseDraft.roleIds);
  // A newer reading from the list (after unlock, reset, someone else's edit) replaces an untouched form;
  // an edited one keeps its base so that saving it is refused with CONFLICT instead of silently winning.
  if (operator.version > base.version && !dirty && !busy) {
    setBase(operator);
    setDraft(draftOf(operator));
  }

  const loadSessions = useCallback(
    () =>
      call('operators.sessions', { id: operator.id }).then(
        (list) => setSessions(list),
        (err: unknown) => setError(failure(err)),
      ),
    [operator.id, failure],
  );
  useEffect(() => {
    void loadSessions();
  }, [loadSessions]);

  /** Runs one action with the panel busy and its messages cleared; false when it failed. */
  async function act(action: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(failure(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    if (!dirty) {
      setNotice('Nothing to save: the form shows what is stored.');
      return;
    }
    if (draft.roleIds.length === 0) {
      setErrors({ roleIds: 'Choose at least one role.' });
      return;
    }
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const saved = await call('operators.update', {
        id: base.id,
        version: base.version,
        ...(draft.displayName !== baseDraft.displayName ? { displayName: draft.displayName } : {}),
        ...(!sameIds(draft.roleIds, baseDraft.roleIds) ? { roleIds: draft.roleIds } : {}),
        ...(draft.disabled !== baseDraft.disabled ? { disabled: draft.disabled } : {}),
      });
      setBase(saved);
      setDraft(draftOf(saved));
      setNotice(
        draft.disabled !== baseDraft.disabled || !sameIds(draft.roleIds, baseDraft.roleIds)
          ? 'Saved. Their sessions have ended, so the change applies from their next login.'
          : 'Saved.',
      );
      await reload();
      void loadSessions();
    } catch (err) {
      if (isRpcError(err, 'CONFLICT') && typeof err.data.currentVersion === 'number') {
        const fresh = (await reload())?.find((o) => o.id === base.id);
        if (fresh) {
          setBase(fresh);
          setDraft(draftOf(fresh));
        }
        setError(
          'Someone else changed this operator while you were editing. The form now shows their version: ' +
            'make your change again and save.',
        );
      } else {
        const placed = placeIssues(err, ['displayName', 'roleIds'] as const);
        if (placed) {
          setErrors(placed.fields);
          setError(placed.rest);
        } else {
          setError(failure(err));
        }
      }
    } finally {
      setBusy(false);
    }
  }

  async function resetPassword() {
    const yes = await confirm({
      title: `Reset the password of ${operator.username}?`,
      message: (
        <p>
          Lintel generates a temporary password and shows it once. Their sessions end now, and they must
          choose a new password when they next log in.
        </p>
      ),
      confirmLabel: 'Reset password',
      danger: true,
    });
    if (!yes) return;
    await act(async () => {
      const { temporaryPassword } = await call('operators.resetPassword', { id: operator.id });
      setTemporary(temporaryPassword);
      if (!temporaryPassword) setNotice('Password reset.');
      await reload();
      void loadSessions();
    });
  }

  async function unlock() {
    await act(async () => {
      await call('operators.unlock', { id: operator.id });
      setNotice(`${operator.username} can try to log in again.`);
      await reload();
    });
  }

  async function revoke(s: SessionRow | 'all') {
    if (s === 'all') {
      const yes = await confirm({
        title: `End every session of ${operator.username}?`,
        message: <p>They are logged out everywhere and must log in again.</p>,
        confirmLabel: 'End all sessions',
        danger: true,
      });
      if (!yes) return;
    }
    await act(async () => {
      const { revoked } = await call('operators.revokeSessions', {
        id: operator.id,
        ...(s === 'all' ? {} : { sessionId: s.id }),
      });
      setNotice(`${plural(revoked, 'session')} ended.`);
      await loadSessions();
    });
  }

  async function remove() {
    const yes = await confirm({
      title: `Delete ${operator.username}?`,
      message: (
        <p>
          {operator.displayName} can no longer log in and their sessions end. This cannot be undone; the audit
          log keeps their name on what they did.
        </p>
      ),
      confirmLabel: 'Delete operator',
      danger: true,
    });
    if (!yes) return;
    await act(async () => {
      await call('operators.delete', { id: operator.id, version: base.version });
      onDeleted(operator);
    });
  }

  return (
    <Panel title={`Operator ${operator.username}`} onClose={onClose}>
      {dialog}
      <p className="subtitle">
        {operator.source === 'ldap' ? 'Directory account' : 'Local account'} · created{' '}
        {formatTime(operator.createdAt)} · password changed {formatTime(operator.passwordChangedAt)}
      </p>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {notice ? <Notice>{notice}</Notice> : null}
      {temporary ? (
        <CopyField
          label={`Temporary password for ${operator.username}`}
          value={temporary}
          hint="Shown only this once. Give it to them in person; they must change it when they log in."
        />
      ) : null}

      <form onSubmit={save} noValidate aria-busy={busy} aria-label={`Edit ${operator.username}`}>
        <Field
          label="Display name"
          value={draft.displayName}
          onChange={set('displayName')}
          autoComplete="off"
          error={errors.displayName}
          required
        />
        <RolePicker
          roles={roles}
          selected={draft.roleIds}
          onChange={set('roleIds')}
          can={can}
          error={errors.roleIds}
          hint={
            operator.source === 'ldap'
              ? 'Directory operators also get the roles their groups map to at each login.'
              : undefined
          }
        />
        <Check
          label="Disabled"
          checked={draft.disabled}
          onChange={set('disabled')}
          hint={self ? 'This is you: disabling yourself logs you out.' : 'A disabled operator cannot log in.'}
        />
        <button type="submit" disabled={busy}>
          Save changes
        </button>
      </form>

      <h3>Account</h3>
      <div className="buttons">
        {local ? (
          <button type="button" className="secondary" onClick={resetPassword} disabled={busy}>
            Reset password
          </button>
        ) : null}
        {operator.lockedForSeconds > 0 ? (
          <button type="button" className="secondary" onClick={unlock} disabled={busy}>
            Unlock
          </button>
        ) : null}
        <button type="button" className="danger" onClick={remove} disabled={busy}>
          Delete operator
        </button>
      </div>

      <h3>Sessions</h3>
      {sessions ? (
        <>
          <SessionsTable
            caption={`Live sessions of ${operator.username}`}
            sessions={sessions}
            busy={busy}
            onRevoke={revoke}
          />
          {/* Ending all of one's own would end this session too: that is what Log out is for. */}
          {!self && sessions.length > 0 ? (
            <button type="button" className="secondary" onClick={() => revoke('all')} disabled={busy}>
              End all sessions
            </button>
          ) : null}
        </>
      ) : null}
    </Panel>
  );
}
