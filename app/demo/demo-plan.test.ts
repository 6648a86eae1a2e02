import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, LEVEL_SEPARATOR } from '../service/csv-users.js';
import { DEMO_DOORS, DEMO_LEVELS, DEMO_PEOPLE, DEMO_PERIODS, DEMO_ZONES, demoCrowdCsv } from './demo-plan.js';
import { readDemoState, writeDemoState, type DemoState } from './demo-state.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('the demo plan', () => {
  it('names only zones, periods and levels it defines, and has a door of every kind', () => {
    const zones = new Set<string>(DEMO_ZONES);
    const periods = new Set<string>(DEMO_PERIODS.map((p) => p.name));
    for (const l of DEMO_LEVELS)
      for (const [zone, period] of l.rights) {
        expect(zones.has(zone)).toBe(true);
        expect(periods.has(period)).toBe(true);
      }
    const levels = new Set(DEMO_LEVELS.map((l) => l.name));
    for (const p of DEMO_PEOPLE) for (const l of p.levels) expect(levels.has(l)).toBe(true);
    for (const d of DEMO_DOORS) expect(zones.has(d.zone)).toBe(true);
    expect(new Set(DEMO_DOORS.map((d) => d.kind))).toEqual(new Set(['online', 'offline', 'rf']));
    expect(new Set(DEMO_DOORS.map((d) => d.key)).size).toBe(DEMO_DOORS.length);
  });

  it('makes the same crowd every time, in columns users.importCsv reads, with levels the plan defines', () => {
    const csv = demoCrowdCsv(300);
    expect(demoCrowdCsv(300)).toBe(csv);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(300);
    const levels = new Set(DEMO_LEVELS.map((l) => l.name));
    for (const r of rows) {
      for (const c of Object.keys(r)) expect(CSV_COLUMNS).toContain(c);
      for (const l of r.accessLevels!.split(LEVEL_SEPARATOR)) expect(levels.has(l)).toBe(true);
    }
    expect(new Set(rows.map((r) => r.identifier)).size).toBe(300);
  });
});

describe('demo.json', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-demo-state-'));
  const state: DemoState = {
    format: 1,
    admin: { username: 'admin', password: 'demo-secret' },
    ports: { link: 4750, gateway: 4751, relay: 8444 },
    doors: { entrance: 1 },
    people: { ada: { userId: 1, card: 'card-1', keyId: 2 } },
    devices: { gateway: 1, cuMain: 2, cuAnnex: 3 },
    rfLockEui: '00124B0001C0FFEE',
    ready: true,
  };

  it('round-trips, readable only by its owner (it holds the demo administrator’s password)', () => {
    const d = dir();
    expect(readDemoState(d)).toBeUndefined();
    writeDemoState(d, state);
    expect(readDemoState(d)).toEqual(state);
    expect(fs.statSync(path.join(d, 'demo.json')).mode & 0o777).toBe(0o600);
    fs.rmSync(d, { recursive: true });
  });

  it('refuses a file it does not understand, saying what to do', () => {
    const d = dir();
    for (const text of [
      '{',
      '[]',
      JSON.stringify({ ...state, format: 2 }),
      JSON.stringify({ ...state, rfLockEui: 'x' }),
    ]) {
      fs.writeFileSync(path.join(d, 'demo.json'), text);
      expect(() => readDemoState(d)).toThrow(/start the demo in another folder/);
    }
    fs.rmSync(d, { recursive: true });
  });
});
