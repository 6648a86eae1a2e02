/**
 * Local time without a time-zone database on the device. The Service compiles the site's zone into an
 * explicit table of UTC offsets and the instants they change (DST), for the years a lock may run
 * without a visit; a lock keeps UTC and this table and so knows its local time — including the hour
 * that repeats in autumn and the one that never happens in spring — exactly as the Service does.
 */

/** Seconds in a day. */
export const DAY = 86_400;

/** An offset from UTC in force from an instant on. */
export interface OffsetChange {
  /** Epoch seconds (UTC) from which `offset` applies. */
  at: number;
  /** Seconds to add to UTC for local time (+3600 for CET). */
  offset: number;
}

/** A site's time zone compiled for a range of years. */
export interface ZoneTable {
  zone: string;
  /** Epoch seconds from which the table is valid (inclusive). */
  from: number;
  /** Epoch seconds until which the table is valid (exclusive). */
  until: number;
  /** The offset at `from`, then every change, ascending by `at`. */
  changes: OffsetChange[];
}

/** A moment as the door sees it. */
export interface LocalTime {
  /** Days since 1970-01-01 in local time (the calendar's key). */
  day: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Seconds since local midnight, 0…86399. */
  second: number;
  /** The offset in force, seconds. */
  offset: number;
}

/** Thrown for an instant outside the compiled range: the lock needs a fresh table (a PPD visit). */
export class ZoneTableRangeError extends RangeError {
  constructor(table: ZoneTable, at: number) {
    super(
      `${new Date(at * 1000).toISOString()} is outside the ${table.zone} table ` +
        `(${new Date(table.from * 1000).toISOString()} to ${new Date(table.until * 1000).toISOString()})`,
    );
    this.name = 'ZoneTableRangeError';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of `zone` at an instant, in seconds, from the runtime's time-zone data. */
export function intlOffset(zone: string, epochSeconds: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  const name = f.formatToParts(new Date(epochSeconds * 1000)).find((p) => p.type === 'timeZoneName')!.value;
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected offset "${name}" for ${zone}`);
  if (!m[1]) return 0;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -s : s;
}

/**
 * Compiles `zone` for the years [fromYear, toYear]: day by day it looks for a change of offset and
 * pins each one to the second by bisection (every zone changes at most a few times a year).
 */
export function compileZone(zone: string, fromYear: number, toYear: number): ZoneTable {
  const from = Date.UTC(fromYear, 0, 1) / 1000;
  const until = Date.UTC(toYear + 1, 0, 1) / 1000;
  const changes: OffsetChange[] = [{ at: from, offset: intlOffset(zone, from) }];
  let t = from;
  let offset = changes[0]!.offset;
  while (t < until) {
    const next = Math.min(t + DAY, until);
    const nextOffset = intlOffset(zone, next);
    if (nextOffset !== offset) {
      // The change lies in (t, next]: find the first second with the new offset.
      let lo = t;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (intlOffset(zone, mid) === offset) lo = mid;
        else hi = mid;
      }
      changes.push({ at: hi, offset: intlOffset(zone, hi) });
      offset = intlOffset(zone, hi);
      t = hi;
      continue;
    }
    t = next;
  }
  return { zone, from, until, changes };
}

/** The offset in force at an instant (binary search over the changes). */
export function offsetAt(table: ZoneTable, epochSeconds: number): number {
  if (epochSeconds < table.from || epochSeconds >= table.until)
    throw new ZoneTableRangeError(table, epochSeconds);
  const c = table.changes;
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (c[mid]!.at <= epochSeconds) lo = mid;
    else hi = mid - 1;
  }
  return c[lo]!.offset;
}

/** Local day, weekday and second of day at an instant. */
export function toLocal(table: ZoneTable, epochSeconds: number): LocalTime {
  const offset = offsetAt(table, epochSeconds);
  const local = epochSeconds + offset;
  const day = Math.floor(local / DAY);
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return { day, weekday: (((day + 3) % 7) + 7) % 7, second: local - day * DAY, offset };
}

/** The local day number of a calendar date (YYYY-MM-DD), as used by calendars. */
export function dayOf(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`"${date}" is not a YYYY-MM-DD date`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms).toISOString().slice(0, 10);
  if (back !== date) throw new RangeError(`"${date}" is not a calendar date`);
  return ms / 1000 / DAY;
}

/** The YYYY-MM-DD date of a local day number. */
export function dateOf(day: number): string {
  return new Date(day * DAY * 1000).toISOString().slice(0, 10);
}

/**
 * The instants at which a local wall-clock time occurs on a day: none in the spring gap, two in the
 * autumn repeat, one otherwise. Used to turn "valid until 31 March, 02:30" into an instant explicitly.
 */
export function instantsOf(table: ZoneTable, day: number, second: number): number[] {
  const local = day * DAY + second;
  const out = new Set<number>();
  for (const { offset } of table.changes) {
    const candidate = local - offset;
    if (candidate >= table.from && candidate < table.until && offsetAt(table, candidate) === offset)
      out.add(candidate);
  }
  return [...out].sort((a, b) => a - b);
}
