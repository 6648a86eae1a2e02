import { Text, UnstyledButton } from '@mantine/core';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef } from 'react';
import type { ParamsOf } from '../../../../app/contract/index.js';
import type { User } from '../../../../app/contract/methods/users.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useFormatTime } from '../../site-time.js';
import { pagesCovering, rowAt } from './windowed-pages.js';
import './user-table.css';

/** Rows fetched per users.list call. */
const PAGE = 100;
/** Every row is this tall (CSS keeps it so), which lets the virtualizer place rows without measuring. */
const ROW_HEIGHT = 41;

/** What users.list is asked, less the window (the table pages through it itself). */
export type UserQuery = Omit<ParamsOf<'users.list'>, 'limit' | 'offset'>;
type SortKey = NonNullable<UserQuery['sort']>;

/** One visible row: its place in the whole list and the user, once its page has arrived. */
interface VisibleRow {
  index: number;
  user: User | undefined;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, VisibleRow>();

/** The users.list call of one page, cached by TanStack Query under the query and the page. */
const pageQuery = (query: UserQuery, page: number) => ({
  queryKey: ['users.list', query, page] as const,
  queryFn: () => call('users.list', { ...query, limit: PAGE, offset: page * PAGE }),
});

/**
 * All the users matching a query in one scrolling table, however many: only the rows in view are in
 * the document (TanStack Virtual), and only their pages are fetched (100 rows a call, cached). The
 * table stays a real <table> with aria-rowcount and aria-rowindex, so screen readers know where they
 * are in 100,000 rows.
 */
export function UserTable({
  query,
  onSort,
  selected,
  onSelect,
  onOpen,
}: {
  query: UserQuery;
  onSort: (sort: SortKey) => void;
  selected: ReadonlySet<number>;
  onSelect: (id: number, on: boolean) => void;
  onOpen: (user: User) => void;
}) {
  const { t } = useT('users');
  const formatTime = useFormatTime();
  const scroller = useRef<HTMLDivElement>(null);
  const first = useQuery({ ...pageQuery(query, 0), placeholderData: keepPreviousData });
  const total = first.data?.total ?? 0;
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler here: re-rendering on scroll is the point
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const pages = pagesCovering(items[0]?.index ?? 0, items.at(-1)?.index ?? 0, PAGE);
  const results = useQueries({ queries: pages.map((p) => pageQuery(query, p)) });
  const loaded = new Map<number, User[]>();
  if (first.data && !first.isPlaceholderData) loaded.set(0, first.data.items);
  pages.forEach((p, i) => {
    const items = results[i]?.data?.items;
    if (items) loaded.set(p, items);
  });
  const data: VisibleRow[] = items.map((v) => ({ index: v.index, user: rowAt(loaded, v.index, PAGE) }));

  const columns = useMemo(
    () =>
      helper.columns([
        helper.display({
          id: 'select',
          header: () => <span className="visually-hidden">{t('select')}</span>,
        }),
        helper.accessor((r) => r.user && `${r.user.lastName}, ${r.user.firstName}`, {
          id: 'lastName',
          header: t('columns.name'),
        }),
        helper.accessor((r) => r.user?.identifier ?? '—', {
          id: 'identifier',
          header: t('columns.identifier'),
        }),
        helper.accessor((r) => r.user?.department, { id: 'department', header: t('columns.department') }),
        helper.accessor((r) => r.user?.validUntil, { id: 'validUntil', header: t('columns.validUntil') }),
        helper.accessor((r) => r.user?.activeKeys, { id: 'keys', header: t('columns.keys') }),
        helper.accessor((r) => r.user?.fingerprintEnrolled, {
          id: 'fingerprint',
          header: t('columns.fingerprint'),
        }),
      ]),
    [t],
  );
  const table = useTable({ features, columns, data, getRowId: (r) => String(r.index) });
  const sortable = new Set<string>(['lastName', 'identifier', 'department']);
  const before = items[0]?.start ?? 0;
  const after = total * ROW_HEIGHT - (items.at(-1)?.end ?? 0);

  return (
    <div className="user-table" ref={scroller} tabIndex={-1}>
      <table
        aria-label={t('tableLabel', { count: total })}
        aria-rowcount={total + 1}
        aria-busy={first.isFetching}
      >
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} aria-rowindex={1}>
              {group.headers.map((h) => (
                <th
                  key={h.id}
                  scope="col"
                  aria-sort={
                    query.sort === h.column.id
                      ? query.order === 'desc'
                        ? 'descending'
                        : 'ascending'
                      : undefined
                  }
                >
                  {sortable.has(h.column.id) ? (
                    <UnstyledButton className="sort" onClick={() => onSort(h.column.id as SortKey)}>
                      <table.FlexRender header={h} />
                      {query.sort === h.column.id ? (query.order === 'desc' ? ' ↓' : ' ↑') : ''}
                    </UnstyledButton>
                  ) : (
                    <table.FlexRender header={h} />
                  )}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {before > 0 ? <tr aria-hidden className="spacer" style={{ height: before }} /> : null}
          {table.getRowModel().rows.map((row) => {
            const { user, index } = row.original;
            return (
              <tr
                key={row.id}
                aria-rowindex={index + 2}
                aria-selected={user ? selected.has(user.id) : undefined}
              >
                {user ? (
                  <>
                    <td>
                      {/* Native: dozens of rows re-render on every keystroke, and it is the lightest. */}
                      <input
                        type="checkbox"
                        aria-label={t('selectUser', { name: `${user.firstName} ${user.lastName}`.trim() })}
                        checked={selected.has(user.id)}
                        onChange={(e) => onSelect(user.id, e.currentTarget.checked)}
                      />
                    </td>
                    <th scope="row">
                      <UnstyledButton className="open" onClick={() => onOpen(user)}>
                        {`${user.firstName} ${user.lastName}`.trim()}
                      </UnstyledButton>
                    </th>
                    <td>{user.identifier ?? '—'}</td>
                    <td>{user.department}</td>
                    <td>{user.validUntil ? formatTime(user.validUntil) : t('noEnd')}</td>
                    <td className="num">{user.activeKeys}</td>
                    <td>{user.fingerprintEnrolled ? t('columns.fingerprintEnrolled') : '—'}</td>
                  </>
                ) : (
                  <td colSpan={columns.length}>
                    <Text size="sm" c="dimmed">
                      {t('loadingRow')}
                    </Text>
                  </td>
                )}
              </tr>
            );
          })}
          {after > 0 ? <tr aria-hidden className="spacer" style={{ height: after }} /> : null}
        </tbody>
      </table>
      {first.data && total === 0 ? (
        <Text className="empty" c="dimmed">
          {query.search ? t('emptySearch') : t('empty')}
        </Text>
      ) : null}
    </div>
  );
}
