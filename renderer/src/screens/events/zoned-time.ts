import { useMemo } from 'react';
import { useT } from '../../i18n/i18n.js';

/**
 * Times of the events screens in the site's time zone: a door opens by the site's clock whatever the
 * zone of the computer looking at it. Without the site (not read yet, or no site:read) the computer's
 * zone stands in.
 */

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in `zone`. */
function wallOf(ms: number, zone: string | undefined): Record<string, number> {
  const key = zone ?? '';
  let f = partsFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(zone ? { timeZone: zone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(key, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** How far `zone`'s wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetMs(ms: number, zone: string | undefined): number {
  const w = wallOf(ms, zone);
  const wall = Date.UTC(w.year!, w.month! - 1, w.day!, w.hour! % 24, w.minute!, w.second!);
  return wall - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number) => String(n).padStart(2, '0');
const DAY_MS = 86_400_000;

/**
 * A `datetime-local` value (YYYY-MM-DDTHH:MM) read as wall time in `zone`, as the service's UTC
 * timestamp; undefined when empty or unreadable. A time that happens twice (autumn) is the first; one
 * that never happens (spring) is read with the offset before the change.
 */
export function zonedInputToUtc(local: string, zone: string | undefined): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  if (Number.isNaN(wall)) return undefined;
  // The offsets a day either side bracket at most one change: try the earlier one first.
  const before = offsetMs(wall - DAY_MS, zone);
  const after = offsetMs(wall + DAY_MS, zone);
  const early = wall - before;
  const late = wall - after;
  const ms = offsetMs(early, zone) === before ? early : offsetMs(late, zone) === after ? late : early;
  return new Date(ms).toISOString();
}

/** A UTC timestamp as a `datetime-local` value in `zone` (to show a filter that was set). */
export function utcToZonedInput(iso: string, zone: string | undefined): string {
  const w = wallOf(Date.parse(iso), zone);
  return `${w.year}-${pad(w.month!)}-${pad(w.day!)}T${pad(w.hour! % 24)}:${pad(w.minute!)}`;
}

/** Formats service timestamps in the site's time zone and the console's language; a dash for none. */
export function useZonedTime(zone: string | undefined): (iso: string | null | undefined) => string {
  const { i18n } = useT('events');
  const lang = i18n.resolvedLanguage;
  return useMemo(() => {
    const f = new Intl.DateTimeFormat(lang, {
      dateStyle: 'medium',
      timeStyle: 'medium',
      ...(zone ? { timeZone: zone } : {}),
    });
    return (iso) => {
      if (!iso) return '—';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : f.format(d);
    };
  }, [lang, zone]);
}
