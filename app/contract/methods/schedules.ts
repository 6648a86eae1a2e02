import { z } from 'zod';
import { method, needs } from '../method.js';
import { CalendarDays, TimePeriodRules } from '../schedule-schemas.js';
import { Description, DisplayName, Timestamp, Version, listQuery, page } from '../schemas.js';

const Id = z.number().int().positive();

/** A time period: a weekly schedule with special day types, referred to by access levels and doors. */
export const TimePeriod = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  rules: TimePeriodRules,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** A time period. */
export type TimePeriod = z.infer<typeof TimePeriod>;

/** A calendar: holidays and special days that override their weekday. */
export const Calendar = z.object({
  id: Id,
  name: z.string(),
  days: CalendarDays,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** A calendar. */
export type Calendar = z.infer<typeof Calendar>;

const officeHours = {
  mon: [{ start: 480, end: 1080 }],
  tue: [{ start: 480, end: 1080 }],
  wed: [{ start: 480, end: 1080 }],
  thu: [{ start: 480, end: 1080 }],
  fri: [{ start: 480, end: 900 }],
};

/** Time periods and calendars, the schedules access levels and doors refer to. */
export const scheduleMethods = {
  'timePeriods.list': method({
    summary: 'Lists time periods, with search, sorting and paging.',
    params: listQuery(['name', 'id', 'updatedAt']),
    result: page(TimePeriod),
    access: needs('doors:read'),
    effect: 'read',
    example: { search: 'office', limit: 20 },
  }),
  'timePeriods.get': method({
    summary: 'Returns one time period.',
    params: z.strictObject({ id: Id }),
    result: TimePeriod,
    access: needs('doors:read'),
    effect: 'read',
    example: { id: 1 },
  }),
  'timePeriods.create': method({
    summary: 'Creates a time period (at most 1,024 per site; at most 8 intervals per day type).',
    params: z.strictObject({
      name: DisplayName,
      description: Description.default(''),
      rules: TimePeriodRules,
    }),
    result: TimePeriod,
    access: needs('doors:write'),
    effect: 'write',
    example: { name: 'Office hours', rules: officeHours },
  }),
  'timePeriods.update': method({
    summary: 'Changes a time period; fails with CONFLICT on a stale version.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      description: Description.optional(),
      rules: TimePeriodRules.optional(),
    }),
    result: TimePeriod,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0, rules: { ...officeHours, sat: [{ start: 540, end: 780 }] } },
  }),
  'timePeriods.delete': method({
    summary: 'Deletes a time period; fails with CONFLICT on a stale version.',
    params: z.strictObject({ id: Id, version: Version }),
    result: z.object({ deleted: z.literal(true) }),
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0 },
  }),
  'calendars.list': method({
    summary: 'Lists calendars with their special days.',
    params: listQuery(['name', 'id', 'updatedAt']),
    result: page(Calendar),
    access: needs('doors:read'),
    effect: 'read',
    example: {},
  }),
  'calendars.create': method({
    summary: 'Creates a calendar of holidays and special days.',
    params: z.strictObject({ name: DisplayName, days: CalendarDays.default([]) }),
    result: Calendar,
    access: needs('doors:write'),
    effect: 'write',
    example: {
      name: 'Madrid 2027',
      days: [
        { date: '2027-01-01', type: 'holiday' },
        { date: '2027-05-15', type: 'special1' },
      ],
    },
  }),
  'calendars.update': method({
    summary: 'Renames a calendar or replaces its days; fails with CONFLICT on a stale version.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      days: CalendarDays.optional(),
    }),
    result: Calendar,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0, days: [{ date: '2027-12-25', type: 'holiday' }] },
  }),
  'calendars.delete': method({
    summary: 'Deletes a calendar (not the site calendar); fails with CONFLICT on a stale version.',
    params: z.strictObject({ id: Id, version: Version }),
    result: z.object({ deleted: z.literal(true) }),
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 2, version: 0 },
  }),
};
