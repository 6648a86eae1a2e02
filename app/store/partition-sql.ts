import type { Db } from './sqlite.js';

/**
 * What is inside a partitioned operator's part of the site, as SQL, for every repository that filters
 * reads by it. The whole site is never passed here: a site-wide caller keeps the unfiltered queries.
 *
 * Every fragment reads two named parameters, {@link areaArgs}: the area's zone and door ids as JSON
 * arrays. The sets are non-correlated subqueries, which SQLite computes once per statement and then
 * probes, so a filter over 100,000 rows costs one lookup a row, not a join a row. They are joined with
 * UNION ALL: an IN list ignores repeats, and UNION would sort each set to remove them.
 */

/** A part of the site: some zones and some doors (a grant's scope other than 'site'). */
export interface Area {
  zones: ReadonlySet<number>;
  doors: ReadonlySet<number>;
}

/** The named parameters the fragments below read. */
export function areaArgs(a: Area): { areaZones: string; areaDoors: string } {
  return { areaZones: JSON.stringify([...a.zones]), areaDoors: JSON.stringify([...a.doors]) };
}

const AREA_ZONES = 'SELECT value FROM json_each(@areaZones)';
const AREA_DOORS = 'SELECT value FROM json_each(@areaDoors)';

/** Doors inside: listed by id, or in one of the area's zones. */
export const VISIBLE_DOORS = `${AREA_DOORS} UNION ALL SELECT door_id FROM door_zone WHERE zone_id IN (${AREA_ZONES})`;

/**
 * Zones inside: the area's zones, and the zones holding one of its listed doors (so an operator sees
 * where their door sits; such a zone's door count counts only the doors inside).
 */
export const VISIBLE_ZONES = `${AREA_ZONES} UNION ALL SELECT zone_id FROM door_zone WHERE door_id IN (${AREA_DOORS})`;

/**
 * Access levels inside: a right reaches inside (its door is inside, or its zone is one of the area's —
 * the rule of levelsOutsideScope: a zone that merely holds a listed door does not count, it may gain
 * doors later), or the level has no rights at all (it opens nothing, so it hides nothing).
 */
export const VISIBLE_LEVELS = `SELECT access_level_id FROM access_level_right
    WHERE door_id IN (${VISIBLE_DOORS}) OR zone_id IN (${AREA_ZONES})
  UNION ALL SELECT id FROM access_level WHERE id NOT IN (SELECT access_level_id FROM access_level_right)`;

/** Condition: the door `door` (an SQL expression) is inside. False for NULL. */
export const doorInside = (door: string): string => `${door} IN (${VISIBLE_DOORS})`;

/** Condition: the zone `zone` is inside. */
export const zoneInside = (zone: string): string => `${zone} IN (${VISIBLE_ZONES})`;

/** Condition: the access level `level` is inside. */
export const levelInside = (level: string): string => `${level} IN (${VISIBLE_LEVELS})`;

/**
 * Condition: the cardholder `id` is inside: they hold one of the access levels inside, or none at all.
 * Users follow their levels, so an operator sees whoever can open one of their doors, and the new users
 * no level ties to anyone yet. The holders of the levels inside are one set built per statement, the
 * "holds none" test one primary-key probe a row. (EXISTS with the levels inside, correlated, made
 * SQLite probe once per level per row: 1 s instead of 60 ms over 100,000 users.)
 */
export const cardholderInside = (id: string): string =>
  `(${id} IN (SELECT cardholder_id FROM cardholder_access_level WHERE access_level_id IN (${VISIBLE_LEVELS}))
    OR NOT EXISTS (SELECT 1 FROM cardholder_access_level WHERE cardholder_id = ${id}))`;

/** Condition: the key row `k` is inside: its holder is. A key whose holder was deleted is nobody's part. */
export const keyInside = (k: string): string =>
  `(${k}.cardholder_id IS NOT NULL AND ${cardholderInside(`${k}.cardholder_id`)})`;

/** Condition: the event row `e` is inside: its door is. An event without a door is nobody's part. */
export const eventInside = (e: string): string =>
  // The unary + keeps the planner from choosing a door index for this test: the list's own index
  // gives the time order, and a page must never sort a partition's whole history.
  doorInside(`+${e}.door_id`);

/** The tables whose rows a partition hides, with the condition on a row (alias `t`). */
const ROW_INSIDE = {
  door: (t: string) => doorInside(`${t}.id`),
  zone: (t: string) => zoneInside(`${t}.id`),
  access_level: (t: string) => levelInside(`${t}.id`),
  cardholder: (t: string) => cardholderInside(`${t}.id`),
  credential: keyInside,
  access_event: eventInside,
} as const;

/** A table whose rows a partition hides. */
export type PartitionedTable = keyof typeof ROW_INSIDE;

/** The ids among `ids` whose rows exist and are inside the area; one statement for any number. */
export function idsInside(db: Db, table: PartitionedTable, ids: readonly number[], area: Area): Set<number> {
  if (ids.length === 0) return new Set();
  const found = db
    .prepare(
      `SELECT t.id FROM ${table} t WHERE t.id IN (SELECT value FROM json_each(@ids)) AND ${ROW_INSIDE[table]('t')}`,
    )
    .pluck()
    .all({ ids: JSON.stringify([...new Set(ids)]), ...areaArgs(area) }) as number[];
  return new Set(found);
}
