import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { call } from './rpc/client.js';

/** A named object to choose in a form (a zone, a door, a time period, a calendar). */
export interface Choice {
  id: number;
  name: string;
}

/** What the access-model forms choose from. */
export interface AccessChoices {
  zones: Choice[];
  doors: Choice[];
  periods: Choice[];
  calendars: Choice[];
}

/** The first 500 of each list, by name: more than a form's select can usefully offer. */
const ALL = { sort: 'name', limit: 500 } as const;
/** The lists a form picks from. */
type ChoiceList = 'zones.list' | 'doors.list' | 'timePeriods.list' | 'calendars.list';

/** The words for a failed read, by the error (kept as it is, so a retry still sees it). */
const readFailures = new WeakMap<object, string | undefined>();

async function readNames(
  method: ChoiceList,
  failure: (err: unknown) => string | undefined,
): Promise<Choice[]> {
  try {
    const page = await call(method, ALL);
    return page.items.map(({ id, name }) => ({ id, name }));
  } catch (err) {
    // Worded as it fails, not while rendering: `failure` may leave the console (session ended).
    if (typeof err === 'object' && err !== null) readFailures.set(err, failure(err));
    throw err;
  }
}

/**
 * Reads the zones, doors, time periods and calendars a form picks from (the first 500 of each, by
 * name): `choices` is undefined until all four arrive, `error` says why one did not. Each is cached
 * under its list method (`[method, …]`), so saving or deleting in any list reads it again.
 */
export function useAccessChoices(
  failure: (err: unknown) => string | undefined,
  /** False: read nothing (for a screen whose forms choose from none of them). */
  wanted = true,
): {
  choices: AccessChoices | undefined;
  error: string | undefined;
} {
  const read = (method: ChoiceList) => ({
    queryKey: [method, ALL],
    queryFn: () => readNames(method, failure),
    enabled: wanted,
  });
  const zones = useQuery(read('zones.list'));
  const doors = useQuery(read('doors.list'));
  const periods = useQuery(read('timePeriods.list'));
  const calendars = useQuery(read('calendars.list'));
  const failed = [zones, doors, periods, calendars].find((q) => q.error)?.error;
  // One object while the four lists stay the same, as the effects of its users expect.
  const choices = useMemo(
    () =>
      zones.data && doors.data && periods.data && calendars.data
        ? { zones: zones.data, doors: doors.data, periods: periods.data, calendars: calendars.data }
        : undefined,
    [zones.data, doors.data, periods.data, calendars.data],
  );
  return { choices, error: failed ? readFailures.get(failed) : undefined };
}

/** The name of a chosen id, or "#id" when it is not among the choices. */
export function nameOf(list: readonly Choice[] | undefined, id: number): string {
  return list?.find((c) => c.id === id)?.name ?? `#${id}`;
}
