import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLACKLIST_CAPACITY,
  Blacklist,
  COMPACTION_MARGIN_SECONDS,
  type BlacklistEntry,
} from './blacklist.js';

const entry = (seq: number, credentialId: number, expiresAt = 2_000_000_000): BlacklistEntry => ({
  seq,
  credentialId,
  expiresAt,
});

/** What a blacklist answers for a range of ids, to compare before and after a refused change. */
const answers = (b: Blacklist, ids: Iterable<number>) => [...ids].map((id) => b.has(id));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('the door-side blacklist', () => {
  it('merges only entries newer than the latest sequence seen, and merging again changes nothing', () => {
    const b = new Blacklist([entry(1, 10), entry(2, 11)]);
    expect(b.sequence).toBe(2);
    // Sequence 2 was seen already: its entry (whatever it carries) is not taken again.
    expect(b.merge([entry(2, 12), entry(3, 13), entry(5, 14)])).toBe(2);
    expect([b.has(10), b.has(11), b.has(12), b.has(13), b.has(14)]).toEqual([true, true, false, true, true]);
    expect(b.sequence).toBe(5);
    expect(b.merge([entry(2, 12), entry(3, 13), entry(5, 14)])).toBe(0);
    expect(b.merge([entry(4, 15)])).toBe(0);
    expect(b.length).toBe(4);
    expect(b.has(15)).toBe(false);
  });

  it('keeps one entry per credential, with the latest expiry', () => {
    const b = new Blacklist([entry(1, 10, 1000), entry(2, 10, 5000), entry(3, 10, 3000)]);
    expect(b.length).toBe(1);
    expect(b.compact(4000, 0)).toBe(0);
    expect(b.compact(5000, 0)).toBe(1);

    const c = new Blacklist([entry(1, 20, 1000)]);
    // A second cancellation of a listed credential adds nothing but may extend its entry.
    expect(c.merge([entry(2, 20, 9000), entry(3, 20, 2000)])).toBe(0);
    expect(c.length).toBe(1);
    expect(c.compact(8000, 0)).toBe(0);
    expect(c.has(20)).toBe(true);
  });

  it('compacts exactly the entries whose expiry plus the margin has passed', () => {
    const b = new Blacklist([entry(1, 1, 100), entry(2, 2, 200), entry(3, 3, 300)]);
    expect(b.compact(249, 50)).toBe(1);
    expect([b.has(1), b.has(2), b.has(3)]).toEqual([false, true, true]);
    // Exactly at expiry plus margin the entry goes.
    expect(b.compact(250, 50)).toBe(1);
    expect([b.has(2), b.has(3)]).toEqual([false, true]);
    expect(b.compact(349, 50)).toBe(0);
    expect(b.compact(350, 50)).toBe(1);
    expect(b.length).toBe(0);
    // The default margin is a week of clock drift.
    const d = new Blacklist([entry(1, 1, 1000)]);
    expect(d.compact(1000 + COMPACTION_MARGIN_SECONDS - 1)).toBe(0);
    expect(d.compact(1000 + COMPACTION_MARGIN_SECONDS)).toBe(1);
    expect(d.sequence).toBe(1);
  });

  it('refuses a merge beyond its capacity, changing nothing; after compaction it fits', () => {
    const b = new Blacklist([entry(1, 1, 100), entry(2, 2, 5000), entry(3, 3, 5000)], 4);
    const before = answers(b, range(0, 10));
    expect(() => b.merge([entry(4, 4), entry(5, 5)])).toThrow(RangeError);
    expect(answers(b, range(0, 10))).toEqual(before);
    expect([b.length, b.sequence]).toEqual([3, 3]);
    expect(b.compact(1000, 0)).toBe(1);
    expect(b.merge([entry(4, 4), entry(5, 5)])).toBe(2);
    expect([b.length, b.sequence]).toEqual([4, 5]);
  });

  it('holds 65,535 credentials and refuses the 65,536th, in the constructor and in a merge', () => {
    const ids = range(0, BLACKLIST_CAPACITY).map((i) => 1 + i * 7);
    const full = new Blacklist(ids.map((id, i) => entry(i + 1, id)));
    expect(full.length).toBe(65_535);
    expect(full.has(1) && full.has(ids.at(-1)!) && !full.has(2)).toBe(true);
    expect(() => new Blacklist([...ids, 2].map((id, i) => entry(i + 1, id)))).toThrow(RangeError);

    const probe = [...ids.slice(0, 100), ...ids.slice(-100), 2, 3, 4];
    const before = answers(full, probe);
    expect(() => full.merge([entry(BLACKLIST_CAPACITY + 1, 2)])).toThrow(/full \(65535 entries\)/);
    expect(answers(full, probe)).toEqual(before);
    expect([full.length, full.sequence]).toEqual([65_535, 65_535]);
    // An already listed credential still merges into a full list.
    expect(full.merge([entry(BLACKLIST_CAPACITY + 1, ids[5]!, 2_100_000_000)])).toBe(0);
  });

  it('answers has(x) exactly for the merged ids not compacted away (property)', () => {
    const CAPACITY = 12;
    const ID = fc.integer({ min: 0, max: 30 });
    const batch = fc.array(
      fc.record({
        seqStep: fc.integer({ min: -3, max: 3 }),
        credentialId: ID,
        expiresAt: fc.integer({ min: 0, max: 100 }),
      }),
      { maxLength: 6 },
    );
    const op = fc.oneof(
      batch.map((entries) => ({ kind: 'merge' as const, entries })),
      fc.record({
        kind: fc.constant('compact' as const),
        now: fc.integer({ min: 0, max: 150 }),
        margin: fc.integer({ min: 0, max: 20 }),
      }),
    );
    fc.assert(
      fc.property(batch, fc.array(op, { maxLength: 12 }), (initial, ops) => {
        // Sequence numbers climb by the generated steps, so batches overlap what was already seen.
        let seq = 0;
        const withSeq = (es: { seqStep: number; credentialId: number; expiresAt: number }[]) =>
          es.map((e) => ({
            seq: Math.max(0, (seq += e.seqStep)),
            credentialId: e.credentialId,
            expiresAt: e.expiresAt,
          }));

        const model = new Map<number, number>();
        let latest = 0;
        const add = (entries: BlacklistEntry[]) => {
          for (const e of entries)
            model.set(e.credentialId, Math.max(model.get(e.credentialId) ?? 0, e.expiresAt));
          latest = Math.max(latest, ...entries.map((e) => e.seq));
        };
        const first = withSeq(initial);
        const b = new Blacklist(first, CAPACITY);
        add(first);
        const check = () => {
          for (let id = 0; id <= 31; id++) expect(b.has(id)).toBe(model.has(id));
          expect(b.length).toBe(model.size);
          expect(b.sequence).toBe(latest);
        };
        check();
        for (const o of ops) {
          if (o.kind === 'merge') {
            const entries = withSeq(o.entries);
            const fresh = entries.filter((e) => e.seq > latest);
            const wouldHold = new Set([...model.keys(), ...fresh.map((e) => e.credentialId)]).size;
            if (wouldHold > CAPACITY) expect(() => b.merge(entries)).toThrow(RangeError);
            else {
              const size = model.size;
              add(fresh);
              expect(b.merge(entries)).toBe(model.size - size);
            }
          } else {
            const gone = [...model].filter(([, exp]) => exp + o.margin <= o.now).map(([id]) => id);
            for (const id of gone) model.delete(id);
            expect(b.compact(o.now, o.margin)).toBe(gone.length);
          }
          check();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('merges a large batch without a limit below its capacity (many cancellations of few credentials)', () => {
    // A PPD delta for a lock not visited for a long time: 200,000 sequence numbers, 1,000 credentials.
    const b = new Blacklist([entry(1, 1)]);
    const batch = range(0, 200_000).map((i) => entry(2 + i, 10 + (i % 1000)));
    let added: number | string;
    try {
      added = b.merge(batch);
    } catch (err) {
      added = String(err);
    }
    expect({ added, length: b.length, sequence: b.sequence }).toEqual({
      added: 1000,
      length: 1001,
      sequence: 200_001,
    });
  });

  it('never silently changes an id or expiry it cannot hold: it keeps it exactly or refuses it', () => {
    const cases: Record<string, BlacklistEntry> = {
      'id 2^32 + 7': entry(1, 2 ** 32 + 7),
      'id -1': entry(1, -1),
      'never expires (Infinity)': entry(1, 5, Infinity),
      'expires in 2200': entry(1, 6, Date.UTC(2200, 0, 1) / 1000),
    };
    // Late in what 32 bits of epoch seconds reach (2106), before every listed expiry but the helper’s.
    const now = Date.UTC(2100, 0, 1) / 1000;
    const outcome = (e: BlacklistEntry) => {
      let b: Blacklist;
      try {
        b = new Blacklist([entry(0, 1), e]);
      } catch (err) {
        return err instanceof RangeError ? 'refused' : `threw ${String(err)}`;
      }
      // Listed, the other entry still found, and not compacted before its expiry.
      const listed = b.has(e.credentialId) && b.has(1);
      b.compact(now, 0);
      return listed && b.has(e.credentialId) ? 'kept' : 'silently changed';
    };
    const bad = Object.entries(cases)
      .map(([name, e]) => [name, outcome(e)])
      .filter(([, o]) => o !== 'kept' && o !== 'refused');
    expect(bad).toEqual([]);
  });
});
