import { useCallback, useEffect, useState } from 'react';
import type { Operator, Role } from '../../../app/contract/methods/operators.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { DataTable, RowButton } from '../components/data-table.js';
import { formatTime, formatWait, plural } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useLatest } from '../use-latest.js';
import { useListPanel } from '../use-list-panel.js';
import { OperatorCreateForm } from './operator-create-form.js';
import { OperatorPanel } from './operator-panel.js';

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
  const [error, setError] = useState<string>();

  const latest = useLatest();

  const load = useCallback(
    (): Promise<Operator[] | undefined> =>
      latest
        .read(
          () => Promise.all([call('operators.list', {}), call('roles.list', {})]),
          ([ops, rs]) => {
            setOperators(ops);
            setRoles(rs);
          },
          (err) => setError(failure(err)),
        )
        .then((answer) => answer?.[0]),
    [failure, latest],
  );

  const panel = useListPanel(load);

  useEffect(() => {
    void load();
  }, [load]);

  const refresh = () => {
    setError(undefined);
    panel.setNotice(undefined);
    void load();
  };
  const managed = operators?.find((o) => o.id === panel.openId);

  return (
    <>
      <div className="toolbar">
        {admin ? (
          <button type="button" onClick={panel.create}>
            New operator
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={refresh}>
          Refresh
        </button>
      </div>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {panel.notice ? <Notice>{panel.notice}</Notice> : null}

      {panel.creating ? (
        <OperatorCreateForm
          roles={roles}
          {...props}
          onCreated={(o) =>
            panel.done(
              `Operator “${o.username}” created. Give them the temporary password: they must change it when they first log in.`,
            )
          }
          onClose={panel.close}
        />
      ) : null}
      {managed ? (
        <OperatorPanel
          key={managed.id}
          operator={managed}
          roles={roles}
          {...props}
          reload={load}
          onDeleted={(o) =>
            panel.done(`Operator “${o.username}” deleted. The audit log keeps their name on what they did.`)
          }
          onClose={panel.close}
        />
      ) : null}

      {operators ? (
        <DataTable
          caption={plural(operators.length, 'operator')}
          columns={['Username', 'Name', 'Source', 'Roles', 'State', 'Last login']}
          actions={admin}
        >
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
                  <RowButton of={o.username} onClick={() => panel.open(o.id)}>
                    Manage
                  </RowButton>
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      ) : null}
    </>
  );
}
