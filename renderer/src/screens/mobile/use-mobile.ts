import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ResultOf } from '../../../../app/contract/index.js';
import { call, subscribe } from '../../rpc/client.js';
import { saying } from '../events/said-failure.js';

/** Where mobile.relay.get is cached. */
export const RELAY_KEY = ['mobile.relay.get', {}] as const;

/** Where a user's phones are cached (the method name alone: every user's). */
export const phonesKey = (userId: number) => ['mobile.phones.list', { userId }] as const;

/** Where mobile keys are cached: one user's, or every key of the site (`undefined`). */
export const mobileKeysKey = (userId: number | undefined) =>
  ['mobile.keys.list', userId === undefined ? {} : { userId }] as const;

/** What mobile.relay.get answers. */
export type Relay = ResultOf<'mobile.relay.get'>;

type Failure = (err: unknown) => string | undefined;

/** The relay and how its last contact went (site:read; `enabled: false` reads nothing). */
export function useRelay(failure: Failure, enabled = true) {
  return useQuery({
    queryKey: RELAY_KEY,
    queryFn: () => saying(failure, () => call('mobile.relay.get', {})),
    enabled,
    staleTime: 5_000,
  });
}

/** A user's enrolled phones and the invitations they have not used yet. */
export function usePhones(failure: Failure, userId: number) {
  return useQuery({
    queryKey: phonesKey(userId),
    queryFn: () => saying(failure, () => call('mobile.phones.list', { userId })),
    staleTime: 5_000,
  });
}

/** Mobile keys, newest first: of one user, or of the whole site. */
export function useMobileKeys(failure: Failure, userId: number | undefined) {
  return useQuery({
    queryKey: mobileKeysKey(userId),
    queryFn: () => saying(failure, () => call('mobile.keys.list', userId === undefined ? {} : { userId })),
    staleTime: 5_000,
  });
}

/**
 * Keeps what mobile keys show live from `mobile.changed`: the Service says what changed (the relay,
 * phones, keys) and, for phones and keys, whose; those reads run again. A phone enrolling through the
 * relay or a key delivered to its phone shows within the Service's poll of the relay (2 s).
 */
export function useLiveMobile(): void {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      subscribe('mobile.changed', ({ payload }) => {
        if (payload.what === 'relay') {
          void queryClient.invalidateQueries({ queryKey: RELAY_KEY, exact: true });
          return;
        }
        const method = payload.what === 'phones' ? 'mobile.phones.list' : 'mobile.keys.list';
        // A change for one user also changes the site-wide list of keys; null: several users.
        void queryClient.invalidateQueries({
          predicate: (q) => {
            if (q.queryKey[0] !== method) return false;
            const params = q.queryKey[1] as { userId?: number } | undefined;
            return (
              payload.userId === null || params?.userId === undefined || params.userId === payload.userId
            );
          },
        });
        // Removing a phone revokes its keys; a key issued changes the phone's count of keys.
        const other = payload.what === 'phones' ? 'mobile.keys.list' : 'mobile.phones.list';
        void queryClient.invalidateQueries({ queryKey: [other] });
      }),
    [queryClient],
  );
}
