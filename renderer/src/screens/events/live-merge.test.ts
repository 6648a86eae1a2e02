import { describe, expect, it } from 'vitest';
import { event } from './test-events.js';
import { LIVE_BUFFER, canGoLive, matchesFilter, mergeLive, remember } from './live-merge.js';
import { utcToZonedInput, zonedInputToUtc } from './zoned-time.js';

describe('matchesFilter', () => {
  const e = event(1, '2026-11-03T10:00:00.000Z');
  it.each([
    [{}, true],
    [{ kinds: ['access-granted' as const] }, true],
    [{ kinds: ['access-denied' as const, 'configuration' as const] }, false],
    [{ doorId: 1 }, true],
    [{ doorId: 2 }, false],
    [{ userId: 7 }, true],
    [{ userId: 8 }, false],
    [{ credentialId: 71 }, false],
    [{ reason: 'blacklisted' }, false],
    [{ from: '2026-11-03T10:00:00Z' }, true],
    [{ from: '2026-11-03T10:00:01Z' }, false],
    [{ to: '2026-11-03T10:00:00Z' }, false],
    [{ to: '2026-11-03T10:00:01Z' }, true],
  ])('%j → %s', (filter, expected) => {
    expect(matchesFilter(e, filter)).toBe(expected);
  });
});

describe('mergeLive', () => {
  const pages = [event(5, '2026-11-03T12:00:00.000Z'), event(4, '2026-11-03T11:00:00.000Z')];

  it('puts a new matching event at the top, once, and marks it fresh', () => {
    const now = event(9, '2026-11-03T13:00:00.000Z', { kind: 'configuration', doorId: null });
    const out = mergeLive(pages, [now, now], {}, true);
    expect(out.events.map((e) => e.id)).toEqual([9, 5, 4]);
    expect([...out.fresh]).toEqual([9]);
  });

  it('leaves out a live event the filters do not select, and one already read', () => {
    const other = event(9, '2026-11-03T13:00:00.000Z', { kind: 'configuration' });
    const out = mergeLive(pages, [other, pages[0]!], { kinds: ['access-granted'] }, false);
    expect(out.events.map((e) => e.id)).toEqual([5, 4]);
    expect(out.fresh.size).toBe(0);
  });

  it('places a late report in time order, or leaves it to older pages not read yet', () => {
    const late = event(10, '2026-11-03T11:30:00.000Z');
    const older = event(11, '2026-11-02T08:00:00.000Z');
    expect(mergeLive(pages, [late, older], {}, true).events.map((e) => e.id)).toEqual([5, 10, 4]);
    expect(mergeLive(pages, [late, older], {}, false).events.map((e) => e.id)).toEqual([5, 10, 4, 11]);
    expect(mergeLive([], [older], {}, false).events.map((e) => e.id)).toEqual([11]);
  });
});

describe('the live buffer', () => {
  it('keeps each event once and only the newest arrivals', () => {
    const a = event(1, '2026-11-03T10:00:00.000Z');
    expect(remember([a], [a, event(2, a.at)]).map((e) => e.id)).toEqual([1, 2]);
    const many = Array.from({ length: LIVE_BUFFER + 5 }, (_, i) => event(i + 1, a.at));
    const kept = remember([], many);
    expect(kept).toHaveLength(LIVE_BUFFER);
    expect(kept[0]!.id).toBe(6);
  });

  it('is live only while the range can still take new events', () => {
    const now = Date.parse('2026-11-03T10:00:00Z');
    expect(canGoLive({}, now)).toBe(true);
    expect(canGoLive({ to: '2026-11-03T11:00:00Z' }, now)).toBe(true);
    expect(canGoLive({ to: '2026-11-03T09:00:00Z' }, now)).toBe(false);
  });
});

describe('times typed in the site time zone', () => {
  it.each([
    ['2026-07-01T12:00', 'Europe/Madrid', '2026-07-01T10:00:00.000Z'],
    ['2026-12-01T12:00', 'Europe/Madrid', '2026-12-01T11:00:00.000Z'],
    ['2026-12-01T12:00', 'America/New_York', '2026-12-01T17:00:00.000Z'],
    ['2026-12-01T12:00', 'Asia/Kolkata', '2026-12-01T06:30:00.000Z'],
    // The autumn hour that happens twice: the first of them.
    ['2026-10-25T02:30', 'Europe/Madrid', '2026-10-25T00:30:00.000Z'],
    // The spring hour that never happens: read with the offset before the change.
    ['2026-03-29T02:30', 'Europe/Madrid', '2026-03-29T01:30:00.000Z'],
  ])('%s in %s is %s', (local, zone, utc) => {
    expect(zonedInputToUtc(local, zone)).toBe(utc);
  });

  it('reads back what it wrote, and nothing from an unfinished value', () => {
    expect(utcToZonedInput('2026-12-01T17:00:00.000Z', 'America/New_York')).toBe('2026-12-01T12:00');
    expect(zonedInputToUtc('', 'UTC')).toBeUndefined();
    expect(zonedInputToUtc('2026-12-01', 'UTC')).toBeUndefined();
  });
});
