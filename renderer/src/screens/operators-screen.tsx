import { useCallback, useEffect, useState } from 'react';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { formatTime, formatWait } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useLatest } from '../use-latest.js';
import { OperatorCreateForm } from './operator-create-form.js';
import { OperatorPanel } from './operator-panel.js';

/** What opens beside the list: nothing, the create form, or one operator's details. */
type Open = { kind: 'none' } | { kind: 'create' } | { kind: 'manage'; id: number };

/** The states worth a glance, in words: disabled, locked, must change password. */
export function operatorState(o: Operator): string[] {
  const states: string[] = [];
  if (o.disabled) states.push('Disabled');
  if (o.lockedForSeconds > 0) states.push(`Locked for ${formatWait(o.lockedForSeconds)}`);
  if (o.mustChangePassword) states.push('Must change password');
  return states.length ? states : ['Active'];
}

/** Where an operator's identity comes from, in words. */
export function sourceLabel(source: Operator['source']): string {
  return source === 'ldap' ? 'Directory' : 'Local';
}

/** Operators: the list for anyone with operators:read; creating and managing with operators:admin. */
export function OperatorsScreen(props: SectionProps) {
  const { can, failure } = props;
  const admin = can('operators:admin');
  const [operators, setOperators] = useState<Operator[]>();
  const [roles, setRoles] = useState<Role[]>([]);
  const [open, setOpen] = useState<Open>({ kind: 'none' });
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const latest = useLatest();

  // A promise chain rather than async/await, so that no state is set before the first answer arrives.
  const load = useCallback((): Promise<Operator[] | undefined> => {
    const ticket = latest.take();
    return Promise.all([call('operators.list', {}), call('roles.list', {})]).then(
      ([ops, rs]) => {
        if (latest.is(ticket)) {
          setOperators(ops);
          setRoles(rs);
        }
        return ops;
      },
      (err: unknown) => {
        if (latest.is(ticket)) setError(failure(err));
        return undefined;
      },
    );
  }, [failure, latest]);

  useEffect(() => {
    void load();
  }, [load]);

  const refresh = () => {
    setError(undefined);
    setNotice(undefined);
    void load();
  };
  const managed = open.kind === 'manage' ? operators?.find((o) => o.id === open.id) : undefined;

  return (
    <>
      <div className="toolbar">
        {admin ? (
          <button type="button" onClick={() => setOpen({ kind: 'create' })}>
            New operator
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={refresh}>
          Refresh
        </button>
      </div>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {notice ? <Notice>{notice}</Notice> : null}

      {open.kind === 'create' ? (
        <OperatorCreateForm
          roles={roles}
          {...props}
          onCreated={(o) => {
            setOpen({ kind: 'none' });
            setNotice(
              `Operator “${o.username}” created. Give them the temporary password: they must change it when they first log in.`,
            );
            void load();
          }}
          onClose={() => setOpen({ kind: 'none' })}
        />
      ) : null}
      {managed ? (
        <OperatorPanel
          key={managed.id}
          operator={managed}
          roles={roles}
          {...props}
          reload={load}
          onDeleted={(o) => {
            setOpen({ kind: 'none' });
            setNotice(`Operator “${o.username}” deleted. The audit log keeps their name on what they did.`);
            void load();
          }}
          onClose={() => setOpen({ kind: 'none' })}
        />
      ) : null}

      {operators ? (
        <div className="table-wrap">
          <table>
            <caption>
              {operators.length} operator{operators.length === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Name</th>
                <th scope="col">Source</th>
                <th scope="col">Roles</th>
                <th scope="col">State</th>
                <th scope="col">Last login</th>
                {admin ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {operators.map((o) => (
                <tr key={o.id} aria-current={managed?.id === o.id ? 'true' : undefined}>
                  <th scope="row">{o.username}</th>
                  <td>{o.displayName}</td>
                  <td>{sourceLabel(o.source)}</td>
                  <td>{o.roles.map((r) => r.name).join(', ')}</td>
                  <td>
                    {operatorState(o).map((s) => (
                      <span key={s} className={s === 'Active' ? 'badge' : 'badge warn'}>
                        {s}
                      </span>
                    ))}
                  </td>
                  <td>{formatTime(o.lastLoginAt)}</td>
                  {admin ? (
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary small"
                        aria-label={`Manage ${o.username}`}
                        onClick={() => {
                          setNotice(undefined);
                          setOpen({ kind: 'manage', id: o.id });
                        }}
                      >
                        Manage
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
