import { Alert, Button, Group, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Notice } from './alert.js';
import { useT, useWords, type Thing } from '../i18n/i18n.js';
import { useConfirm } from './confirm-dialog.js';
import './entity-list.css';

/** Rows a page of a list shows. */
export const PAGE_SIZE = 25;

/** What a list method is asked: a search and a window. */
export interface PageQuery {
  search?: string;
  limit: number;
  offset: number;
}

/** A page of a list method's answer. */
export interface PageOf<T> {
  items: T[];
  total: number;
}

/** The words for a failed read of a list, by the error (kept as it is, so retrying still sees it). */
const readFailures = new WeakMap<object, string | undefined>();

/** What every listed object has. */
export interface Listed {
  id: number;
  name: string;
  version: number;
  updatedAt: string;
}

/** The words a list takes from its thing's group of words. */
type ListWords =
  | 'new'
  | 'search'
  | 'searchPlaceholder'
  | 'hint'
  | 'caption_one'
  | 'caption_other'
  | 'captionRange'
  | 'created'
  | 'saved'
  | 'deleted'
  | 'deleteTitle'
  | 'deleteMessage'
  | 'deleteConfirm';

/** Which list: its words (a thing of a namespace) and its list method (the query key). */
export type ListKind = Thing<ListWords> & { method: string };

/** What the open form is given. */
export interface FormSlot<T> {
  /** The entry to edit; undefined for a new one. */
  item: T | undefined;
  /** Closes the form and says what was saved. */
  onSaved: (item: T, created: boolean) => void;
  onClose: () => void;
}

/**
 * A list of named objects of the access model (time periods, calendars, zones, doors, levels): New and search above, the open form, the page as a table (name, the list's own
 * columns, when it changed) with Edit and Delete per row for operators who may write, and
 * Previous/Next. The page is read through TanStack Query under `[method, query]`; saving and deleting
 * invalidate every page of the method, so whatever shows it reads again.
 */
export function EntityList<T extends Listed>({
  kind,
  fetchPage,
  del,
  canWrite,
  failure,
  columns,
  cells,
  changed,
  refuseDelete,
  form,
}: {
  kind: ListKind;
  fetchPage: (query: PageQuery) => Promise<PageOf<T>>;
  del: (item: T) => Promise<unknown>;
  /** Whether the operator may create, edit and delete (doors:write). */
  canWrite: boolean;
  failure: (err: unknown) => string | undefined;
  /** Headers of the columns between the name and when it changed. */
  columns: readonly string[];
  /** A row's cells for those columns. */
  cells: (item: T) => ReactNode;
  /** When an entry changed, as shown (the site's time zone). */
  changed: (item: T) => string;
  /** Why an entry cannot be deleted (shown instead of Delete). */
  refuseDelete?: (item: T) => string | undefined;
  form: (slot: FormSlot<T>) => ReactNode;
}) {
  const { t } = useT();
  const say = useWords(kind.ns);
  const { noun, method } = kind;
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [opened, setOpened] = useState<{ item: T | undefined }>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [dialog, confirm] = useConfirm();

  const text = search.trim();
  const query: PageQuery = { ...(text ? { search: text } : {}), limit: PAGE_SIZE, offset };
  const page = useQuery({
    queryKey: [method, query],
    queryFn: () =>
      fetchPage(query).catch((err: unknown) => {
        // Worded as it fails, not while rendering: `failure` may leave the console (session ended).
        if (typeof err === 'object' && err !== null) readFailures.set(err, failure(err));
        throw err;
      }),
    placeholderData: keepPreviousData,
  });
  const readError = page.error ? readFailures.get(page.error) : undefined;

  const deletion = useMutation({
    mutationFn: del,
    onSettled: () => queryClient.invalidateQueries({ queryKey: [method] }),
  });

  const remove = async (item: T) => {
    setNotice(undefined);
    setError(undefined);
    try {
      await deletion.mutateAsync(item);
      if (opened?.item?.id === item.id) setOpened(undefined);
      setNotice(say(`${noun}.deleted`, { name: item.name }));
    } catch (err) {
      setError(failure(err));
    }
  };

  const items = page.data?.items;
  const total = page.data?.total ?? 0;
  const last = Math.min(offset + PAGE_SIZE, total);
  return (
    <div className="entity-screen">
      {dialog}
      <Group mb="sm" gap="sm">
        {canWrite ? (
          <Button
            onClick={() => {
              setNotice(undefined);
              setOpened({ item: undefined });
            }}
          >
            {say(`${noun}.new`)}
          </Button>
        ) : null}
        <TextInput
          type="search"
          aria-label={say(`${noun}.search`)}
          placeholder={say(`${noun}.searchPlaceholder`)}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setOffset(0);
          }}
          spellCheck={false}
          flex="1 1 16rem"
          maw="24rem"
        />
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        {say(`${noun}.hint`)}
      </Text>
      {error || readError ? (
        <Alert color="red" role="alert" mb="sm">
          {error ?? readError}
        </Alert>
      ) : null}
      <Notice mb="sm">{notice}</Notice>
      {opened
        ? form({
            item: opened.item,
            onClose: () => setOpened(undefined),
            onSaved: (item, created) => {
              setOpened(undefined);
              setNotice(say(created ? `${noun}.created` : `${noun}.saved`, { name: item.name }));
            },
          })
        : null}
      {items && items.length === 0 ? (
        <Text size="sm" role="status">
          {text ? t('list.noMatch', { search: text }) : t('list.empty')}
        </Text>
      ) : null}
      {items?.length ? (
        <div className="entity-table-wrap">
          <Table captionSide="top" highlightOnHover>
            <Table.Caption>
              {total > items.length
                ? say(`${noun}.captionRange`, { first: offset + 1, last, total })
                : say(`${noun}.caption`, { count: total })}
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('list.name')}</Table.Th>
                {columns.map((c) => (
                  <Table.Th scope="col" key={c}>
                    {c}
                  </Table.Th>
                ))}
                <Table.Th scope="col">{t('list.changed')}</Table.Th>
                {canWrite ? (
                  <Table.Th scope="col">
                    <VisuallyHidden>{t('list.actions')}</VisuallyHidden>
                  </Table.Th>
                ) : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => {
                const refused = refuseDelete?.(item);
                return (
                  <Table.Tr key={item.id} aria-current={opened?.item?.id === item.id ? 'true' : undefined}>
                    <Table.Th scope="row">{item.name}</Table.Th>
                    {cells(item)}
                    <Table.Td>{changed(item)}</Table.Td>
                    {canWrite ? (
                      <Table.Td className="entity-actions">
                        <Group gap="xs" wrap="nowrap">
                          <Button
                            size="compact-sm"
                            variant="default"
                            aria-label={t('list.editNamed', { name: item.name })}
                            onClick={() => {
                              setNotice(undefined);
                              setOpened({ item });
                            }}
                          >
                            {t('edit')}
                          </Button>
                          {refused ? (
                            <Text size="xs" c="dimmed" span>
                              {refused}
                            </Text>
                          ) : (
                            <Button
                              size="compact-sm"
                              variant="default"
                              color="red"
                              aria-label={t('list.deleteNamed', { name: item.name })}
                              disabled={deletion.isPending}
                              onClick={() =>
                                void confirm({
                                  title: say(`${noun}.deleteTitle`, { name: item.name }),
                                  message: say(`${noun}.deleteMessage`),
                                  confirmLabel: say(`${noun}.deleteConfirm`),
                                  danger: true,
                                }).then((yes) => {
                                  if (yes) void remove(item);
                                })
                              }
                            >
                              {t('delete')}
                            </Button>
                          )}
                        </Group>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      ) : items ? null : (
        <Text size="sm">{t('list.loading')}</Text>
      )}
      {total > PAGE_SIZE ? (
        <Group mt="sm" gap="sm">
          <Button
            variant="default"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          >
            {t('list.previous')}
          </Button>
          <Button variant="default" disabled={last >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            {t('list.next')}
          </Button>
        </Group>
      ) : null}
    </div>
  );
}
