import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { simulateVirtualNetwork } from './virtual-network.js';

// A small site, so each run takes milliseconds.
const small = { locks: 12, users: 60, departments: 3, warmupDays: 3, horizonDays: 7 } as const;
const entrance = (coverage: number) => [{ name: 'main entrance', coverage }];
/** Hours as an order where "never within the horizon" comes last. */
const rank = (h: number | null) => h ?? Infinity;

describe('simulateVirtualNetwork', () => {
  it('gives the same run for the same seed, and another run for another seed', () => {
    const a = simulateVirtualNetwork({ ...small, updatePoints: entrance(0.5), seed: 7 });
    const b = simulateVirtualNetwork({ ...small, updatePoints: entrance(0.5), seed: 7 });
    const c = simulateVirtualNetwork({ ...small, updatePoints: entrance(0.5), seed: 8 });
    expect(b).toEqual(a);
    expect(c.reachedAfterHours).not.toEqual(a.reachedAfterHours);
  });

  it('reaches no lock without an update point: only the PPD round brings the key', () => {
    const r = simulateVirtualNetwork({ ...small, updatePoints: [] });
    expect(r.presentations).toBeGreaterThan(0);
    expect(r.cardsWritten).toBe(0);
    expect(r.neverReached).toBe(small.locks);
    expect(r.reachedAfterHours.every((h) => h === null)).toBe(true);
    expect([r.allLocksHours, r.medianHours, r.p90Hours]).toEqual([null, null, null]);
  });

  it('reaches every lock once everyone passes the entrance, no earlier than the next morning', () => {
    const r = simulateVirtualNetwork({ ...small, updatePoints: entrance(1), cancellationsPerDay: 0 });
    expect(r.neverReached).toBe(0);
    // Cancelled at 11:00, after every arrival (7:30–9:30): cards carry it from the next morning on.
    const firstArrival = 24 + 7.5 - 11;
    for (const h of r.reachedAfterHours) expect(h).toBeGreaterThanOrEqual(firstArrival);
    const sorted = (r.reachedAfterHours as number[]).slice().sort((a, b) => a - b);
    expect(r.allLocksHours).toBe(sorted.at(-1));
    expect(r.medianHours).toBe(sorted[Math.ceil(0.5 * sorted.length) - 1]);
    expect(r.p90Hours).toBe(sorted[Math.ceil(0.9 * sorted.length) - 1]);
    expect(r.windowHours).toBeNull();
    // No background cancellations: every fragment reaches back, so the locks end with the whole list.
    expect(r.gapMerges).toBe(0);
    expect(r.locksBehind).toBe(0);
  });

  it('never reaches a lock later when more users pass the update point (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 10 }),
        (seed, c1, c2, rate) => {
          const [lo, hi] = c1 <= c2 ? [c1, c2] : [c2, c1];
          const run = (coverage: number) =>
            simulateVirtualNetwork({
              ...small,
              seed,
              cancellationsPerDay: rate,
              updatePoints: entrance(coverage),
            });
          const fewer = run(lo);
          const more = run(hi);
          fewer.reachedAfterHours.forEach((h, lock) =>
            expect(rank(more.reachedAfterHours[lock]!)).toBeLessThanOrEqual(rank(h)),
          );
          expect(more.neverReached).toBeLessThanOrEqual(fewer.neverReached);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('loses locks when background cancellations push the key out of the card fragment (the gap case)', () => {
    const quiet = simulateVirtualNetwork({ ...small, updatePoints: entrance(0.3), cancellationsPerDay: 0 });
    const busy = simulateVirtualNetwork({ ...small, updatePoints: entrance(0.3), cancellationsPerDay: 40 });
    // Forty a day: sixteen newer entries before the next morning is over.
    expect(busy.windowHours).not.toBeNull();
    expect(busy.windowHours!).toBeLessThan(48);
    expect(busy.gapMerges).toBeGreaterThan(0);
    expect(busy.locksBehind).toBeGreaterThan(0);
    expect(busy.neverReached).toBeGreaterThan(quiet.neverReached);
  });

  it('counts the fragments a full lock refuses, and such a lock never lists the key', () => {
    const r = simulateVirtualNetwork({
      ...small,
      updatePoints: entrance(1),
      initialEntries: 20,
      lockCapacity: 20,
    });
    expect(r.fullRefusals).toBeGreaterThan(0);
    expect(r.neverReached).toBe(small.locks);
    expect(() => simulateVirtualNetwork({ updatePoints: [], initialEntries: 21, lockCapacity: 20 })).toThrow(
      /initialEntries/,
    );
  });

  it('refuses a scenario out of range, naming the field', () => {
    expect(() => simulateVirtualNetwork({ updatePoints: entrance(1.5) })).toThrow(ZodError);
    expect(() => simulateVirtualNetwork({ updatePoints: [], locks: 0 })).toThrow(/locks/);
  });
});
