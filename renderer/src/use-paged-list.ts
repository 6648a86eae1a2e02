import { useCallback, useEffect, useState } from 'react';
import { useLatest } from './use-latest.js';

/** What a paged list method takes: a search and a window. */
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

/**
 * A searchable, paged list read from the service; it reads again whenever the search or the page
 * changes (only the latest answer shows). `fetchPage` must be stable (a module-level function).
 */
export function usePagedList<T>(
  fetchPage: (query: PageQuery) => Promise<PageOf<T>>,
  failure: (err: unknown) => string | undefined,
  pageSize = 25,
) {
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<PageOf<T>>();
  const [error, setError] = useState<string>();
  const latest = useLatest();

  const load = useCallback(() => {
    const text = search.trim();
    return latest.read(
      () => fetchPage({ ...(text ? { search: text } : {}), limit: pageSize, offset }),
      (p) => {
        setPage(p);
        setError(undefined);
      },
      (err) => setError(failure(err)),
    );
  }, [fetchPage, failure, latest, search, offset, pageSize]);

  useEffect(() => {
    void load();
  }, [load]);

  return {
    items: page?.items,
    total: page?.total ?? 0,
    search,
    /** Changes the search and goes back to the first page. */
    setSearch: (text: string) => {
      setSearch(text);
      setOffset(0);
    },
    offset,
    setOffset,
    pageSize,
    load,
    error,
    setError,
  };
}
