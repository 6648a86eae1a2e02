import '../../zod-config.js';
import { z } from 'zod';
import type { ParamIssue } from '../../../../app/contract/errors.js';
import { scheduleMethods } from '../../../../app/contract/methods/schedules.js';
import {
  CalendarDays,
  DAY_TYPES,
  DayIntervals,
  SPECIAL_DAY_TYPES,
  type DayType,
} from '../../../../app/contract/schedule-schemas.js';
import { DisplayName } from '../../../../app/contract/schemas.js';
import { isRpcError } from '../../error-text.js';
import { sentence } from '../../format.js';
import type { schedules } from '../../i18n/schedules.js';
import { hhmm } from '../../time-text.js';
import { checkDay, MAX_INTERVALS, toIntervals, type IntervalText, type Problem } from './week.js';

// The forms' zod schemas: the contract's own rules, with what a form needs on top (times as typed,
// problems worded for the operator), and the way back from the service's per-field refusals.

/** A message of the schedules namespace's `errors`. */
export type ErrorKey = keyof (typeof schedules)['en']['errors'];
/** What fills a message's slots; `day` is a day type, put in words when shown. */
export type ErrorParams = Record<string, string | number>;

const SAID = 'i18n:';

/**
 * A form problem as a zod issue message: the key of its words and their slots, put in the operator's
 * language when shown ({@link heard}). Anything else in a field's error is shown as it is (the
 * service's own words).
 */
export function said(key: ErrorKey, params: ErrorParams = {}): string {
  return SAID + JSON.stringify([key, params]);
}

/** The key and slots of a message made by {@link said}; undefined for any other text. */
export function heard(message: string | undefined): [ErrorKey, ErrorParams] | undefined {
  if (!message?.startsWith(SAID)) return undefined;
  try {
    return JSON.parse(message.slice(SAID.length)) as [ErrorKey, ErrorParams];
  } catch {
    return undefined;
  }
}

/**
 * A contract schema for a typed string, its refusals in the form's words: each issue's code picks the
 * message, so the rule stays the contract's and only the wording is the console's.
 */
function inWords<S extends z.ZodType<unknown, string>>(
  schema: S,
  keys: Partial<Record<string, ErrorKey>>,
  fallback: ErrorKey = 'invalid',
) {
  return z.string().transform((value, ctx): z.output<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: said(keys[issue.code] ?? fallback) });
    return z.NEVER;
  });
}

/** A name, as the contract's DisplayName checks it. */
const Name = inWords(DisplayName, {
  too_small: 'nameEmpty',
  too_big: 'nameLong',
  custom: 'nameControl',
});

/** A description, as the contract checks it. */
const Description = inWords(scheduleMethods['timePeriods.update'].params.shape.description.unwrap(), {
  too_big: 'descriptionLong',
});

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

/** The refusals of an INVALID_PARAMS answer: those a form field claims, and the rest. */
export interface PlacedIssues {
  /** The form field (its longest path that contains the issue's) and the service's words. */
  fields: [field: string, message: string][];
  rest: ParamIssue[];
}

/**
 * Places the issues of an INVALID_PARAMS answer on the form's fields, by their dotted path: an issue
 * goes to the longest field path that is it or contains it (`rules.mon.1` to `rules.mon`), one per
 * field. Undefined for any other error.
 */
export function placeIssues(err: unknown, fields: readonly string[]): PlacedIssues | undefined {
  if (!isRpcError(err, 'INVALID_PARAMS')) return undefined;
  const byLength = [...fields].sort((a, b) => b.length - a.length);
  const placed = new Map<string, string>();
  const rest: ParamIssue[] = [];
  for (const issue of (err.data.issues ?? []) as ParamIssue[]) {
    const field = byLength.find((f) => issue.path === f || issue.path.startsWith(`${f}.`));
    if (!field) rest.push(issue);
    else if (!placed.has(field)) placed.set(field, issue.message);
  }
  return { fields: [...placed], rest };
}

/** A service message as a sentence beside a field: capitalised, ending in a full stop. */
export function asSentence(message: string): string {
  const text = message.trim();
  return sentence(text.charAt(0).toUpperCase() + text.slice(1));
}
