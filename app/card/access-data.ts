import type { AccessRight, CredentialData } from '../access/engine.js';
import {
  ByteReader,
  ByteWriter,
  MAX_U16,
  MAX_U32,
  checkCrcAndPadding,
  checkU32,
  checkVersion,
  crc32Of,
} from './bytes.js';
import { CardFormatError } from './format-error.js';
import {
  ACCESS_DATA_FILE_BYTES,
  ACCESS_DATA_VERSION,
  ACCESS_HEADER_BYTES,
  ACCESS_RIGHT_BYTES,
  CRC32_BYTES,
  MAX_CARD_RIGHTS,
} from './format-limits.js';

/**
 * The access data file: what the access engine needs to decide at a door (CredentialData), plus the
 * PIN flag, the revalidation window (so an update point can extend the deadline without asking the
 * Service) and the issue time. Read and written in full encryption mode only, so the CRC is not for
 * secrecy or authenticity (DESFire secure messaging gives those) but to tell damaged or foreign bytes
 * from data. Layout in docs/card-format.md; version 1:
 *
 *   byte  size  field
 *   0     1     version (1)
 *   1     4     credential id (1..2^32-1)
 *   5     4     user id (1..2^32-1)
 *   9     4     issued at, epoch seconds
 *   13    1     flags: bit 0 PIN required, 1 office, 2 privacy override, 3 extended opening; 4-7 zero
 *   14    1     present: bit 0 valid from, 1 valid until, 2 revalidation; 3-7 zero
 *   15    4     valid from, epoch seconds (0 when absent)
 *   19    4     valid until, epoch seconds, exclusive (0 when absent)
 *   23    4     revalidate by, epoch seconds (0 when absent)
 *   27    4     revalidation window, seconds (0 when absent)
 *   31    1     number of rights N (0..64)
 *   32    6N    rights: 4 bytes bit 31 = zone (0 = door), bits 30..0 the door or zone id (≥ 1);
 *               2 bytes time period id (≥ 1)
 *   32+6N 4     CRC-32 of bytes 0..31+6N
 *   …           zero to the end of the file
 */

/** The privileges and factors a card states about its holder. */
export interface CardFlags {
  /** Doors that want card + PIN ask this holder for a PIN; the lock checks it against its own table. */
  pinRequired: boolean;
  office: boolean;
  privacyOverride: boolean;
  extendedOpening: boolean;
}

/** When an update point must refresh the card, and by how much a refresh moves that instant. */
export interface CardRevalidation {
  /** Epoch seconds: from this instant on, the card opens nothing until an update point refreshes it. */
  by: number;
  /** A refresh at instant t sets `by` to t + windowSeconds. */
  windowSeconds: number;
}

/** Everything the access data file carries. */
export interface CardAccessData {
  credentialId: number;
  userId: number;
  /** Epoch seconds, or null for no bound. */
  validFrom: number | null;
  /** Epoch seconds (exclusive), or null for no bound. */
  validUntil: number | null;
  revalidation: CardRevalidation | null;
  rights: readonly AccessRight[];
  flags: CardFlags;
  /** When this access data was written (epoch seconds): tells an update point which copy is newer. */
  issuedAt: number;
}

const WHAT = 'access data';
const MAX_ID31 = 0x7fff_ffff;
const ZONE_BIT = 0x8000_0000;
const FLAG_BITS = { pinRequired: 1, office: 2, privacyOverride: 4, extendedOpening: 8 } as const;
const HAS_FROM = 1;
const HAS_UNTIL = 2;
const HAS_REVALIDATION = 4;

/** The encoded length of access data with `rights` rights. */
export function accessDataBytes(rights: number): number {
  return ACCESS_HEADER_BYTES + rights * ACCESS_RIGHT_BYTES + CRC32_BYTES;
}

function checkRight(right: AccessRight, i: number): void {
  if (right.kind !== 'door' && right.kind !== 'zone') {
    throw new CardFormatError('INVALID_VALUE', `right ${i + 1}: kind must be door or zone`);
  }
  if (!Number.isInteger(right.id) || right.id < 1 || right.id > MAX_ID31) {
    throw new CardFormatError(
      'INVALID_VALUE',
      `right ${i + 1}: ${right.kind} id must be a whole number from 1 to ${MAX_ID31}, not ${right.id}`,
    );
  }
  if (!Number.isInteger(right.periodId) || right.periodId < 1 || right.periodId > MAX_U16) {
    throw new CardFormatError(
      'INVALID_VALUE',
      `right ${i + 1}: time period id must be a whole number from 1 to ${MAX_U16}, not ${right.periodId}`,
    );
  }
}

/** The checks the encoder and the decoder share, so every decodable file re-encodes to itself. */
function checkAccess(a: CardAccessData, code: 'INVALID_VALUE' | 'INVALID', prefix: string): void {
  if (a.validFrom !== null && a.validUntil !== null && a.validFrom >= a.validUntil) {
    throw new CardFormatError(
      code,
      `${prefix}valid from (${a.validFrom}) must be before valid until (${a.validUntil})`,
    );
  }
  if (a.revalidation !== null && a.revalidation.windowSeconds < 1) {
    throw new CardFormatError(code, `${prefix}the revalidation window must be at least one second`);
  }
}

/** The access data file's bytes, padded to its file size; refuses what a card cannot carry. */
export function encodeAccessData(a: CardAccessData): Buffer {
  if (a.rights.length > MAX_CARD_RIGHTS) {
    throw new CardFormatError(
      'OVER_LIMIT',
      `this user has ${a.rights.length} doors and zones; a card holds at most ${MAX_CARD_RIGHTS}: ` +
        'group doors into zones',
    );
  }
  checkU32(a.credentialId, 'the credential id', 1);
  checkU32(a.userId, 'the user id', 1);
  checkU32(a.issuedAt, 'the issue time');
  if (a.validFrom !== null) checkU32(a.validFrom, 'valid from');
  if (a.validUntil !== null) checkU32(a.validUntil, 'valid until');
  if (a.revalidation !== null) {
    checkU32(a.revalidation.by, 'the revalidation deadline');
    checkU32(a.revalidation.windowSeconds, 'the revalidation window', 1);
  }
  checkAccess(a, 'INVALID_VALUE', '');
  a.rights.forEach(checkRight);

  let flags = 0;
  for (const [name, bit] of Object.entries(FLAG_BITS)) if (a.flags[name as keyof CardFlags]) flags |= bit;
  const present =
    (a.validFrom !== null ? HAS_FROM : 0) |
    (a.validUntil !== null ? HAS_UNTIL : 0) |
    (a.revalidation !== null ? HAS_REVALIDATION : 0);

  const w = new ByteWriter(ACCESS_DATA_FILE_BYTES);
  w.u8(ACCESS_DATA_VERSION).u32(a.credentialId).u32(a.userId).u32(a.issuedAt).u8(flags).u8(present);
  w.u32(a.validFrom ?? 0).u32(a.validUntil ?? 0);
  w.u32(a.revalidation?.by ?? 0).u32(a.revalidation?.windowSeconds ?? 0);
  w.u8(a.rights.length);
  for (const r of a.rights) w.u32((r.kind === 'zone' ? ZONE_BIT : 0) | r.id).u16(r.periodId);
  w.u32(crc32Of(w.buf.subarray(0, w.offset)));
  return w.buf;
}

/** A field that must be 0 when its presence bit is clear (so a file has one encoding only). */
function optional(present: boolean, value: number, field: string): number | null {
  if (present) return value;
  if (value !== 0) throw new CardFormatError('INVALID', `${WHAT}: ${field} is absent but not zero`);
  return null;
}

/** Decodes the access data file (read whole); throws CardFormatError for anything else. */
export function decodeAccessData(bytes: Uint8Array): CardAccessData {
  checkVersion(bytes, WHAT, ACCESS_DATA_VERSION);
  const r = new ByteReader(bytes, WHAT);
  r.u8('the version');
  const credentialId = r.u32('the credential id');
  const userId = r.u32('the user id');
  const issuedAt = r.u32('the issue time');
  const flags = r.u8('the flags');
  const present = r.u8('the presence bits');
  const from = r.u32('valid from');
  const until = r.u32('valid until');
  const by = r.u32('the revalidation deadline');
  const window = r.u32('the revalidation window');
  const count = r.u8('the number of rights');
  // No Lintel file has more; and the count says where the CRC lies, so it is checked before reading on.
  if (count > MAX_CARD_RIGHTS) {
    throw new CardFormatError(
      'INVALID',
      `${WHAT}: ${count} rights, more than the ${MAX_CARD_RIGHTS} a card holds`,
    );
  }
  const rights: AccessRight[] = [];
  for (let i = 0; i < count; i++) {
    const word = r.u32(`right ${i + 1}`);
    const periodId = r.u16(`the time period of right ${i + 1}`);
    rights.push({ kind: word & ZONE_BIT ? 'zone' : 'door', id: word & MAX_ID31, periodId });
  }
  checkCrcAndPadding(bytes, r, WHAT);

  if (flags & 0xf0) throw new CardFormatError('INVALID', `${WHAT}: reserved flag bits are set`);
  if (present & 0xf8) throw new CardFormatError('INVALID', `${WHAT}: reserved presence bits are set`);
  if (credentialId === 0 || userId === 0) {
    throw new CardFormatError('INVALID', `${WHAT}: credential and user ids start at 1`);
  }
  rights.forEach((right, i) => {
    if (right.id === 0 || right.periodId === 0) {
      throw new CardFormatError(
        'INVALID',
        `${WHAT}: right ${i + 1} names id 0, which no door, zone or period has`,
      );
    }
  });
  const hasRevalidation = (present & HAS_REVALIDATION) !== 0;
  const revalidateBy = optional(hasRevalidation, by, 'the revalidation deadline');
  const windowSeconds = optional(hasRevalidation, window, 'the revalidation window');
  const access: CardAccessData = {
    credentialId,
    userId,
    validFrom: optional((present & HAS_FROM) !== 0, from, 'valid from'),
    validUntil: optional((present & HAS_UNTIL) !== 0, until, 'valid until'),
    revalidation:
      revalidateBy === null || windowSeconds === null ? null : { by: revalidateBy, windowSeconds },
    rights,
    flags: {
      pinRequired: (flags & FLAG_BITS.pinRequired) !== 0,
      office: (flags & FLAG_BITS.office) !== 0,
      privacyOverride: (flags & FLAG_BITS.privacyOverride) !== 0,
      extendedOpening: (flags & FLAG_BITS.extendedOpening) !== 0,
    },
    issuedAt,
  };
  checkAccess(access, 'INVALID', `${WHAT}: `);
  return access;
}

/** What the access engine (app/access/engine.ts) takes from a card. */
export function credentialDataOf(a: CardAccessData): CredentialData {
  return {
    credentialId: a.credentialId,
    userId: a.userId,
    validFrom: a.validFrom,
    validUntil: a.validUntil,
    revalidateBy: a.revalidation?.by ?? null,
    rights: a.rights,
    privileges: {
      office: a.flags.office,
      privacyOverride: a.flags.privacyOverride,
      extendedOpening: a.flags.extendedOpening,
    },
  };
}

/**
 * The access data an update point writes back when it refreshes a card at `now`: the deadline moves
 * to now + window (never past what 32 bits hold); a card without revalidation is returned unchanged.
 */
export function revalidated(a: CardAccessData, now: number): CardAccessData {
  if (a.revalidation === null) return a;
  const by = Math.min(Math.floor(now) + a.revalidation.windowSeconds, MAX_U32);
  return { ...a, revalidation: { ...a.revalidation, by } };
}
