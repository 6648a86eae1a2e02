import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnrolRateLimit } from './enrol-rate-limit.js';

describe('EnrolRateLimit', () => {
  it('never allows more than max attempts from one address in any window, and always allows after a quiet window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 5000 })), {
          maxLength: 200,
        }),
        (steps) => {
          const limit = new EnrolRateLimit(3, 1000);
          const allowed = new Map<string, number[]>();
          let now = 0;
          for (const [address, gap] of steps) {
            now += gap;
            if (limit.allow(address, now)) allowed.set(address, [...(allowed.get(address) ?? []), now]);
            const times = allowed.get(address) ?? [];
            expect(times.filter((t) => t > now - 1000).length).toBeLessThanOrEqual(3);
          }
          for (const address of ['a', 'b', 'c']) expect(limit.allow(address, now + 1000)).toBe(true);
        },
      ),
    );
  });

  it('forgets the oldest address beyond its bound', () => {
    const limit = new EnrolRateLimit(1, 1000, 2);
    expect(limit.allow('a', 0)).toBe(true);
    expect(limit.allow('a', 1)).toBe(false);
    limit.allow('b', 2);
    limit.allow('c', 3);
    expect(limit.allow('a', 4)).toBe(true); // forgotten, so allowed again: memory stays bounded
  });
});
