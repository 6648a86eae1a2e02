import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DayIntervals } from '../../../../app/contract/schedule-schemas.js';
import { emptyRules } from './form-schemas.js';
import {
  checkDay,
  clickSpan,
  copyDay,
  dragSpan,
  gapAt,
  insertionIndex,
  intervalOf,
  isClean,
  isSorted,
  minuteAt,
  moveSpan,
  otherDays,
  otherWeekdays,
  parseTime,
  percentOf,
  resizeSpan,
  snap,
  sortRows,
  summarize,
  textOf,
  toIntervals,
  type IntervalText,
} from './week.js';

const row = (start: string, end: string): IntervalText => ({ start, end });

describe('typed times', () => {
  it('read HH:MM, H:MM and HH:MM:00 as minutes of the day', () => {
    expect(parseTime('08:30', false)).toEqual({ ok: true, minutes: 510 });
    expect(parseTime(' 8:05 ', false)).toEqual({ ok: true, minutes: 485 });
    expect(parseTime('17:00:00', true)).toEqual({ ok: true, minutes: 1020 });
    expect(parseTime('00:00', false)).toEqual({ ok: true, minutes: 0 });
  });

  it('take 24:00 only as an end', () => {
    expect(parseTime('24:00', true)).toEqual({ ok: true, minutes: 1440 });
    expect(parseTime('24:00', false)).toEqual({ ok: false, problem: 'range' });
    expect(parseTime('24:30', true)).toEqual({ ok: false, problem: 'range' });
  });

  it('refuse what is not a time, a time that does not exist, and seconds off the minute grid', () => {
    for (const text of ['', '8', '0830', '8h30', '08:3', 'noon', '08:30 am'])
      expect(parseTime(text, false)).toEqual({ ok: false, problem: 'format' });
    for (const text of ['25:00', '12:60', '12:00:61'])
      expect(parseTime(text, true)).toEqual({ ok: false, problem: 'range' });
    expect(parseTime('08:30:15', false)).toEqual({ ok: false, problem: 'seconds' });
  });

  it('go back to text as HH:MM', () => {
    expect(textOf({ start: 0, end: 1440 })).toEqual(row('00:00', '24:00'));
    expect(intervalOf(row('08:00', '12:30'))).toEqual({ start: 480, end: 750 });
    expect(intervalOf(row('12:00', '08:00'))).toBeUndefined();
    expect(intervalOf(row('12:00', ''))).toBeUndefined();
  });
});

describe("a day's check", () => {
  it('passes intervals in order that touch but do not overlap', () => {
    const check = checkDay([row('08:00', '12:00'), row('12:00', '17:00')]);
    expect(isClean(check)).toBe(true);
  });

  it('blames an overlap on the later-starting interval, naming where the earlier one ends', () => {
    const check = checkDay([row('08:00', '12:00'), row('13:00', '17:00'), row('16:30', '18:00')]);
    expect(check.rows).toEqual([{}, {}, { start: { code: 'overlap', end: 1020 } }]);
  });

  it('finds overlaps whatever order the rows are typed in, against the latest end so far', () => {
    const check = checkDay([row('09:00', '10:00'), row('08:00', '20:00'), row('19:00', '21:00')]);
    expect(check.rows[0]).toEqual({ start: { code: 'overlap', end: 1200 } });
    expect(check.rows[1]).toEqual({});
    expect(check.rows[2]).toEqual({ start: { code: 'overlap', end: 1200 } });
  });

  it('says which time does not read, and that an interval must end after it starts', () => {
    const check = checkDay([row('', '10:00'), row('9:00', '8:00'), row('10:00:30', '26:00')]);
    expect(check.rows).toEqual([
      { start: { code: 'format', text: '' } },
      { end: { code: 'inverted' } },
      { start: { code: 'seconds', text: '10:00:30' }, end: { code: 'range', text: '26:00' } },
    ]);
  });

  it('refuses more than 8 intervals a day', () => {
    const rows = Array.from({ length: 9 }, (_, i) =>
      row(`${String(i).padStart(2, '0')}:00`, `${String(i).padStart(2, '0')}:30`),
    );
    expect(checkDay(rows).tooMany).toBe(true);
    expect(checkDay(rows.slice(0, 8)).tooMany).toBe(false);
  });

  it('agrees with the contract: a clean day, in order, is what DayIntervals accepts', () => {
    const time = fc.oneof(
      fc
        .integer({ min: 0, max: 1440 })
        .map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`),
      fc.constantFrom('', '7:5', '24:30', '08:00:30', 'x'),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ start: time, end: time }), { maxLength: 10 }), (rows) => {
        const clean = isClean(checkDay(rows));
        const contract = DayIntervals.safeParse(toIntervals(rows)).success;
        // Rows that do not read are left out of toIntervals, so only a clean day must pass.
        if (clean) expect(contract).toBe(true);
        if (rows.every((r) => intervalOf(r))) expect(clean).toBe(contract);
      }),
    );
  });
});

describe('order', () => {
  it('sorts by start, stably, with rows whose start does not read last', () => {
    const rows = [row('13:00', '14:00'), row('', '09:00'), row('08:00', '09:00'), row('08:00', '08:30')];
    expect(sortRows(rows)).toEqual([rows[2], rows[3], rows[0], rows[1]]);
    expect(isSorted(rows)).toBe(false);
    expect(isSorted(sortRows(rows))).toBe(true);
  });

  it('puts a new interval where it keeps the day in order', () => {
    const rows = [row('08:00', '09:00'), row('13:00', '14:00')];
    expect(insertionIndex(rows, { start: 600, end: 660 })).toBe(1);
    expect(insertionIndex(rows, { start: 420, end: 450 })).toBe(0);
    expect(insertionIndex(rows, { start: 900, end: 960 })).toBe(2);
  });

  it("gives the contract a clean day's minutes in order", () => {
    expect(toIntervals([row('13:00', '17:00'), row('08:00', '12:00')])).toEqual([
      { start: 480, end: 720 },
      { start: 780, end: 1020 },
    ]);
  });
});

describe('the grid', () => {
  it('maps minutes to a place across a row and back', () => {
    expect(percentOf(720)).toBe(50);
    expect(percentOf(1440)).toBe(100);
    expect(minuteAt(300, 600)).toBe(720);
    expect(minuteAt(-5, 600)).toBe(0);
    expect(minuteAt(700, 600)).toBe(1440);
    expect(minuteAt(10, 0)).toBe(0);
  });

  it('snaps to the nearest step, within the day', () => {
    expect(snap(487, 15)).toBe(480);
    expect(snap(488, 15)).toBe(495);
    expect(snap(1439, 15)).toBe(1440);
    expect(snap(-3, 5)).toBe(0);
  });

  it('round-trips: a minute drawn at its place reads back as itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1440 }), fc.integer({ min: 240, max: 4000 }), (m, width) => {
        expect(Math.abs(minuteAt((percentOf(m) / 100) * width, width) - m)).toBeLessThanOrEqual(1440 / width);
      }),
    );
  });
});

describe('what a pointer does', () => {
  const day = [{ start: 480, end: 720 }, undefined, { start: 780, end: 1020 }];

  it('finds the free stretch around a minute, and none inside an interval', () => {
    expect(gapAt(day, 750)).toEqual({ from: 720, to: 780 });
    expect(gapAt(day, 100)).toEqual({ from: 0, to: 480 });
    expect(gapAt(day, 1100)).toEqual({ from: 1020, to: 1440 });
    expect(gapAt(day, 500)).toBeUndefined();
    expect(gapAt(day, 720)).toEqual({ from: 720, to: 780 });
  });

  it('drags a new interval in steps, either way, never into a neighbour', () => {
    expect(dragSpan(day, 1083, 1262, 15)).toEqual({ start: 1080, end: 1260 });
    expect(dragSpan(day, 1262, 1083, 15)).toEqual({ start: 1080, end: 1260 });
    expect(dragSpan(day, 1100, 600, 15)).toEqual({ start: 1020, end: 1095 });
    expect(dragSpan(day, 100, 2000, 15)).toEqual({ start: 105, end: 480 });
    expect(dragSpan(day, 500, 900, 15)).toBeUndefined();
    expect(dragSpan(day, 1100, 1102, 15)).toBeUndefined();
  });

  it('makes an hour on a click, cut short by the next interval', () => {
    expect(clickSpan(day, 1100, 15)).toEqual({ start: 1095, end: 1155 });
    expect(clickSpan(day, 750, 15)).toEqual({ start: 750, end: 780 });
    expect(clickSpan(day, 600, 15)).toBeUndefined();
  });

  it('resizes one end in steps, at least a step long, up to the neighbours', () => {
    expect(resizeSpan(day, 0, 'end', 760, 15)).toEqual({ start: 480, end: 765 });
    expect(resizeSpan(day, 0, 'end', 900, 15)).toEqual({ start: 480, end: 780 });
    expect(resizeSpan(day, 0, 'end', 400, 15)).toEqual({ start: 480, end: 495 });
    expect(resizeSpan(day, 2, 'start', 700, 15)).toEqual({ start: 720, end: 1020 });
    expect(resizeSpan(day, 2, 'start', 1100, 15)).toEqual({ start: 1005, end: 1020 });
    expect(resizeSpan(day, 1, 'start', 0, 15)).toBeUndefined();
  });

  it('moves an interval whole, its start snapped, stopped by the neighbours', () => {
    expect(moveSpan(day, 2, 60, 15)).toEqual({ start: 840, end: 1080 });
    expect(moveSpan(day, 2, -200, 15)).toEqual({ start: 720, end: 960 });
    expect(moveSpan(day, 2, 1000, 15)).toEqual({ start: 1200, end: 1440 });
    expect(moveSpan(day, 0, -1000, 15)).toEqual({ start: 0, end: 240 });
  });
});

describe('whole days', () => {
  it('copies one day over others, replacing what they had and leaving the rest', () => {
    const rules = {
      ...emptyRules(),
      mon: [row('08:00', '12:00')],
      tue: [row('10:00', '11:00')],
      sat: [row('09:00', '13:00')],
    };
    const next = copyDay(rules, 'mon', ['tue', 'wed', 'mon']);
    expect(next.tue).toEqual([row('08:00', '12:00')]);
    expect(next.wed).toEqual([row('08:00', '12:00')]);
    expect(next.sat).toBe(rules.sat);
    expect(next.tue[0]).not.toBe(rules.mon[0]);
    expect(rules.tue).toEqual([row('10:00', '11:00')]);
  });

  it('offers the other weekdays, and every other day type', () => {
    expect(otherWeekdays('mon')).toEqual(['tue', 'wed', 'thu', 'fri']);
    expect(otherWeekdays('sat')).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(otherDays('holiday')).toHaveLength(10);
  });

  it('sums up the rules, joining consecutive weekdays with the same intervals', () => {
    const office = [
      { start: 480, end: 720 },
      { start: 780, end: 1020 },
    ];
    const rules = {
      mon: office,
      tue: office,
      wed: office,
      thu: [{ start: 480, end: 720 }],
      fri: office,
      sat: [],
      sun: [{ start: 480, end: 720 }],
      holiday: [{ start: 480, end: 720 }],
      special1: [],
      special2: [],
      special3: [],
    };
    expect(summarize(rules).map((g) => g.days)).toEqual([
      ['mon', 'tue', 'wed'],
      ['thu'],
      ['fri'],
      ['sun'],
      ['holiday'],
    ]);
    expect(
      summarize({ ...rules, mon: [], tue: [], wed: [], thu: [], fri: [], sun: [], holiday: [] }),
    ).toEqual([]);
  });
});
