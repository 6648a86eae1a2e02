import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ResultOf } from '../../../../app/contract/index.js';
import type { OfflineLock } from '../../../../app/contract/methods/locks.js';
import { call, subscribe } from '../../rpc/client.js';
import { saying } from '../events/said-failure.js';

/** Where locks.list is cached: replaced lock by lock by `locks.changed`. */
export const LOCKS_KEY = ['locks.list', {}] as const;

/** How many rounds the history shows (the Service keeps more). */
export const ROUNDS_LIMIT = 20;

/** Where ppd.rounds is cached. */
export const ROUNDS_KEY = ['ppd.rounds', { limit: ROUNDS_LIMIT }] as const;

/** What locks.list answers. */
export type LockList = ResultOf<'locks.list'>;

/**
 * The slowest the list is read again on its own, in case an event was missed (a stream reconnecting);
 * the live event does the rest.
 */
export const LOCKS_POLL_MS = 30_000;
/** The soonest the rounds are read again after a live event (a sync elsewhere changes them too). */
export const ROUNDS_REREAD_MS = 10_000;

/**
 * Puts a lock as an event reported it into the cached list (a new one at the end). The event carries
 * no version: the newest event wins, and the poll corrects an answer that crossed it.
 */
export function mergeLock(list: LockList | undefined, lock: OfflineLock): LockList | undefined {
  if (!list) return list;
  const at = list.locks.findIndex((l) => l.doorId === lock.doorId);
  const locks = at < 0 ? [...list.locks, lock] : list.locks.map((l, i) => (i === at ? lock : l));
  return { locks };
}

/**
 * The offline locks, read through TanStack Query under {@link LOCKS_KEY}. `failure` words a failed
 * read (and leaves when the session ended).
 */
export function useLocks(failure: (err: unknown) => string | undefined) {
  return useQuery({
    queryKey: LOCKS_KEY,
    queryFn: () => saying(failure, () => call('locks.list', {})),
    // Only while the page is shown (TanStack Query pauses in the background).
    refetchInterval: LOCKS_POLL_MS,
    staleTime: 5_000,
  });
}

/** The rounds loaded lately, newest first (ppd:use; `enabled: false` reads nothing). */
export function useRounds(failure: (err: unknown) => string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: ROUNDS_KEY,
    queryFn: () => saying(failure, () => call('ppd.rounds', { limit: ROUNDS_LIMIT })),
    enabled,
    staleTime: 5_000,
    // Newest first whatever order they came in: a round's id says nothing of its age.
    select: (r) => ({
      rounds: [...r.rounds].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)),
    }),
  });
}

/** Reads the rounds again, at most once per {@link ROUNDS_REREAD_MS}. */
function throttledRoundsReread(queryClient: QueryClient) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reread = () => {
    timer = undefined;
    last = Date.now();
    void queryClient.invalidateQueries({ queryKey: ROUNDS_KEY, exact: true });
  };
  return {
    request() {
      if (timer) return;
      timer = setTimeout(reread, Math.max(0, last + ROUNDS_REREAD_MS - Date.now()));
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * Keeps the cached locks live from `locks.changed`: the lock reported replaces its row at once (its
 * state, why it needs a visit, the round it is in), and the rounds are read again soon after (a sync
 * or a load changed them), at most every 10 s. Call it once per screen.
 */
export function useLiveLocks(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const rounds = throttledRoundsReread(queryClient);
    const unsubscribe = subscribe('locks.changed', (e) => {
      queryClient.setQueryData<LockList>(LOCKS_KEY, (old) => mergeLock(old, e.payload));
      rounds.request();
    });
    return () => {
      unsubscribe();
      rounds.stop();
    };
  }, [queryClient]);
}
