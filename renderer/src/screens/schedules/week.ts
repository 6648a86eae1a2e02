import '../../zod-config.js';
import {
  DAY_TYPES,
  MAX_INTERVALS_PER_DAY,
  type DayType,
  type TimePeriodRules,
} from '../../../../app/contract/schedule-schemas.js';
import { hhmm } from '../../time-text.js';

// The weekly editor's arithmetic, free of React: times as typed and as minutes, where a minute sits on
// a row of the grid, snapping, what is wrong with a day's intervals, and the edits a pointer makes.

/** Minutes in a day: the grid's width, and 24:00 (the only end a start cannot be). */
export const MINUTES_PER_DAY = 1440;
/** Intervals a day type may hold (the contract's limit). */
export const MAX_INTERVALS = MAX_INTERVALS_PER_DAY;
/** Where a pointer drag snaps, in minutes, and with Shift held. */
export const SNAP = { normal: 15, fine: 5 } as const;
/** A click on a free part of a row adds an interval this long (cut short by the next one). */
export const CLICK_LENGTH = 60;
/** The weekdays, Monday first (the rows a summary joins into ranges). */
export const WEEKDAYS = DAY_TYPES.slice(0, 7);

/** One interval as the form holds it: times as typed. */
export interface IntervalText {
  start: string;
  end: string;
}

/** One interval in minutes of the day, [start, end), as the contract has it. */
export interface Interval {
  start: number;
  end: number;
}

/** Why a typed time is not one. */
export type TimeProblem = 'format' | 'range' | 'seconds';

/** A typed time, read: its minutes or what is wrong with it. */
export type ParsedTime = { ok: true; minutes: number } | { ok: false; problem: TimeProblem };

/**
 * Reads "8:30", "08:30" or "08:30:00" as minutes of the day. The contract counts whole minutes, so
 * seconds other than :00 are refused rather than rounded; 24:00 exists only as an end.
 */
export function parseTime(text: string, isEnd: boolean): ParsedTime {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return { ok: false, problem: 'format' };
  const [h, min, sec] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
  if (min > 59 || sec > 59 || h > 24) return { ok: false, problem: 'range' };
  if (sec !== 0) return { ok: false, problem: 'seconds' };
  if (h === 24)
    return isEnd && min === 0 ? { ok: true, minutes: MINUTES_PER_DAY } : { ok: false, problem: 'range' };
  return { ok: true, minutes: h * 60 + min };
}

/** An interval as the form shows it. */
export function textOf(interval: Interval): IntervalText {
  return { start: hhmm(interval.start), end: hhmm(interval.end) };
}

/** A typed interval in minutes; undefined unless both times read and it ends after it starts. */
export function intervalOf(row: IntervalText): Interval | undefined {
  const start = parseTime(row.start, false);
  const end = parseTime(row.end, true);
  return start.ok && end.ok && start.minutes < end.minutes
    ? { start: start.minutes, end: end.minutes }
    : undefined;
}

/** What is wrong with one time of an interval. */
export type Problem =
  | { code: TimeProblem; text: string }
  | { code: 'inverted' }
  /** It starts before an earlier-starting interval ends (`end`). */
  | { code: 'overlap'; end: number };

/** What is wrong with a day's intervals: per row and time, and whether it holds too many. */
export interface DayCheck {
  rows: { start?: Problem; end?: Problem }[];
  tooMany: boolean;
}

/**
 * Checks a day's intervals as typed, in whatever order they are: each time must read, each interval
 * end after it starts, and none start before an earlier-starting one ends (the later one is at
 * fault, as the contract says once they are in order); at most {@link MAX_INTERVALS}.
 */
export function checkDay(rows: readonly IntervalText[]): DayCheck {
  const found: DayCheck['rows'] = rows.map(() => ({}));
  const whole: { index: number; interval: Interval }[] = [];
  rows.forEach((row, index) => {
    const start = parseTime(row.start, false);
    const end = parseTime(row.end, true);
    const problems = found[index]!;
    if (!start.ok) problems.start = { code: start.problem, text: row.start.trim() };
    if (!end.ok) problems.end = { code: end.problem, text: row.end.trim() };
    if (start.ok && end.ok) {
      if (end.minutes <= start.minutes) problems.end = { code: 'inverted' };
      else whole.push({ index, interval: { start: start.minutes, end: end.minutes } });
    }
  });
  whole.sort((a, b) => a.interval.start - b.interval.start || a.index - b.index);
  let reach = -1;
  for (const { index, interval } of whole) {
    if (interval.start < reach) found[index]!.start = { code: 'overlap', end: reach };
    reach = Math.max(reach, interval.end);
  }
  return { rows: found, tooMany: rows.length > MAX_INTERVALS };
}

/** Whether a day's check found nothing wrong. */
export function isClean(check: DayCheck): boolean {
  return !check.tooMany && check.rows.every((r) => !r.start && !r.end);
}

/** The place a row takes when a day is put in order: by start, rows whose start does not read last. */
function startKey(row: IntervalText): number {
  const start = parseTime(row.start, false);
  return start.ok ? start.minutes : Number.POSITIVE_INFINITY;
}

/** A day's rows in order of start (stable; rows whose start does not read go last). */
export function sortRows<T extends IntervalText>(rows: readonly T[]): T[] {
  return rows
    .map((row, i) => ({ row, i, key: startKey(row) }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.row);
}

/** Whether a day's rows are already in order of start. */
export function isSorted(rows: readonly IntervalText[]): boolean {
  return rows.every((row, i) => i === 0 || startKey(rows[i - 1]!) <= startKey(row));
}

/** Where a new interval goes in a day's rows so that they stay in order. */
export function insertionIndex(rows: readonly IntervalText[], interval: Interval): number {
  const at = rows.findIndex((row) => startKey(row) > interval.start);
  return at === -1 ? rows.length : at;
}

/** A clean day's rows as the contract wants them: minutes, in order of start. */
export function toIntervals(rows: readonly IntervalText[]): Interval[] {
  return sortRows(rows)
    .map(intervalOf)
    .filter((i): i is Interval => i !== undefined);
}

// ---- The grid: time ↔ position, snapping.

/** Where a minute sits across a row, in percent of its width. */
export function percentOf(minutes: number): number {
  return (minutes / MINUTES_PER_DAY) * 100;
}

/** The minute under a point `x` pixels from the left of a row `width` pixels wide (clamped to the day). */
export function minuteAt(x: number, width: number): number {
  if (width <= 0) return 0;
  return clamp(Math.round((x / width) * MINUTES_PER_DAY), 0, MINUTES_PER_DAY);
}

/** A minute on the nearest multiple of `step` (kept within the day). */
export function snap(minutes: number, step: number): number {
  return clamp(Math.round(minutes / step) * step, 0, MINUTES_PER_DAY);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

// ---- What a pointer does to a row. `intervals` are a day's rows read (undefined where a row does not
// read as an interval), so that an index names the same row as in the form.

/** A free stretch of a day, [from, to]. */
export interface Gap {
  from: number;
  to: number;
}

/**
 * The free stretch of a day around a minute: from the end of the interval before it to the start of
 * the one after it. Undefined when the minute lies inside an interval (its end excluded).
 */
export function gapAt(
  intervals: readonly (Interval | undefined)[],
  minute: number,
  skip?: number,
): Gap | undefined {
  let from = 0;
  let to = MINUTES_PER_DAY;
  for (const [i, iv] of intervals.entries()) {
    if (!iv || i === skip) continue;
    if (iv.start <= minute && minute < iv.end) return undefined;
    if (iv.end <= minute) from = Math.max(from, iv.end);
    if (iv.start > minute) to = Math.min(to, iv.start);
  }
  return { from, to };
}

/**
 * The interval a drag across a free part of a row makes, from where it was pressed (`anchor`) to where
 * the pointer is: both ends snapped, and kept inside the free stretch it began in, so a drag never
 * makes an overlap. Undefined when it is pressed on an interval or spans nothing yet.
 */
export function dragSpan(
  intervals: readonly (Interval | undefined)[],
  anchor: number,
  current: number,
  step: number,
): Interval | undefined {
  const gap = gapAt(intervals, anchor);
  if (!gap) return undefined;
  const a = clamp(snap(anchor, step), gap.from, gap.to);
  const b = clamp(snap(current, step), gap.from, gap.to);
  return a === b ? undefined : { start: Math.min(a, b), end: Math.max(a, b) };
}

/**
 * The interval a click on a free part of a row makes: {@link CLICK_LENGTH} from the step before the
 * click, cut short by the next interval. Undefined on an interval or where no room is left.
 */
export function clickSpan(
  intervals: readonly (Interval | undefined)[],
  minute: number,
  step: number,
): Interval | undefined {
  const gap = gapAt(intervals, minute);
  if (!gap) return undefined;
  const start = clamp(Math.floor(minute / step) * step, gap.from, gap.to);
  const end = Math.min(start + CLICK_LENGTH, gap.to);
  return end > start ? { start, end } : undefined;
}

/** The room an interval may take without touching its neighbours: from the end before to the start after. */
function roomOf(intervals: readonly (Interval | undefined)[], index: number): Gap {
  const own = intervals[index]!;
  let from = 0;
  let to = MINUTES_PER_DAY;
  for (const [i, iv] of intervals.entries()) {
    if (!iv || i === index) continue;
    if (iv.end <= own.start) from = Math.max(from, iv.end);
    if (iv.start >= own.end) to = Math.min(to, iv.start);
  }
  return { from, to };
}

/**
 * One end of an interval dragged to a minute: snapped, at least a step long (or what room there is),
 * and not past its neighbours.
 */
export function resizeSpan(
  intervals: readonly (Interval | undefined)[],
  index: number,
  edge: 'start' | 'end',
  minute: number,
  step: number,
): Interval | undefined {
  const own = intervals[index];
  if (!own) return undefined;
  const room = roomOf(intervals, index);
  const m = snap(minute, step);
  if (edge === 'end') {
    const least = Math.min(own.start + step, room.to);
    return { start: own.start, end: clamp(m, least, room.to) };
  }
  const most = Math.max(own.end - step, room.from);
  return { start: clamp(m, room.from, most), end: own.end };
}

/**
 * An interval moved by `delta` minutes: same length, its start snapped, and stopped by its neighbours.
 */
export function moveSpan(
  intervals: readonly (Interval | undefined)[],
  index: number,
  delta: number,
  step: number,
): Interval | undefined {
  const own = intervals[index];
  if (!own) return undefined;
  const room = roomOf(intervals, index);
  const length = own.end - own.start;
  if (room.to - room.from < length) return own;
  const start = clamp(snap(own.start + delta, step), room.from, room.to - length);
  return { start, end: start + length };
}

// ---- Whole days.

/** A day's intervals copied to other days, replacing what they had; the other days stay as they were. */
export function copyDay<T>(
  rules: Readonly<Record<DayType, readonly T[]>>,
  from: DayType,
  to: readonly DayType[],
) {
  const next = { ...rules } as Record<DayType, T[]>;
  for (const day of to) if (day !== from) next[day] = rules[from].map((row) => ({ ...row }));
  return next;
}

/** The weekdays other than `day` (Tuesday to Friday for Monday): where office hours are copied. */
export function otherWeekdays(day: DayType): DayType[] {
  return DAY_TYPES.slice(0, 5).filter((d) => d !== day);
}

/** Every day type but `day`. */
export function otherDays(day: DayType): DayType[] {
  return DAY_TYPES.filter((d) => d !== day);
}

/** Day types that share the same intervals: a run of weekdays, or one special day type. */
export interface DayGroup {
  days: DayType[];
  intervals: Interval[];
}

/**
 * A time period's rules in short, for a list: the days with intervals, consecutive weekdays with the
 * same intervals joined (Monday to Friday), then each special day type. Empty: never.
 */
export function summarize(rules: TimePeriodRules): DayGroup[] {
  const same = (a: readonly Interval[], b: readonly Interval[]) =>
    a.length === b.length && a.every((x, i) => x.start === b[i]!.start && x.end === b[i]!.end);
  const groups: DayGroup[] = [];
  for (const day of DAY_TYPES) {
    const intervals = rules[day];
    if (!intervals.length) continue;
    const last = groups.at(-1);
    const prevDay = DAY_TYPES[DAY_TYPES.indexOf(day) - 1];
    const joins =
      last &&
      WEEKDAYS.includes(day) &&
      prevDay !== undefined &&
      last.days.at(-1) === prevDay &&
      same(last.intervals, intervals);
    if (joins) last.days.push(day);
    else groups.push({ days: [day], intervals: [...intervals] });
  }
  return groups;
}
