import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_AFTER_MESSAGES, REPLAY_WINDOW } from './constants.js';
import { ReplayWindow } from './replay-window.js';

const W = BigInt(REPLAY_WINDOW);

/** The specification: accepted iff below the limit, never seen, and less than W behind the highest. */
class NaiveWindow {
  private readonly seen = new Set<bigint>();
  highest = -1n;
  accept(n: bigint): boolean {
    const ok =
      n >= 0n && n < REJECT_AFTER_MESSAGES && !this.seen.has(n) && (n > this.highest || this.highest - n < W);
    if (ok) {
      this.seen.add(n);
      if (n > this.highest) this.highest = n;
    }
    return ok;
  }
}

describe('ReplayWindow (RFC 6479)', () => {
  it('holds at least 2048 counters for UDP reordering', () => {
    expect(REPLAY_WINDOW).toBeGreaterThanOrEqual(2048);
  });

  it('agrees with the naive model on arbitrary arrival orders', () => {
    // Each step is an offset from the current highest, so the edges of the window get hit often.
    const step = fc.oneof(
      fc.integer({ min: -REPLAY_WINDOW - 40, max: 40 }),
      fc.constantFrom(-REPLAY_WINDOW, -REPLAY_WINDOW + 1, -REPLAY_WINDOW - 1, 0, 1),
      fc.integer({ min: 0, max: 3 * REPLAY_WINDOW }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const real = new ReplayWindow();
        const model = new NaiveWindow();
        for (const s of steps) {
          const n = model.highest + BigInt(s) < 0n ? 0n : model.highest + BigInt(s);
          const wouldAccept = real.check(n);
          const accepted = real.mark(n);
          expect(accepted).toBe(wouldAccept);
          expect(accepted).toBe(model.accept(n));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts any reordering within the window exactly once', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(2048).keys()], { minLength: 2048 }), (order) => {
        const w = new ReplayWindow();
        for (const n of order) expect(w.mark(BigInt(n))).toBe(true);
        for (const n of order.slice(0, 50)) expect(w.mark(BigInt(n))).toBe(false);
      }),
      { numRuns: 20 },
    );
  });

  it('refuses counters too far behind and at the reject limit; check() changes nothing', () => {
    const w = new ReplayWindow();
    expect(w.mark(10_000n)).toBe(true);
    expect(w.check(10_000n - W)).toBe(false);
    expect(w.check(10_000n - W + 1n)).toBe(true);
    expect(w.check(10_000n - W + 1n)).toBe(true);
    expect(w.mark(REJECT_AFTER_MESSAGES)).toBe(false);
    expect(w.mark(REJECT_AFTER_MESSAGES - 1n)).toBe(true);
    expect(w.mark(REJECT_AFTER_MESSAGES - 1n)).toBe(false);
    expect(w.mark(-1n)).toBe(false);
  });
});
