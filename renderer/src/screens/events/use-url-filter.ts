import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { call } from '../../rpc/client.js';
import type { FilterDraft } from './event-filters.js';
import { searchOf, urlFilterOf } from './filter-url.js';
import type { Choice } from '../../components/search-select.js';

type Named = 'door' | 'user' | 'key';

/**
 * The name of the choice `id`: as it was chosen on this screen, else as the service names it now
 * (`nameOf`), else by its number while that is read or when it cannot be (a key has no get, an
 * operator without users:read cannot read a user).
 */
function useChoiceName(
  kind: Named,
  id: number | undefined,
  chosen: Readonly<Record<string, string>>,
  nameOf?: (id: number) => Promise<string>,
): string | undefined {
  const known = id === undefined ? undefined : chosen[`${kind}:${id}`];
  const found = useQuery({
    // Its own key: the name only, never mistaken for the method's cached result elsewhere.
    queryKey: ['events.filterName', kind, id],
    queryFn: () => nameOf!(id!),
    enabled: id !== undefined && known === undefined && nameOf !== undefined,
    retry: false,
  });
  return id === undefined ? undefined : (known ?? found.data ?? `#${id}`);
}

/** A choice when both its id and its name are known. */
const choice = (id: number | undefined, label: string | undefined): Choice | undefined =>
  id === undefined || label === undefined ? undefined : { id, label };

/**
 * The events filters, kept in the address (`?kind=…&door=…&user=…&key=…&reason=…&from=…&to=…`) so a
 * link can open the screen filtered (`#/events?user=7` from a user's page) and reloading keeps them.
 * The address holds ids; the names shown come from the choice made here or from the service.
 */
export function useUrlFilter(canReadUsers: boolean): [FilterDraft, (next: FilterDraft) => void] {
  const [params, setParams] = useSearchParams();
  const url = useMemo(() => urlFilterOf(params), [params]);
  const [chosen, setChosen] = useState<Readonly<Record<string, string>>>({});
  const doorName = useChoiceName(
    'door',
    url.door,
    chosen,
    async (id) => (await call('doors.get', { id })).name,
  );
  const userName = useChoiceName(
    'user',
    url.user,
    chosen,
    canReadUsers
      ? async (id) => {
          const u = await call('users.get', { id });
          return `${u.firstName} ${u.lastName}`.trim();
        }
      : undefined,
  );
  const keyName = useChoiceName('key', url.key, chosen);

  // One object while nothing changes: the filter derived from it keys the list and its live merge.
  const draft = useMemo<FilterDraft>(
    () => ({
      kind: url.kind,
      door: choice(url.door, doorName),
      user: choice(url.user, userName),
      key: choice(url.key, keyName),
      reason: url.reason,
      from: url.from,
      to: url.to,
    }),
    [url, doorName, userName, keyName],
  );

  const setDraft = (next: FilterDraft) => {
    const names: Record<string, string> = {};
    if (next.door) names[`door:${next.door.id}`] = next.door.label;
    if (next.user) names[`user:${next.user.id}`] = next.user.label;
    if (next.key) names[`key:${next.key.id}`] = next.key.label;
    setChosen((before) => ({ ...before, ...names }));
    // Replaced, not pushed: typing a time would otherwise leave one history entry per keystroke.
    setParams(
      searchOf({
        kind: next.kind,
        door: next.door?.id,
        user: next.user?.id,
        key: next.key?.id,
        reason: next.reason,
        from: next.from,
        to: next.to,
      }),
      { replace: true },
    );
  };
  return [draft, setDraft];
}
