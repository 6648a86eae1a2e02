import { useCallback, useEffect, useState } from 'react';
import type { Role } from '../../../app/contract/methods/operators.js';
import type { Partition } from '../../../app/contract/permissions.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { useConfirm } from '../components/confirm-dialog.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useLatest } from '../use-latest.js';
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

/** What opens beside the list: nothing, a new role, or one role's editor. */
type Open = { kind: 'none' } | { kind: 'create' } | { kind: 'edit'; id: number };

/** Roles: built-in ones read-only; custom ones created, edited and deleted with operators:admin. */
export function RolesScreen({ can, failure }: SectionProps) {
  const admin = can('operators:admin');
  const [roles, setRoles] = useState<Role[]>();
  const [open, setOpen] = useState<Open>({ kind: 'none' });
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [dialog, confirm] = useConfirm();

  const latest = useLatest();

  // A promise chain rather than async/await, so that no state is set before the first answer arrives.
  const load = useCallback((): Promise<Role[] | undefined> => {
    const ticket = latest.take();
    return call('roles.list', {}).then(
      (list) => {
        if (latest.is(ticket)) setRoles(list);
        return list;
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
    setNotice(undefined);
    try {
      await call('roles.delete', { id: role.id, version: role.version });
      if (open.kind === 'edit' && open.id === role.id) setOpen({ kind: 'none' });
      setNotice(`Role “${role.name}” deleted.`);
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
      void load();
    }
  }

  const editing = open.kind === 'edit' ? roles?.find((r) => r.id === open.id) : undefined;

  return (
    <>
      {dialog}
      <div className="toolbar">
        {admin ? (
          <button type="button" onClick={() => setOpen({ kind: 'create' })}>
            New role
          </button>
        ) : null}
      </div>
      <p className="hint">
        Built-in roles are fixed and gain new permission families with upgrades. An operator holding several
        roles gets all their permissions.
      </p>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {notice ? <Notice>{notice}</Notice> : null}

      {open.kind === 'create' || editing ? (
        <RoleForm
          key={editing?.id ?? 'new'}
          role={editing}
          can={can}
          failure={failure}
          reload={load}
          onSaved={(r, created) => {
            setOpen({ kind: 'none' });
            setNotice(created ? `Role “${r.name}” created.` : `Role “${r.name}” saved.`);
            void load();
          }}
          onClose={() => setOpen({ kind: 'none' })}
        />
      ) : null}

      {roles ? (
        <div className="table-wrap">
          <table>
            <caption>
              {roles.length} role{roles.length === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Permissions</th>
                <th scope="col">Applies to</th>
                <th scope="col">Operators</th>
                {admin ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
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
                          <button
                            type="button"
                            className="secondary small"
                            aria-label={`Edit ${r.name}`}
                            onClick={() => {
                              setNotice(undefined);
                              setOpen({ kind: 'edit', id: r.id });
                            }}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className="danger small"
                            aria-label={`Delete ${r.name}`}
                            disabled={busy}
                            onClick={() => remove(r)}
                          >
                            Delete
                          </button>
                        </>
                      )}
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
