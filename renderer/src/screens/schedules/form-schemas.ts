import '../../zod-config.js';
import { z } from 'zod';
import {
  CalendarDays,
  DAY_TYPES,
  DayIntervals,
  SPECIAL_DAY_TYPES,
  type DayType,
} from '../../../../app/contract/schedule-schemas.js';
import { Description, Name, said } from '../../forms/form-words.js';
import { hhmm } from '../../time-text.js';
import { checkDay, MAX_INTERVALS, toIntervals, type IntervalText, type Problem } from './week.js';

// The schedules forms' zod schemas: the contract's own rules, with what a form needs on top (times as
// typed, problems worded for the operator under the schedules namespace's `errors`).

/** The words of a problem with one time of an interval. */
function problemText(problem: Problem, which: 'start' | 'end', day: DayType): string {
  switch (problem.code) {
    case 'format':
      return said(which === 'start' ? 'startFormat' : 'endFormat');
    case 'range':
      return said('range', { time: problem.text });
    case 'seconds':
      return said('seconds', { time: problem.text.slice(0, 5) });
    case 'inverted':
      return said('inverted');
    case 'overlap':
      return said('overlap', { day, end: hhmm(problem.end) });
  }
}

/**
 * One day type's intervals as typed: each problem beside its time, then minutes in order of start,
 * and last the contract's own check (which the checks above make sure passes).
 */
function dayIntervals(day: DayType) {
  return z
    .array(z.object({ start: z.string(), end: z.string() }))
    .superRefine((rows, ctx) => {
      const check = checkDay(rows);
      if (check.tooMany) ctx.addIssue({ code: 'custom', message: said('tooMany', { max: MAX_INTERVALS }) });
      check.rows.forEach(({ start, end }, i) => {
        if (start)
          ctx.addIssue({ code: 'custom', path: [i, 'start'], message: problemText(start, 'start', day) });
        if (end) ctx.addIssue({ code: 'custom', path: [i, 'end'], message: problemText(end, 'end', day) });
      });
    })
    .transform(toIntervals)
    .pipe(DayIntervals);
}

/** The time period form: name, description and, per day type, intervals as typed. */
export const TimePeriodForm = z.object({
  name: Name,
  description: Description,
  rules: z.object(
    Object.fromEntries(DAY_TYPES.map((d) => [d, dayIntervals(d)])) as Record<
      DayType,
      ReturnType<typeof dayIntervals>
    >,
  ),
});
/** What the time period form holds. */
export type TimePeriodFormInput = z.input<typeof TimePeriodForm>;
/** What it sends: the params of timePeriods.create (and, with id and version, of update). */
export type TimePeriodFormOutput = z.output<typeof TimePeriodForm>;

/** The calendar form: name and special days (an ISO date and a special day type each). */
export const CalendarForm = z.object({
  name: Name,
  days: z
    .array(z.object({ date: z.string(), type: z.enum(SPECIAL_DAY_TYPES) }))
    .superRefine((days, ctx) => {
      const seen = new Set<string>();
      days.forEach((d, i) => {
        if (!z.iso.date().safeParse(d.date).success)
          ctx.addIssue({ code: 'custom', path: [i, 'date'], message: said('dateMissing') });
        else if (seen.has(d.date))
          ctx.addIssue({ code: 'custom', path: [i, 'date'], message: said('dateTwice', { date: d.date }) });
        seen.add(d.date);
      });
    })
    .pipe(CalendarDays),
});
/** What the calendar form holds. */
export type CalendarFormInput = z.input<typeof CalendarForm>;
/** What it sends. */
export type CalendarFormOutput = z.output<typeof CalendarForm>;

/** A calendar's days in date order (stable), days without a date last. */
export function sortDays<T extends { date: string }>(days: readonly T[]): T[] {
  const key = (d: T) => d.date || '\uffff';
  return days
    .map((day, i) => ({ day, i }))
    .sort((a, b) => (key(a.day) < key(b.day) ? -1 : key(a.day) > key(b.day) ? 1 : a.i - b.i))
    .map((x) => x.day);
}

/** The empty rules of a new time period, as the form holds them. */
export function emptyRules(): Record<DayType, IntervalText[]> {
  return Object.fromEntries(DAY_TYPES.map((d) => [d, []])) as unknown as Record<DayType, IntervalText[]>;
}
