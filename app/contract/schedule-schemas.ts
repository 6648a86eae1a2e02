import { z } from 'zod';

/** Weekdays, Monday first, then the special day types a calendar can give a date. */
export const DAY_TYPES = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'holiday',
  'special1',
  'special2',
  'special3',
] as const;
/** A day type: a weekday, or a special type from the calendar. */
export type DayType = (typeof DAY_TYPES)[number];
/** The types a calendar can give a date (they override its weekday). */
export const SPECIAL_DAY_TYPES = ['holiday', 'special1', 'special2', 'special3'] as const;
/** A special day type. */
export type SpecialDayType = (typeof SPECIAL_DAY_TYPES)[number];

/** Salto's limit, which we keep so a timetable fits the same lock memory: 8 intervals per day type. */
export const MAX_INTERVALS_PER_DAY = 8;
/** Time periods a site may define (Salto: 1,024). */
export const MAX_TIME_PERIODS = 1024;

const MINUTES_PER_DAY = 1440;

/** Minutes of the day, [start, end): 08:00–17:30 is { start: 480, end: 1050 }. */
export const Interval = z
  .strictObject({
    start: z
      .number()
      .int()
      .min(0)
      .max(MINUTES_PER_DAY - 1),
    end: z.number().int().min(1).max(MINUTES_PER_DAY),
  })
  .refine((i) => i.start < i.end, {
    message: 'must end after it starts (split an interval that crosses midnight into two days)',
    path: ['end'],
  });
/** A span of one day, in minutes. */
export type Interval = z.infer<typeof Interval>;

/** The intervals of one day type: at most 8, in order, not overlapping. */
export const DayIntervals = z
  .array(Interval)
  .max(MAX_INTERVALS_PER_DAY, `at most ${MAX_INTERVALS_PER_DAY} intervals a day`)
  .superRefine((list, ctx) => {
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.start < prev.end)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'start'],
          message:
            cur.start < prev.start
              ? 'intervals must be in order of start time'
              : `overlaps the interval before it (which ends at minute ${prev.end})`,
        });
    }
  });

/** A weekly schedule with the special day types: when, on each kind of day, access is allowed. */
export const TimePeriodRules = z.strictObject(
  Object.fromEntries(DAY_TYPES.map((d) => [d, DayIntervals.default([])])) as Record<
    DayType,
    z.ZodDefault<typeof DayIntervals>
  >,
);
/** The rules of a time period, per day type. */
export type TimePeriodRules = z.output<typeof TimePeriodRules>;

/** A calendar: dates that do not follow their weekday (holidays, special days). */
export const CalendarDays = z
  .array(
    z.strictObject({
      date: z.iso.date(),
      type: z.enum(SPECIAL_DAY_TYPES),
    }),
  )
  .max(3660)
  .superRefine((days, ctx) => {
    const seen = new Map<string, number>();
    days.forEach((d, i) => {
      const first = seen.get(d.date);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'date'],
          message: `${d.date} is already listed (entry ${first + 1})`,
        });
      else seen.set(d.date, i);
    });
  });
