import { dayOf, type LocalTime } from './local-time.js';
import {
  DAY_TYPES,
  type DayType,
  type SpecialDayType,
  type TimePeriodRules,
} from '../contract/schedule-schemas.js';

export * from '../contract/schedule-schemas.js';

/** A compiled calendar: local day number → special day type. */
export type Calendar = ReadonlyMap<number, SpecialDayType>;

/** Compiles a validated list of calendar days. */
export function compileCalendar(days: readonly { date: string; type: SpecialDayType }[]): Calendar {
  return new Map(days.map((d) => [dayOf(d.date), d.type]));
}

const WEEKDAYS: readonly DayType[] = DAY_TYPES.slice(0, 7);

/** The day type of a local day: the calendar's, else its weekday. */
export function dayTypeOf(calendar: Calendar, local: LocalTime): DayType {
  return calendar.get(local.day) ?? WEEKDAYS[local.weekday]!;
}

/** Whether a time period allows a local moment (intervals are minute-aligned, ends exclusive). */
export function periodAllows(rules: TimePeriodRules, calendar: Calendar, local: LocalTime): boolean {
  const minute = Math.floor(local.second / 60);
  // A day type left out of stored rules (written by an older version or by hand) allows nothing.
  for (const i of rules[dayTypeOf(calendar, local)] ?? [])
    if (minute >= i.start && minute < i.end) return true;
  return false;
}
