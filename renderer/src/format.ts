/** A wait as people say it: "1 second", "40 seconds", "3 minutes" ("a moment" when unknown). */
export function formatWait(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'a moment';
  if (seconds <= 1) return '1 second';
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A service timestamp in the console's local time; a dash for never. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** Ends a server message as a sentence, so it can be followed by advice. */
export function sentence(text: string): string {
  const t = text.trim();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** Whole positive ids from a comma- or space-separated list; undefined when something else was typed. */
export function parseIdList(text: string): number[] | undefined {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ids = parts.map(Number);
  return ids.every((n) => Number.isInteger(n) && n > 0) ? [...new Set(ids)] : undefined;
}

/** A count and its noun: "1 role", "3 roles", "2 entries". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
