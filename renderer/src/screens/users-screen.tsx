import { useCallback, useEffect, useState } from 'react';
import type { BlacklistStatus, User } from '../../../app/contract/methods/users.js';
import { ErrorAlert } from '../components/alert.js';
import { RowButton } from '../components/data-table.js';
import { EntityListFrame } from '../components/entity-list-frame.js';
import { formatTime } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import type { Choice } from '../use-access-choices.js';
import { useEntityList } from '../use-entity-list.js';
import type { PageQuery } from '../use-paged-list.js';
import { BlacklistPanel } from './blacklist-panel.js';
import { UserForm } from './user-form.js';
import { UserImportPanel } from './user-import-panel.js';
import { UserKeys } from './user-keys.js';

/** A user with the name the list shows. */
type NamedUser = User & { name: string };

const fetchUsers = (q: PageQuery) =>
  call('users.list', { ...q, sort: 'lastName' }).then((page) => ({
    total: page.total,
    items: page.items.map((u): NamedUser => ({ ...u, name: `${u.firstName} ${u.lastName}`.trim() })),
  }));

/** Cardholders: search as you type, create and edit with users:write, their keys, and the blacklist. */
export function UsersScreen({ can, failure }: SectionProps) {
  const write = can('users:write');
  const state = useEntityList(fetchUsers, failure);
  const { panel, editing } = state;
  const [keysOf, setKeysOf] = useState<number>();
  const [levels, setLevels] = useState<Choice[]>();
  const [blacklist, setBlacklist] = useState<BlacklistStatus>();
  const [error, setError] = useState<string>();
  const [importing, setImporting] = useState(false);

  const exportCsv = async () => {
    try {
      const { csv } = await call('users.exportCsv', { search: state.list.search || undefined });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: 'users.csv' });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(failure(err));
    }
  };

  const readBlacklist = useCallback(
    () => call('blacklist.status', {}).then(setBlacklist, (err: unknown) => setError(failure(err))),
    [failure],
  );

  useEffect(() => {
    void readBlacklist();
    if (!can('doors:read')) return;
    call('accessLevels.list', { sort: 'name', limit: 500 }).then(
      (page) => setLevels(page.items.map(({ id, name }) => ({ id, name }))),
      (err: unknown) => setError(failure(err)),
    );
  }, [can, failure, readBlacklist]);

  const keysUser = state.list.items?.find((u) => u.id === keysOf);

  return (
    <>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      <EntityListFrame
        state={state}
        noun="user"
        canWrite={write}
        searchPlaceholder="Search by name, identifier or department"
        columns={['Identifier', 'Department', 'Valid until', 'Keys']}
        tools={
          <>
            {write ? (
              <button type="button" className="secondary" onClick={() => setImporting(true)}>
                Import CSV
              </button>
            ) : null}
            <button type="button" className="secondary" onClick={() => void exportCsv()}>
              Export CSV
            </button>
          </>
        }
        form={
          <>
            {importing ? (
              <UserImportPanel
                failure={failure}
                onImported={() => void state.list.load()}
                onClose={() => setImporting(false)}
              />
            ) : null}
            {keysUser ? (
              <UserKeys
                key={keysUser.id}
                user={keysUser}
                can={can}
                failure={failure}
                onChanged={() => {
                  void state.list.load();
                  void readBlacklist();
                }}
                onClose={() => setKeysOf(undefined)}
              />
            ) : null}
            {panel.creating || editing ? (
              <UserForm
                key={editing?.id ?? 'new'}
                user={editing}
                levels={levels}
                failure={failure}
                onSaved={(u, created) =>
                  panel.done(
                    `User “${`${u.firstName} ${u.lastName}`.trim()}” ${created ? 'created' : 'saved'}.`,
                  )
                }
                onClose={panel.close}
              />
            ) : null}
          </>
        }
        deletion={{
          message: (
            <p>
              This cannot be undone. A user who still holds a working key cannot be deleted: cancel their keys
              first.
            </p>
          ),
          del: (x) => call('users.delete', { id: x.id, version: x.version }),
        }}
        row={(u) => (
          <>
            <td>{u.identifier ?? '—'}</td>
            <td>{u.department}</td>
            <td>{u.validUntil ? formatTime(u.validUntil) : 'No end'}</td>
            <td className="num">
              {u.activeKeys}{' '}
              <RowButton of={`of ${u.name}`} onClick={() => setKeysOf(u.id)}>
                Keys
              </RowButton>
            </td>
          </>
        )}
      />
      {blacklist ? <BlacklistPanel status={blacklist} /> : null}
    </>
  );
}
