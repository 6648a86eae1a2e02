import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ResultOf } from '../../../../app/contract/index.js';
import { call, subscribe } from '../../rpc/client.js';
import { throttledReread } from '../../rpc/throttled-reread.js';
import { saying } from '../events/said-failure.js';

/** Where rf.locks.list is cached. */
export const RF_LOCKS_KEY = ['rf.locks.list', {}] as const;

/** What rf.locks.list answers. */
export type RfLockList = ResultOf<'rf.locks.list'>;

/**
 * The slowest the list is read again on its own: "online" means heard in the last 90 s, so a lock
 * that falls silent turns offline without any event; the live event does the rest.
 */
export const RF_POLL_MS = 30_000;
/**
 * The soonest the list is read again after a live event. A control unit's report (which carries its
 * RF locks' link, battery and revision) arrives as `devices.changed`, and a unit with many locks
 * reports often: a burst of reports costs one read.
 */
export const RF_REREAD_MS = 2_000;

/**
 * The RF locks, read through TanStack Query under {@link RF_LOCKS_KEY}. `failure` words a failed read
 * (and leaves when the session ended).
 */
export function useRfLocks(failure: (err: unknown) => string | undefined) {
  return useQuery({
    queryKey: RF_LOCKS_KEY,
    queryFn: () => saying(failure, () => call('rf.locks.list', {})),
    // Only while the page is shown (TanStack Query pauses in the background).
    refetchInterval: RF_POLL_MS,
    staleTime: 1_000,
  });
}

/**
 * Keeps the RF locks live: the Service publishes a control unit's reports (its RF locks' status among
 * them: joined, heard, link quality, battery, revision) as `devices.changed`, and the list is read
 * again soon after each. Call it once per screen.
 */
export function useLiveRfLocks(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const reread = throttledReread(queryClient, RF_LOCKS_KEY, RF_REREAD_MS);
    // Any device: a gateway forwards the reports of the control units behind it.
    const unsubscribe = subscribe('devices.changed', () => reread.request());
    return () => {
      unsubscribe();
      reread.stop();
    };
  }, [queryClient]);
}
