import { utcToZonedInput, zonedInputToUtc } from '../events/zoned-time.js';

// A user's validity is edited in whole days of the site's time zone: a lock lets the key in by the
// site's clock, whatever the zone of the computer the operator uses.

/** A day (YYYY-MM-DD) `days` later, counted on the calendar (no clock, no zone). */
function dayAfter(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

/** The instant a day starts in `zone`; `days` later for "until the end of it". */
export function startOfDay(day: string, zone: string | undefined, days = 0): string {
  return zonedInputToUtc(`${dayAfter(day, days)}T00:00`, zone)!;
}

/** The day an instant falls on in `zone`. */
export function dayOf(iso: string, zone: string | undefined): string {
  return utcToZonedInput(iso, zone).slice(0, 10);
}

/** The last valid day of a validity that ends at `until` (its end is the start of the next day). */
export function lastDayOf(until: string, zone: string | undefined): string {
  return dayOf(new Date(Date.parse(until) - 1).toISOString(), zone);
}
