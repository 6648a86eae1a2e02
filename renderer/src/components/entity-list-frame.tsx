import type { ReactNode } from 'react';
import { plural } from '../format.js';
import type { Entity, EntityList, Removal } from '../use-entity-list.js';
import { ErrorAlert, Notice } from './alert.js';
import { DataTable, RowButton } from './data-table.js';

/** How the list deletes an entry, after confirmation. */
export interface Deletion<T> extends Omit<Removal<T>, 'noun'> {
  /** Why an entry cannot be deleted (shown instead of its Delete button); undefined when it can. */
  refuse?: (item: T) => string | undefined;
}

/**
 * A list screen of the access model: New button and search above, the open form, the table of the
 * page shown with Edit and Delete on each row for those who may write, and Previous/Next under it.
 */
export function EntityListFrame<T extends Entity>({
  state,
  noun,
  plural: many,
  canWrite,
  hint,
  searchPlaceholder,
  columns,
  form,
  row,
  deletion,
  tools,
}: {
  state: EntityList<T>;
  /** The kind of thing, in words ("time period"). */
  noun: string;
  plural?: string;
  /** Whether the operator may create, edit and delete (doors:write). */
  canWrite: boolean;
  hint?: ReactNode;
  /** What the search matches, as a placeholder; by default the name. */
  searchPlaceholder?: string;
  /** The table's columns after the name. */
  columns: readonly string[];
  /** The panel: the form for a new or the open entry. */
  form: ReactNode;
  /** A row's cells after the name. */
  row: (item: T) => ReactNode;
  deletion: Deletion<T>;
  /** More buttons for the toolbar (import, export). */
  tools?: ReactNode;
}) {
  const { list, panel, dialog, busy, remove } = state;
  const error = list.error ?? state.choicesError;
  const nouns = many ?? `${noun}s`;
  const last = Math.min(list.offset + list.pageSize, list.total);
  return (
    <>
      {dialog}
      <div className="toolbar">
        {canWrite ? (
          <button type="button" onClick={panel.create}>
            New {noun}
          </button>
        ) : null}
        {tools}
        <label className="search">
          <span className="visually-hidden">Search {nouns}</span>
          <input
            type="search"
            value={list.search}
            placeholder={searchPlaceholder ?? `Search ${nouns} by name`}
            onChange={(e) => list.setSearch(e.target.value)}
            spellCheck={false}
          />
        </label>
      </div>
      {hint ? <p className="hint">{hint}</p> : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {panel.notice ? <Notice>{panel.notice}</Notice> : null}
      {form}
      {list.items ? (
        <DataTable
          caption={
            list.total > list.items.length
              ? `${list.offset + 1}–${last} of ${plural(list.total, noun, nouns)}`
              : plural(list.total, noun, nouns)
          }
          columns={['Name', ...columns]}
          actions={canWrite}
        >
          {list.items.map((item) => (
            <tr key={item.id} aria-current={panel.openId === item.id ? 'true' : undefined}>
              <th scope="row">{item.name}</th>
              {row(item)}
              {canWrite ? (
                <td className="actions">
                  <RowButton of={item.name} onClick={() => panel.open(item.id)}>
                    Edit
                  </RowButton>
                  {deletion.refuse?.(item) ? (
                    <span className="hint"> {deletion.refuse(item)}</span>
                  ) : (
                    <RowButton
                      of={item.name}
                      danger
                      disabled={busy}
                      onClick={() => remove(item, { noun, message: deletion.message, del: deletion.del })}
                    >
                      Delete
                    </RowButton>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      ) : null}
      {list.total > list.pageSize ? (
        <div className="toolbar">
          <button
            type="button"
            className="secondary"
            disabled={list.offset === 0}
            onClick={() => list.setOffset(Math.max(0, list.offset - list.pageSize))}
          >
            Previous page
          </button>
          <button
            type="button"
            className="secondary"
            disabled={last >= list.total}
            onClick={() => list.setOffset(list.offset + list.pageSize)}
          >
            Next page
          </button>
        </div>
      ) : null}
    </>
  );
}
