import { describe, expect, it } from 'vitest';
import {
  ZoneTableRangeError,
  compileZone,
  dateOf,
  dayOf,
  instantsOf,
  offsetAt,
  toLocal,
} from './local-time.js';

const s = (iso: string) => Date.parse(iso) / 1000;

describe('compiled time zones', () => {
  it('finds each DST change to the second (Europe/Madrid 2026)', () => {
    const t = compileZone('Europe/Madrid', 2026, 2026);
    expect(t.changes).toEqual([
      { at: s('2026-01-01T00:00:00Z'), offset: 3600 },
      { at: s('2026-03-29T01:00:00Z'), offset: 7200 },
      { at: s('2026-10-25T01:00:00Z'), offset: 3600 },
    ]);
    expect(offsetAt(t, s('2026-03-29T00:59:59Z'))).toBe(3600);
    expect(offsetAt(t, s('2026-03-29T01:00:00Z'))).toBe(7200);
  });

  it('handles zones without DST, with half-hour DST and with quarter-hour offsets', () => {
    expect(compileZone('UTC', 2026, 2030).changes).toHaveLength(1);
    expect(compileZone('Asia/Kathmandu', 2026, 2026).changes).toEqual([
      { at: s('2026-01-01T00:00:00Z'), offset: 20700 },
    ]);
    const lordHowe = compileZone('Australia/Lord_Howe', 2026, 2026);
    expect(new Set(lordHowe.changes.map((c) => c.offset))).toEqual(new Set([37800, 39600]));
  });

  it('gives local day, weekday and second, across the spring gap and the autumn repeat', () => {
    const t = compileZone('Europe/Madrid', 2026, 2026);
    // 01:59:59 CET, then 03:00:00 CEST one second later.
    expect(toLocal(t, s('2026-03-29T00:59:59Z'))).toMatchObject({
      second: 1 * 3600 + 59 * 60 + 59,
      weekday: 6,
    });
    expect(toLocal(t, s('2026-03-29T01:00:00Z'))).toMatchObject({ second: 3 * 3600, weekday: 6 });
    // 02:30 happens twice on 25 October.
    expect(toLocal(t, s('2026-10-25T00:30:00Z')).second).toBe(2.5 * 3600);
    expect(toLocal(t, s('2026-10-25T01:30:00Z')).second).toBe(2.5 * 3600);
    expect(dateOf(toLocal(t, s('2026-10-25T01:30:00Z')).day)).toBe('2026-10-25');
  });

  it('turns a wall-clock time into none, one or two instants', () => {
    const t = compileZone('Europe/Madrid', 2026, 2026);
    expect(instantsOf(t, dayOf('2026-03-29'), 2.5 * 3600)).toEqual([]);
    expect(instantsOf(t, dayOf('2026-10-25'), 2.5 * 3600)).toEqual([
      s('2026-10-25T00:30:00Z'),
      s('2026-10-25T01:30:00Z'),
    ]);
    expect(instantsOf(t, dayOf('2026-06-01'), 12 * 3600)).toEqual([s('2026-06-01T10:00:00Z')]);
  });

  it('refuses an instant outside its range: the lock needs a new table', () => {
    const t = compileZone('Europe/Madrid', 2026, 2026);
    expect(() => toLocal(t, s('2027-01-01T00:00:00Z'))).toThrow(ZoneTableRangeError);
    expect(() => toLocal(t, s('2025-12-31T23:59:59Z'))).toThrow(/outside the Europe\/Madrid table/);
  });

  it('refuses dates that are not dates', () => {
    expect(() => dayOf('2026-02-29')).toThrow(/not a calendar date/);
    expect(() => dayOf('29/02/2026')).toThrow(/not a YYYY-MM-DD date/);
    expect(dateOf(dayOf('2028-02-29'))).toBe('2028-02-29');
  });
});
