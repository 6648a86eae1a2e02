import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';
import { call, subscribe } from '../../rpc/client.js';
import { mergeLive, remember, type EventFilter } from './live-merge.js';
import { saidOf, saying } from './said-failure.js';

/** Events per page read. */
export const EVENT_PAGE = 100;

/**
 * The events `filter` selects, newest first: the pages read so far (TanStack Query, paged back in time
 * with `before`) with the events that arrived live since the screen opened merged in at their place,
 * which for a new event is the top. The live buffer does not depend on the filter, so changing filters
 * back and forth loses nothing.
 */
export function useEventList(filter: EventFilter, failure: (err: unknown) => string | undefined) {
  const [live, setLive] = useState<AccessEvent[]>([]);

  // Subscribed before the first read, so an event stored meanwhile is merged rather than missed.
  useEffect(() => subscribe('events.appended', (e) => setLive((buffer) => remember(buffer, e.payload))), []);

  const query = useInfiniteQuery({
    queryKey: ['events.list', filter],
    queryFn: ({ pageParam }) =>
      saying(failure, () =>
        call('events.list', { ...filter, limit: EVENT_PAGE, ...(pageParam ? { before: pageParam } : {}) }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBefore,
    // Events arrive all the time: a screen opened again reads again (what it shows meanwhile is live).
    staleTime: 0,
  });

  const pages = query.data?.pages;
  const merged = useMemo(
    () =>
      pages
        ? mergeLive(
            pages.flatMap((p) => p.events),
            live,
            filter,
            pages.at(-1)?.nextBefore !== undefined,
          )
        : undefined,
    [pages, live, filter],
  );
  return {
    query,
    events: merged?.events,
    fresh: merged?.fresh ?? new Set<number>(),
    /** What went wrong reading, in words. */
    error: saidOf(query.error),
  };
}
