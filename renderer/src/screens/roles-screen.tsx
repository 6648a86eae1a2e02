import { useCallback, useEffect, useState } from 'react';
import type { Role } from '../../../app/contract/methods/operators.js';
import type { Partition } from '../../../app/contract/permissions.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { DataTable, RowButton } from '../components/data-table.js';
import { plural } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useLatest } from '../use-latest.js';
import { useListPanel } from '../use-list-panel.js';
import { RoleForm } from './role-form.js';

/** Where a role applies, in words. */
export function partitionText(partition: Partition): string {
  if (!partition) return 'Whole site';
  const parts = [
    partition.zoneIds.length ? `zones ${partition.zoneIds.join(', ')}` : '',
    partition.doorIds.length ? `doors ${partition.doorIds.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? `Only ${parts.join('; ')}` : 'No zones or doors';
}

/** Roles: built-in ones read-only; custom ones created, edited and deleted with operators:admin. */
export function RolesScreen({ can, failure }: SectionProps) {
  const admin = can('operators:admin');
  const [roles, setRoles] = useState<Role[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();

  const latest = useLatest();

  const load = useCallback(
    () =>
      latest.read(
        () => call('roles.list', {}),
        setRoles,
        (err) => setError(failure(err)),
      ),
    [failure, latest],
  );

  const panel = useListPanel(load);

  useEffect(() => {
    void load();
  }, [load]);

  async function remove(role: Role) {
    const yes = await confirm({
      title: `Delete the role ${role.name}?`,
      message: (
        <p>
          This cannot be undone. A role that an operator holds or a directory group maps to cannot be deleted:
          take it away from them first.
        </p>
      ),
      confirmLabel: 'Delete role',
      danger: true,
    });
    if (!yes) return;
    setBusy(true);
    setError(undefined);
    panel.setNotice(undefined);
    try {
      await call('roles.delete', { id: role.id, version: role.version });
      if (panel.openId === role.id) panel.close();
      panel.setNotice(`Role “${role.name}” deleted.`);
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
      void load();
    }
  }

  const editing = roles?.find((r) => r.id === panel.openId);

  return (
    <>
      {dialog}
      <div className="toolbar">
        {admin ? (
          <button type="button" onClick={panel.create}>
            New role
          </button>
        ) : null}
      </div>
      <p className="hint">
        Built-in roles are fixed and gain new permission families with upgrades. An operator holding several
        roles gets all their permissions.
      </p>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {panel.notice ? <Notice>{panel.notice}</Notice> : null}

      {panel.creating || editing ? (
        <RoleForm
          key={editing?.id ?? 'new'}
          role={editing}
          can={can}
          failure={failure}
          reload={load}
          onSaved={(r, created) =>
            panel.done(created ? `Role “${r.name}” created.` : `Role “${r.name}” saved.`)
          }
          onClose={panel.close}
        />
      ) : null}

      {roles ? (
        <DataTable
          caption={plural(roles.length, 'role')}
          columns={['Name', 'Kind', 'Permissions', 'Applies to', 'Operators']}
          actions={admin}
        >
          {roles.map((r) => (
            <tr key={r.id}>
              <th scope="row">
                {r.name}
                {r.description ? <span className="cell-hint">{r.description}</span> : null}
              </th>
              <td>{r.builtin ? 'Built-in' : 'Custom'}</td>
              <td>
                {r.permissions.length ? (
                  <ul className="tags">
                    {r.permissions.map((p) => (
                      <li key={p}>
                        <code>{p}</code>
                      </li>
                    ))}
                  </ul>
                ) : (
                  'None'
                )}
              </td>
              <td>{partitionText(r.partition)}</td>
              <td className="num">{r.operatorCount}</td>
              {admin ? (
                <td className="actions">
                  {r.builtin ? (
                    <span className="hint">Read-only</span>
                  ) : (
                    <>
                      <RowButton of={r.name} onClick={() => panel.open(r.id)}>
                        Edit
                      </RowButton>
                      <RowButton of={r.name} danger disabled={busy} onClick={() => remove(r)}>
                        Delete
                      </RowButton>
                    </>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      ) : null}
    </>
  );
}
