import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshInOrder } from './event-sequence.js';
import type { WireEvent } from './protocol.js';

const event = (seq: number): WireEvent => ({
  seq,
  origin: 1,
  at: '2026-12-06T10:00:00.000Z',
  kind: 'access-granted',
  doorId: 1,
  userId: null,
  credentialId: null,
  reason: null,
  detail: {},
});

describe('freshInOrder', () => {
  it('stores the events right after the mark, drops duplicates, stops at a gap', () => {
    expect(freshInOrder(0, [1, 2, 3].map(event))).toMatchObject({ highWater: 3 });
    expect(freshInOrder(2, [1, 2, 3, 4].map(event)).fresh.map((e) => e.seq)).toEqual([3, 4]);
    expect(freshInOrder(2, [4, 5].map(event))).toEqual({ fresh: [], highWater: 2 });
    expect(freshInOrder(0, [2, 1, 1, 4].map(event)).fresh.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('delivers every event exactly once, in order, whatever the link does to the batches', () => {
    // A sender with N events sends batches (from its oldest unacknowledged, as upstream.ts does) that the
    // link may drop, repeat or deliver late; the receiver's store must end with 1..N, each once.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(
          fc.record({
            size: fc.integer({ min: 1, max: 8 }),
            fate: fc.constantFrom('ok', 'lost', 'late', 'twice'),
          }),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        (total, rounds) => {
          let mark = 0;
          const stored: number[] = [];
          let acked = 0;
          const late: WireEvent[][] = [];
          const deliver = (batch: WireEvent[]) => {
            const r = freshInOrder(mark, batch);
            stored.push(...r.fresh.map((e) => e.seq));
            mark = r.highWater;
            return mark;
          };
          for (const round of [
            ...rounds,
            ...Array.from({ length: total }, () => ({ size: 8, fate: 'ok' as const })),
          ]) {
            if (acked >= total) break;
            const batch = Array.from({ length: Math.min(round.size, total - acked) }, (_, i) =>
              event(acked + 1 + i),
            );
            if (round.fate === 'lost') continue;
            if (round.fate === 'late') {
              late.push(batch);
              continue;
            }
            const ack = deliver(batch);
            if (round.fate === 'twice') deliver(batch);
            if (late.length) deliver(late.shift()!);
            acked = Math.max(acked, ack);
          }
          for (const b of late) deliver(b);
          expect(stored).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        },
      ),
    );
  });
});
