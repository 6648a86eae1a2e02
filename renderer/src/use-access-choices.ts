import { useEffect, useState } from 'react';
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

const all = { sort: 'name', limit: 500 } as const;
const names = <T extends Choice>(page: { items: T[] }): Choice[] =>
  page.items.map(({ id, name }) => ({ id, name }));

/**
 * Reads the zones, doors, time periods and calendars a form picks from (the first 500 of each, by
 * name): `choices` is undefined until they arrive, `error` says why they did not.
 */
export function useAccessChoices(
  failure: (err: unknown) => string | undefined,
  /** False: read nothing (for a screen whose forms choose from none of them). */
  wanted = true,
): {
  choices: AccessChoices | undefined;
  error: string | undefined;
} {
  const [choices, setChoices] = useState<AccessChoices>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    Promise.all([
      call('zones.list', all),
      call('doors.list', all),
      call('timePeriods.list', all),
      call('calendars.list', all),
    ]).then(
      ([zones, doors, periods, calendars]) => {
        if (live)
          setChoices({
            zones: names(zones),
            doors: names(doors),
            periods: names(periods),
            calendars: names(calendars),
          });
      },
      (err: unknown) => {
        if (live) setError(failure(err));
      },
    );
    return () => {
      live = false;
    };
  }, [failure, wanted]);
  return { choices, error };
}

/** The name of a chosen id, or "#id" when it is not among the choices. */
export function nameOf(list: readonly Choice[] | undefined, id: number): string {
  return list?.find((c) => c.id === id)?.name ?? `#${id}`;
}
