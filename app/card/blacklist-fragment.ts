import type { BlacklistEntry } from '../access/blacklist.js';
import { ByteReader, ByteWriter, checkCrcAndPadding, checkU32, checkVersion, crc32Of } from './bytes.js';
import { CardFormatError } from './format-error.js';
import {
  BLACKLIST_ENTRY_BYTES,
  BLACKLIST_FILE_BYTES,
  BLACKLIST_FRAGMENT_VERSION,
  BLACKLIST_HEADER_BYTES,
  CRC32_BYTES,
  MAX_CARD_BLACKLIST,
} from './format-limits.js';

/**
 * The blacklist fragment: the newest cancelled credentials, as app/access/blacklist.ts models them
 * (sequence number, credential id, expiry), so an offline lock passes them straight to
 * `Blacklist.merge`, which takes only the entries newer than what it has seen. `highestSeq` is the
 * site's newest sequence number when the card was written: a lock whose own sequence is at least that
 * knows the card has no news without looking at the entries, and one far behind knows it needs a PPD
 * visit (a card carries only the newest few). Version 1:
 *
 *   byte    size  field
 *   0       1     version (1)
 *   1       4     highest sequence number known to the writer
 *   5       1     number of entries N (0..16)
 *   6       12N   entries, newest first (sequence strictly decreasing, each ≤ the highest):
 *                 4 bytes sequence number (≥ 1), 4 bytes credential id (≥ 1), 4 bytes expiry (epoch s)
 *   6+12N   4     CRC-32 of bytes 0..5+12N
 *   …             zero to the end of the file
 */
export interface CardBlacklist {
  highestSeq: number;
  /** Newest first. */
  entries: readonly BlacklistEntry[];
}

const WHAT = 'blacklist fragment';

/** The encoded length of a fragment of `entries` entries. */
export function blacklistFragmentBytes(entries: number): number {
  return BLACKLIST_HEADER_BYTES + entries * BLACKLIST_ENTRY_BYTES + CRC32_BYTES;
}

/**
 * The fragment to write on a card: the `MAX_CARD_BLACKLIST` entries with the highest sequence numbers
 * of a site's blacklist, and the site's newest sequence number (which may be higher than any entry's
 * when the newest entries were compacted away).
 */
export function blacklistFragmentOf(entries: Iterable<BlacklistEntry>, highestSeq: number): CardBlacklist {
  const newest = [...entries].sort((a, b) => b.seq - a.seq).slice(0, MAX_CARD_BLACKLIST);
  return { highestSeq: Math.max(highestSeq, newest[0]?.seq ?? 0), entries: newest };
}

/** The fragment's file bytes, padded to the file size; entries are written newest first. */
export function encodeBlacklistFragment(f: CardBlacklist): Buffer {
  if (f.entries.length > MAX_CARD_BLACKLIST) {
    throw new CardFormatError(
      'OVER_LIMIT',
      `${f.entries.length} blacklist entries; a card carries at most ${MAX_CARD_BLACKLIST}: ` +
        'write the newest (blacklistFragmentOf picks them)',
    );
  }
  checkU32(f.highestSeq, 'the highest blacklist sequence number');
  const entries = [...f.entries].sort((a, b) => b.seq - a.seq);
  entries.forEach((e, i) => {
    checkU32(e.seq, `blacklist entry ${i + 1}: the sequence number`, 1);
    checkU32(e.credentialId, `blacklist entry ${i + 1}: the credential id`, 1);
    checkU32(e.expiresAt, `blacklist entry ${i + 1}: the expiry`);
    if (e.seq > f.highestSeq) {
      throw new CardFormatError(
        'INVALID_VALUE',
        `blacklist entry with sequence ${e.seq} is newer than the highest sequence ${f.highestSeq}`,
      );
    }
    if (i > 0 && entries[i - 1]!.seq === e.seq) {
      throw new CardFormatError('INVALID_VALUE', `two blacklist entries have sequence number ${e.seq}`);
    }
  });
  const w = new ByteWriter(BLACKLIST_FILE_BYTES);
  w.u8(BLACKLIST_FRAGMENT_VERSION).u32(f.highestSeq).u8(entries.length);
  for (const e of entries) w.u32(e.seq).u32(e.credentialId).u32(e.expiresAt);
  w.u32(crc32Of(w.buf.subarray(0, w.offset)));
  return w.buf;
}

/** Decodes the blacklist fragment file (read whole); throws CardFormatError for anything else. */
export function decodeBlacklistFragment(bytes: Uint8Array): CardBlacklist {
  checkVersion(bytes, WHAT, BLACKLIST_FRAGMENT_VERSION);
  const r = new ByteReader(bytes, WHAT);
  r.u8('the version');
  const highestSeq = r.u32('the highest sequence number');
  const count = r.u8('the number of entries');
  if (count > MAX_CARD_BLACKLIST) {
    throw new CardFormatError(
      'INVALID',
      `${WHAT}: ${count} entries, more than the ${MAX_CARD_BLACKLIST} a card carries`,
    );
  }
  const entries: BlacklistEntry[] = [];
  for (let i = 0; i < count; i++) {
    const seq = r.u32(`the sequence number of entry ${i + 1}`);
    const credentialId = r.u32(`the credential id of entry ${i + 1}`);
    const expiresAt = r.u32(`the expiry of entry ${i + 1}`);
    entries.push({ seq, credentialId, expiresAt });
  }
  checkCrcAndPadding(bytes, r, WHAT);
  entries.forEach((e, i) => {
    if (e.seq === 0 || e.credentialId === 0) {
      throw new CardFormatError('INVALID', `${WHAT}: entry ${i + 1} has a zero sequence number or id`);
    }
    if (e.seq > highestSeq) {
      throw new CardFormatError(
        'INVALID',
        `${WHAT}: entry ${i + 1} is newer than the highest sequence number`,
      );
    }
    if (i > 0 && entries[i - 1]!.seq <= e.seq) {
      throw new CardFormatError('INVALID', `${WHAT}: the entries are not newest first`);
    }
  });
  return { highestSeq, entries };
}
