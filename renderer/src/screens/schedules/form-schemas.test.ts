import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../app/contract/errors.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import { asSentence, heard, placeIssues, said } from '../../forms/form-words.js';
import {
  CalendarForm,
  TimePeriodForm,
  emptyRules,
  sortDays,
  type TimePeriodFormInput,
} from './form-schemas.js';

/** The issues of a failed parse as path → decoded message. */
function issuesOf(result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
  return Object.fromEntries(
    (result.error?.issues ?? []).map((i) => [i.path.join('.'), heard(i.message) ?? i.message]),
  );
}

const period = (patch: Partial<TimePeriodFormInput> = {}): TimePeriodFormInput => ({
  name: 'Office hours',
  description: '',
  rules: emptyRules(),
  ...patch,
});

describe('form messages', () => {
  it('carry a key and its slots, and leave any other text alone', () => {
    expect(heard(said('overlap', { day: 'mon', end: '12:00' }))).toEqual([
      'overlap',
      { day: 'mon', end: '12:00' },
    ]);
    expect(heard('must not be empty')).toBeUndefined();
    expect(heard(undefined)).toBeUndefined();
    expect(heard('i18n:{not json')).toBeUndefined();
  });

  it('turn a service message into a sentence', () => {
    expect(asSentence('overlaps the interval before it')).toBe('Overlaps the interval before it.');
    expect(asSentence('Done!')).toBe('Done!');
  });
});

describe('the time period form schema', () => {
  it('sends minutes in order of start, trimmed names and every day type', () => {
    const result = TimePeriodForm.safeParse(
      period({
        name: '  Office hours ',
        rules: {
          ...emptyRules(),
          mon: [
            { start: '13:00', end: '17:00' },
            { start: '8:00', end: '12:00' },
          ],
          sun: [{ start: '22:00', end: '24:00' }],
        },
      }),
    );
    expect(result.success).toBe(true);
    expect(result.data?.name).toBe('Office hours');
    expect(result.data?.rules.mon).toEqual([
      { start: 480, end: 720 },
      { start: 780, end: 1020 },
    ]);
    expect(result.data?.rules.sun).toEqual([{ start: 1320, end: 1440 }]);
    expect(Object.keys(result.data?.rules ?? {})).toHaveLength(11);
  });

  it("words the contract's name rules in the console's keys", () => {
    expect(issuesOf(TimePeriodForm.safeParse(period({ name: '   ' })))).toEqual({ name: ['nameEmpty', {}] });
    expect(issuesOf(TimePeriodForm.safeParse(period({ name: 'x'.repeat(101) })))).toEqual({
      name: ['nameLong', {}],
    });
    expect(issuesOf(TimePeriodForm.safeParse(period({ name: 'a\u0007b' })))).toEqual({
      name: ['nameControl', {}],
    });
    expect(issuesOf(TimePeriodForm.safeParse(period({ description: 'x'.repeat(501) })))).toEqual({
      description: ['descriptionLong', {}],
    });
  });

  it('puts each problem beside the time it concerns', () => {
    const rules = {
      ...emptyRules(),
      mon: [
        { start: '08:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
        { start: '16:30', end: '18:00' },
      ],
      tue: [
        { start: '', end: '9:00' },
        { start: '10:00', end: '09:00' },
        { start: '10:00:30', end: '25:00' },
      ],
    };
    expect(issuesOf(TimePeriodForm.safeParse(period({ rules })))).toEqual({
      'rules.mon.2.start': ['overlap', { day: 'mon', end: '17:00' }],
      'rules.tue.0.start': ['startFormat', {}],
      'rules.tue.1.end': ['inverted', {}],
      'rules.tue.2.start': ['seconds', { time: '10:00' }],
      'rules.tue.2.end': ['range', { time: '25:00' }],
    });
  });

  it('refuses a ninth interval on the day itself', () => {
    const nine = Array.from({ length: 9 }, (_, i) => ({ start: `${10 + i}:00`, end: `${10 + i}:30` }));
    expect(issuesOf(TimePeriodForm.safeParse(period({ rules: { ...emptyRules(), fri: nine } })))).toEqual({
      'rules.fri': ['tooMany', { max: 8 }],
    });
  });
});

describe('the calendar form schema', () => {
  it('sends the days as they are', () => {
    const days = [
      { date: '2027-01-01', type: 'holiday' as const },
      { date: '2027-05-15', type: 'special1' as const },
    ];
    expect(CalendarForm.safeParse({ name: 'Madrid', days }).data).toEqual({ name: 'Madrid', days });
  });

  it('puts the days in date order for saving, undated ones last', () => {
    const days = [{ date: '2027-05-01' }, { date: '' }, { date: '2027-01-01' }, { date: '2027-01-01', n: 2 }];
    expect(sortDays(days)).toEqual([days[2], days[3], days[0], days[1]]);
  });

  it('asks for a date, and refuses the same date twice on the later row', () => {
    const days = [
      { date: '2027-01-01', type: 'holiday' as const },
      { date: '', type: 'holiday' as const },
      { date: '2027-01-01', type: 'special2' as const },
    ];
    expect(issuesOf(CalendarForm.safeParse({ name: 'Madrid', days }))).toEqual({
      'days.1.date': ['dateMissing', {}],
      'days.2.date': ['dateTwice', { date: '2027-01-01' }],
    });
  });
});

describe("the service's refusals", () => {
  const refusal = (issues: { path: string; message: string }[]) =>
    new RpcCallError(ErrorCode.INVALID_PARAMS, 'Invalid params', { name: 'INVALID_PARAMS', issues });

  it('land on the longest field path that holds them, one per field; the rest are kept', () => {
    const fields = ['name', 'rules.mon', 'rules.mon.0.start', 'rules.mon.0.end', 'rules.mon.1.start'];
    const placed = placeIssues(
      refusal([
        { path: 'rules.mon.1.start', message: 'overlaps the interval before it' },
        { path: 'rules.mon.1.start', message: 'a second complaint' },
        { path: 'rules.mon.3', message: 'unknown interval' },
        { path: 'name', message: 'must not be empty' },
        { path: 'colour', message: 'unrecognized key' },
      ]),
      fields,
    );
    expect(placed).toEqual({
      fields: [
        ['rules.mon.1.start', 'overlaps the interval before it'],
        ['rules.mon', 'unknown interval'],
        ['name', 'must not be empty'],
      ],
      rest: [{ path: 'colour', message: 'unrecognized key' }],
    });
  });

  it('are not placed for other errors', () => {
    expect(
      placeIssues(new RpcCallError(ErrorCode.CONFLICT, 'Stale', { currentVersion: 2 }), ['name']),
    ).toBeUndefined();
    expect(placeIssues(new Error('boom'), ['name'])).toBeUndefined();
  });
});
