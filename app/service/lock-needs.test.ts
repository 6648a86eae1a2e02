import { describe, expect, it } from 'vitest';
import { factoryLock, type LockState } from '../store/lock-repo.js';
import type { DoorTablesData } from '../store/access-compiler.js';
import {
  CLOCK_TOLERANCE_SECONDS,
  DEFAULT_DRIFT_RATE,
  configDigest,
  estimatedDrift,
  lockNeeds,
  type SiteNow,
} from './lock-needs.js';

const tables: DoorTablesData = {
  revision: 10,
  door: {
    doorId: 1,
    zoneIds: [],
    openMode: 'standard',
    auth: { mode: 'card' },
    openSeconds: 5,
    extendedOpenSeconds: 20,
  },
  periods: [],
  calendar: { id: 1, days: [] },
  blacklistSeq: 4,
};
const digest = configDigest(tables, 'UTC');
const T0 = 1_800_000_000;
const DAY = 86_400;

const site = (over: Partial<SiteNow> = {}): SiteNow => ({
  configDigest: digest,
  blacklistSeq: 4,
  blacklistSize: 4,
  cardKeyVersion: 1,
  lockKeyVersion: 1,
  now: T0,
  ...over,
});

/** A lock that needs nothing at T0. */
const fine = (over: Partial<LockState> = {}): LockState => ({
  ...factoryLock(1),
  serial: 'L1',
  keyVersion: 1,
  cardKeyVersion: 1,
  revision: 10,
  configDigest: digest,
  blacklistSeq: 4,
  blacklistSize: 4,
  blacklistCapacity: 100,
  battery: 80,
  clockDriftSeconds: 2,
  clockOffsetSeconds: 0,
  driftRate: 1e-6,
  clockSetAt: T0 - DAY,
  lastVisitAt: T0 - DAY,
  initialisedAt: T0 - 10 * DAY,
  ...over,
});

describe('why a lock needs a visit', () => {
  it('needs nothing when it holds what the site holds', () => {
    expect(lockNeeds(fine(), site())).toEqual([]);
  });

  it('a lock never initialised needs initialising', () => {
    expect(lockNeeds(factoryLock(1), site())).toEqual(['never-initialised']);
  });

  it('configuration: only a real change of its tables, not a revision moved elsewhere', () => {
    const moved = configDigest({ ...tables, revision: 99, blacklistSeq: 9 }, 'UTC');
    expect(moved.equals(digest)).toBe(true);
    expect(lockNeeds(fine(), site({ configDigest: moved }))).toEqual([]);
    const opened = configDigest({ ...tables, door: { ...tables.door, openSeconds: 8 } }, 'UTC');
    expect(lockNeeds(fine(), site({ configDigest: opened }))).toEqual(['configuration']);
    expect(lockNeeds(fine(), site({ configDigest: configDigest(tables, 'Europe/Madrid') }))).toEqual([
      'configuration',
    ]);
    expect(lockNeeds(fine({ configDigest: null }), site())).toEqual(['configuration']);
  });

  it('blacklist: keys cancelled after what it holds', () => {
    expect(lockNeeds(fine(), site({ blacklistSeq: 5, blacklistSize: 5 }))).toEqual(['blacklist']);
  });

  it('blacklist-full: the site list is larger than the lock holds', () => {
    expect(lockNeeds(fine({ blacklistCapacity: 4 }), site())).toEqual([]);
    expect(lockNeeds(fine({ blacklistCapacity: 4 }), site({ blacklistSeq: 5, blacklistSize: 5 }))).toEqual([
      'blacklist',
      'blacklist-full',
    ]);
  });

  it('battery: below 20 %', () => {
    expect(lockNeeds(fine({ battery: 20 }), site())).toEqual([]);
    expect(lockNeeds(fine({ battery: 19 }), site())).toEqual(['battery']);
  });

  it('keys: an older lock key or card key version', () => {
    expect(lockNeeds(fine(), site({ lockKeyVersion: 2 }))).toEqual(['keys']);
    expect(lockNeeds(fine(), site({ cardKeyVersion: 2 }))).toEqual(['keys']);
  });

  it('clock: the measured rate extrapolated from the last visit past a minute', () => {
    // 10 ppm fast, set a day ago: 0.9 s now; 60 s after 6,000,000 s (69 days).
    const lock = fine({ driftRate: 10e-6, clockOffsetSeconds: 0, lastVisitAt: T0 - DAY });
    expect(estimatedDrift(lock, T0)).toBeCloseTo(0.864, 3);
    expect(lockNeeds(lock, site())).toEqual([]);
    const later = T0 - DAY + 6_100_000;
    expect(lockNeeds(lock, site({ now: later }))).toEqual(['clock']);
    // Slow clocks count the same.
    expect(lockNeeds(fine({ driftRate: -10e-6 }), site({ now: later }))).toEqual(['clock']);
    // A clock not set at the last visit carries what it had left.
    expect(lockNeeds(fine({ clockOffsetSeconds: -(CLOCK_TOLERANCE_SECONDS + 1) }), site())).toEqual([
      'clock',
    ]);
  });

  it('clock: without a measured rate, the default rate', () => {
    const lock = fine({ driftRate: null, lastVisitAt: T0 });
    const days = Math.ceil(CLOCK_TOLERANCE_SECONDS / DEFAULT_DRIFT_RATE / DAY);
    expect(lockNeeds(lock, site({ now: T0 + (days - 1) * DAY }))).toEqual([]);
    expect(lockNeeds(lock, site({ now: T0 + (days + 1) * DAY }))).toEqual(['clock']);
    expect(estimatedDrift(factoryLock(1), T0)).toBeNull();
  });

  it('lists several reasons in the contract order', () => {
    expect(
      lockNeeds(
        fine({ battery: 5, configDigest: null, driftRate: 1e-3 }),
        site({ blacklistSeq: 6, cardKeyVersion: 2 }),
      ),
    ).toEqual(['configuration', 'blacklist', 'clock', 'battery', 'keys']);
  });
});
