import type { Blacklist } from '../access/blacklist.js';
import type { CardBlacklist } from '../card/blacklist-fragment.js';
import { MAX_CARD_BLACKLIST } from '../card/format-limits.js';

/**
 * What an offline lock takes from the blacklist fragment on a presented card (the virtual network).
 *
 * A card carries only the site's {@link MAX_CARD_BLACKLIST} newest live entries (written by an update
 * point, app/card/blacklist-fragment.ts). A fragment that is not full holds every live entry there is;
 * a full one holds every live entry newer than its oldest. So a lock may move its own sequence up to
 * the card's `highestSeq` only when the fragment reaches back to what it has already seen; otherwise it
 * adds the entries (they are cancelled keys either way) but keeps its sequence, so the entries in the
 * gap are still taken from the next card or PPD visit that brings them.
 */

/** What one card gave a lock. */
export interface CardMerge {
  /** Credentials newly listed. */
  added: number;
  /** Whether the lock's sequence moved up to the card's. */
  advanced: boolean;
  /** Whether the fragment had a gap after what the lock had seen (it needs more cards or a PPD visit). */
  gap: boolean;
}

/** Whether the card knows of nothing the lock has not seen (checked before anything else is read). */
export function cardHasNews(blacklist: Blacklist, fragment: CardBlacklist): boolean {
  return fragment.highestSeq > blacklist.sequence;
}

/**
 * Merges the card's fragment into the lock's blacklist. Throws the Blacklist's RangeError, changing
 * nothing, when the lock is full (the lock records it; the console tells the site to compact).
 */
export function mergeCardFragment(blacklist: Blacklist, fragment: CardBlacklist): CardMerge {
  if (!cardHasNews(blacklist, fragment)) return { added: 0, advanced: false, gap: false };
  const oldest = fragment.entries.reduce((min, e) => Math.min(min, e.seq), Infinity);
  const complete = fragment.entries.length < MAX_CARD_BLACKLIST || oldest <= blacklist.sequence + 1;
  if (complete) {
    const added = blacklist.merge([...fragment.entries]);
    // Compacted-away entries may leave the site's newest number above every entry on the card.
    blacklist.advanceTo(fragment.highestSeq);
    return { added, advanced: true, gap: false };
  }
  return { added: blacklist.merge([...fragment.entries], { advance: false }), advanced: false, gap: true };
}
