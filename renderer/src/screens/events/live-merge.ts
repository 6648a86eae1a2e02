import type { ParamsOf } from '../../../../app/contract/index.js';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';

/** The filters of the events list as sent (paging aside): what a live event must match to show. */
export type EventFilter = Omit<ParamsOf<'events.list'>, 'before' | 'limit'>;

/** Whether an event is one `filter` selects, exactly as events.list would decide. */
export function matchesFilter(e: AccessEvent, filter: EventFilter): boolean {
  if (filter.kinds?.length && !filter.kinds.includes(e.kind)) return false;
  if (filter.doorId !== undefined && e.doorId !== filter.doorId) return false;
  if (filter.userId !== undefined && e.userId !== filter.userId) return false;
  if (filter.credentialId !== undefined && e.credentialId !== filter.credentialId) return false;
  if (filter.reason !== undefined && e.reason !== filter.reason) return false;
  const at = Date.parse(e.at);
  if (filter.from !== undefined && at < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && at >= Date.parse(filter.to)) return false;
  return true;
}

/** Newest first by event time, then newest stored first: the order of events.list. */
export function newestFirst(a: AccessEvent, b: AccessEvent): number {
  return Date.parse(b.at) - Date.parse(a.at) || b.id - a.id;
}

/** Whether new events can still match: the range is open-ended or ends in the future. */
export function canGoLive(filter: EventFilter, now = Date.now()): boolean {
  return filter.to === undefined || Date.parse(filter.to) > now;
}

/**
 * What the list shows: the pages read so far, and the events that arrived live and match the filter,
 * each once, newest first. A live event older than everything read while older pages remain is left
 * to those pages (a late report from an offline lock), so the list never has a hole in it. `fresh`
 * are the ids shown only because they arrived live (for highlighting).
 */
export function mergeLive(
  pages: readonly AccessEvent[],
  live: readonly AccessEvent[],
  filter: EventFilter,
  morePages: boolean,
): { events: AccessEvent[]; fresh: ReadonlySet<number> } {
  const seen = new Set(pages.map((e) => e.id));
  const oldest = pages.at(-1);
  const fresh = new Set<number>();
  const added: AccessEvent[] = [];
  for (const e of live) {
    if (seen.has(e.id) || !matchesFilter(e, filter)) continue;
    if (morePages && oldest && newestFirst(e, oldest) > 0) continue;
    seen.add(e.id);
    fresh.add(e.id);
    added.push(e);
  }
  if (added.length === 0) return { events: [...pages], fresh };
  return { events: [...added, ...pages].sort(newestFirst), fresh };
}

/** The most live events kept in memory; older ones are in the pages anyway once read again. */
export const LIVE_BUFFER = 1_000;

/** Adds newly arrived events to the buffer: each id once, the newest {@link LIVE_BUFFER} kept. */
export function remember(buffer: readonly AccessEvent[], arrived: readonly AccessEvent[]): AccessEvent[] {
  const ids = new Set(buffer.map((e) => e.id));
  const next = [...buffer];
  for (const e of arrived) {
    if (ids.has(e.id)) continue;
    ids.add(e.id);
    next.push(e);
  }
  return next.length > LIVE_BUFFER ? next.slice(next.length - LIVE_BUFFER) : next;
}
