import { describe, expect, it } from 'vitest';
import { Blacklist } from './blacklist.js';
import { decide, officeOpen, type CredentialData, type DoorPolicy, type DoorTables } from './engine.js';
import { compileZone } from './local-time.js';
import { TimePeriodRules, compileCalendar } from './schedule.js';

const s = (iso: string) => Date.parse(iso) / 1000;
const h = (a: number, b: number) => ({ start: a * 60, end: b * 60 });
const weekdays = (a: number, b: number) =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [h(a, b)]]));

const tables: DoorTables = {
  zone: compileZone('Europe/Madrid', 2026, 2027),
  periods: new Map([
    [1, TimePeriodRules.parse(weekdays(8, 18))],
    [2, TimePeriodRules.parse({ ...weekdays(0, 24), sat: [h(0, 24)], sun: [h(0, 24)] })],
    [3, TimePeriodRules.parse(weekdays(20, 24))],
  ]),
  calendar: compileCalendar([{ date: '2026-12-08', type: 'holiday' }]),
  blacklist: new Blacklist([{ seq: 1, credentialId: 666, expiresAt: s('2030-01-01T00:00:00Z') }]),
};

const door: DoorPolicy = {
  doorId: 10,
  zoneIds: [100],
  openMode: 'standard',
  auth: { mode: 'card' },
  openSeconds: 5,
  extendedOpenSeconds: 20,
};

const card = (over: Partial<CredentialData> = {}): CredentialData => ({
  credentialId: 1,
  userId: 1,
  validFrom: null,
  validUntil: null,
  revalidateBy: null,
  rights: [{ kind: 'zone', id: 100, periodId: 1 }],
  privileges: { office: false, privacyOverride: false, extendedOpening: false },
  ...over,
});

// Tuesday 1 December 2026, 10:00 CET.
const tuesday10 = s('2026-12-01T09:00:00Z');
const open = { privacy: false };
const tap = { card: true };

describe('the access decision', () => {
  it('opens within the zone’s time period, and says why not otherwise', () => {
    expect(decide(card(), door, open, tap, tables, tuesday10)).toMatchObject({
      granted: true,
      action: 'open',
      openSeconds: 5,
    });
    expect(decide(card(), door, open, tap, tables, s('2026-12-01T18:00:00Z'))).toMatchObject({
      reason: 'outside-time-period',
    });
    expect(
      decide(card({ rights: [{ kind: 'door', id: 11, periodId: 2 }] }), door, open, tap, tables, tuesday10),
    ).toMatchObject({
      reason: 'no-access-to-door',
    });
    expect(
      decide(card({ rights: [{ kind: 'door', id: 10, periodId: 99 }] }), door, open, tap, tables, tuesday10),
    ).toMatchObject({
      reason: 'unknown-time-period',
    });
    // 8 December is a holiday: period 1 has no holiday intervals.
    expect(decide(card(), door, open, tap, tables, s('2026-12-08T09:00:00Z'))).toMatchObject({
      reason: 'outside-time-period',
    });
  });

  it('refuses cancelled, not yet valid, expired and unrevalidated credentials first', () => {
    expect(decide(card({ credentialId: 666 }), door, open, tap, tables, tuesday10)).toMatchObject({
      reason: 'blacklisted',
    });
    expect(decide(card({ validFrom: tuesday10 + 1 }), door, open, tap, tables, tuesday10)).toMatchObject({
      reason: 'not-yet-valid',
    });
    expect(decide(card({ validUntil: tuesday10 }), door, open, tap, tables, tuesday10)).toMatchObject({
      reason: 'expired',
    });
    expect(decide(card({ revalidateBy: tuesday10 }), door, open, tap, tables, tuesday10)).toMatchObject({
      reason: 'revalidation-lapsed',
    });
    expect(decide(card(), { ...door, openMode: 'lockdown' }, open, tap, tables, tuesday10)).toMatchObject({
      reason: 'door-locked-down',
    });
  });

  it('toggles an office door for an office user, gives extended time, and respects privacy', () => {
    const office = { ...door, openMode: 'office' as const };
    const boss = card({ privileges: { office: true, privacyOverride: true, extendedOpening: true } });
    expect(decide(boss, office, open, tap, tables, tuesday10)).toMatchObject({
      action: 'office-toggle',
      openSeconds: 20,
    });
    expect(decide(card(), office, open, tap, tables, tuesday10)).toMatchObject({ action: 'open' });
    expect(decide(card(), door, { privacy: true }, tap, tables, tuesday10)).toMatchObject({
      reason: 'door-in-privacy',
    });
    expect(decide(boss, door, { privacy: true }, tap, tables, tuesday10)).toMatchObject({ granted: true });
  });

  it('asks for a PIN at night only, when the door is set so', () => {
    const night = {
      ...door,
      auth: { mode: 'card' as const, scheduled: { periodId: 3, mode: 'card+pin' as const } },
    };
    const always = card({ rights: [{ kind: 'door', id: 10, periodId: 2 }] });
    expect(decide(always, night, open, tap, tables, tuesday10)).toMatchObject({ granted: true });
    const at21 = s('2026-12-01T20:00:00Z');
    expect(decide(always, night, open, tap, tables, at21)).toMatchObject({ reason: 'pin-required' });
    expect(decide(always, night, open, { card: true, pin: 'mismatch' }, tables, at21)).toMatchObject({
      reason: 'wrong-pin',
    });
    expect(decide(always, night, open, { card: true, pin: 'match' }, tables, at21)).toMatchObject({
      granted: true,
    });
  });

  it('keeps a timed-office door open during its period only', () => {
    const lobby = { ...door, openMode: 'timed-office' as const, officePeriodId: 1 };
    expect(officeOpen(lobby, tables, tuesday10)).toBe(true);
    expect(officeOpen(lobby, tables, s('2026-12-05T09:00:00Z'))).toBe(false); // a Saturday
    expect(officeOpen(door, tables, tuesday10)).toBe(false);
  });
});
