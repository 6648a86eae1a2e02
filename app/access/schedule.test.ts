import { describe, expect, it } from 'vitest';
import { compileZone, dayOf, toLocal } from './local-time.js';
import { CalendarDays, TimePeriodRules, compileCalendar, dayTypeOf, periodAllows } from './schedule.js';

const at = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
const span = (a: string, b: string) => ({ start: at(a), end: at(b) });
const madrid = compileZone('Europe/Madrid', 2026, 2026);
const local = (iso: string) => toLocal(madrid, Date.parse(iso) / 1000);

function issues(r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
  return (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('time period rules', () => {
  it('accepts up to eight ordered intervals per day type and fills missing days with none', () => {
    const r = TimePeriodRules.parse({
      mon: [span('08:00', '12:00'), span('13:00', '17:30')],
      holiday: [span('10:00', '11:00')],
    });
    expect(r.mon).toHaveLength(2);
    expect(r.sun).toEqual([]);
    const eight = Array.from({ length: 8 }, (_, i) => ({ start: i * 60, end: i * 60 + 30 }));
    expect(TimePeriodRules.safeParse({ tue: eight }).success).toBe(true);
  });

  it('names the field and the reason for inverted, overlapping, unordered and too many intervals', () => {
    expect(issues(TimePeriodRules.safeParse({ mon: [span('22:00', '06:00')] }))).toEqual([
      'mon.0.end: must end after it starts (split an interval that crosses midnight into two days)',
    ]);
    expect(
      issues(TimePeriodRules.safeParse({ wed: [span('08:00', '12:00'), span('11:00', '13:00')] })),
    ).toEqual(['wed.1.start: overlaps the interval before it (which ends at minute 720)']);
    expect(
      issues(TimePeriodRules.safeParse({ wed: [span('13:00', '14:00'), span('08:00', '09:00')] })),
    ).toEqual(['wed.1.start: intervals must be in order of start time']);
    const nine = Array.from({ length: 9 }, (_, i) => ({ start: i * 60, end: i * 60 + 30 }));
    expect(issues(TimePeriodRules.safeParse({ fri: nine }))).toEqual(['fri: at most 8 intervals a day']);
    expect(TimePeriodRules.safeParse({ funday: [] }).success).toBe(false);
    expect(issues(TimePeriodRules.safeParse({ mon: [{ start: 0, end: 1441 }] }))[0]).toMatch(/^mon\.0\.end/);
  });
});

describe('calendars', () => {
  it('refuses a date listed twice and a date that does not exist', () => {
    expect(
      issues(
        CalendarDays.safeParse([
          { date: '2026-12-25', type: 'holiday' },
          { date: '2026-12-25', type: 'special1' },
        ]),
      ),
    ).toEqual(['1.date: 2026-12-25 is already listed (entry 1)']);
    expect(CalendarDays.safeParse([{ date: '2026-02-30', type: 'holiday' }]).success).toBe(false);
  });

  it('gives a listed date its special type instead of its weekday', () => {
    const calendar = compileCalendar([{ date: '2026-12-25', type: 'holiday' }]);
    expect(dayTypeOf(calendar, local('2026-12-25T12:00:00Z'))).toBe('holiday'); // a Friday
    expect(dayTypeOf(calendar, local('2026-12-24T12:00:00Z'))).toBe('thu');
    expect(dayOf('2026-12-25')).toBe(local('2026-12-25T12:00:00Z').day);
  });

  it('allows by the special day’s intervals on that date, by the weekday’s otherwise', () => {
    const rules = TimePeriodRules.parse({ fri: [span('08:00', '18:00')], holiday: [span('10:00', '12:00')] });
    const calendar = compileCalendar([{ date: '2026-12-25', type: 'holiday' }]);
    // 09:00 local (CET, UTC+1) on a holiday Friday: outside the holiday's hours.
    expect(periodAllows(rules, calendar, local('2026-12-25T08:00:00Z'))).toBe(false);
    expect(periodAllows(rules, calendar, local('2026-12-25T10:30:00Z'))).toBe(true);
    expect(periodAllows(rules, calendar, local('2026-12-18T08:00:00Z'))).toBe(true);
    // Ends are exclusive, to the minute: 18:00 local is out, 17:59:59 in.
    expect(periodAllows(rules, calendar, local('2026-12-18T17:00:00Z'))).toBe(false);
    expect(periodAllows(rules, calendar, local('2026-12-18T16:59:59Z'))).toBe(true);
  });
});
