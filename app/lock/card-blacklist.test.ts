import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Blacklist, type BlacklistEntry } from '../access/blacklist.js';
import { blacklistFragmentOf } from '../card/blacklist-fragment.js';
import { MAX_CARD_BLACKLIST } from '../card/format-limits.js';
import { cardHasNews, mergeCardFragment } from './card-blacklist.js';

const entry = (seq: number, credentialId = seq + 1000): BlacklistEntry => ({
  seq,
  credentialId,
  expiresAt: 2_000_000_000,
});
const site = (n: number) => Array.from({ length: n }, (_, i) => entry(i + 1));

describe('mergeCardFragment', () => {
  it('takes a fragment that reaches back to what the lock has seen, and moves its sequence up', () => {
    const lock = new Blacklist(site(10));
    const card = blacklistFragmentOf(site(20), 20);
    expect(mergeCardFragment(lock, card)).toEqual({ added: 10, advanced: true, gap: false });
    expect(lock.sequence).toBe(20);
    expect(lock.length).toBe(20);
  });

  it('adds the entries of a fragment with a gap but keeps its sequence, so the gap is filled later', () => {
    const lock = new Blacklist(site(2));
    const all = site(40);
    const card = blacklistFragmentOf(all, 40); // 25..40 only
    expect(mergeCardFragment(lock, card)).toEqual({ added: MAX_CARD_BLACKLIST, advanced: false, gap: true });
    expect(lock.sequence).toBe(2);
    expect(lock.has(all[39]!.credentialId)).toBe(true);
    expect(lock.has(all[10]!.credentialId)).toBe(false);
    // A card written when the site had 18 entries reaches back to 3: the lock fills in and catches up.
    expect(mergeCardFragment(lock, blacklistFragmentOf(site(18), 18)).advanced).toBe(true);
    expect(lock.sequence).toBe(18);
    expect(lock.has(all[10]!.credentialId)).toBe(true);
  });

  it('moves up to a highest sequence above every entry (newest entries compacted away)', () => {
    const lock = new Blacklist(site(3));
    expect(mergeCardFragment(lock, { highestSeq: 9, entries: [entry(5), entry(4)] }).advanced).toBe(true);
    expect(lock.sequence).toBe(9);
    expect(cardHasNews(lock, { highestSeq: 9, entries: [] })).toBe(false);
  });

  it('never lists a credential the site did not cancel, and ends with the whole list once cards cover it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 30 }),
        (start, writtenAt) => {
          const all = site(60);
          const lock = new Blacklist(all.slice(0, start));
          for (const n of writtenAt) mergeCardFragment(lock, blacklistFragmentOf(all.slice(0, n), n));
          for (let id = 1; id <= 2000; id += 37) {
            if (lock.has(id)) expect(id > 1000 && id <= 1060).toBe(true);
          }
          // Everything up to the lock's sequence is listed: the sequence never runs ahead of the entries.
          for (const e of all.slice(0, lock.sequence)) expect(lock.has(e.credentialId)).toBe(true);
        },
      ),
    );
  });
});
