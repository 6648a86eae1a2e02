import type { WireEvent } from './protocol.js';

/**
 * Exactly-once delivery of events over a link that loses, repeats and reorders, hop by hop: the sender
 * numbers what it sends consecutively and keeps it until acknowledged; the receiver keeps, per sender,
 * the highest number it stored (its high-water mark) and stores a batch and the new mark in one
 * transaction. So a batch sent again after a lost answer is recognised, and a batch after a gap (one
 * that overtook its predecessor) is not stored past the gap: the answer names the mark and the sender
 * resends from there. Nothing acknowledged is lost because the sender forgets only what the receiver
 * said it committed.
 */

/**
 * The events of `batch` the receiver should store now, given its mark: those right after the mark,
 * consecutive, oldest first (duplicates and anything past a gap left out), and the mark after storing them.
 */
export function freshInOrder(
  highWater: number,
  batch: readonly WireEvent[],
): { fresh: WireEvent[]; highWater: number } {
  const bySeq = new Map<number, WireEvent>();
  for (const e of batch) if (e.seq > highWater && !bySeq.has(e.seq)) bySeq.set(e.seq, e);
  const fresh: WireEvent[] = [];
  let next = highWater + 1;
  for (let e = bySeq.get(next); e; e = bySeq.get(next)) {
    fresh.push(e);
    next += 1;
  }
  return { fresh, highWater: next - 1 };
}
