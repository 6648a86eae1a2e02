import type { DenialReason } from '../contract/deny-reasons.js';
import { CARD_AUDIT_EVENTS } from '../contract/methods/encoder.js';
import { ByteReader, ByteWriter, checkU32, crc8 } from './bytes.js';
import { CardFormatError } from './format-error.js';
import { AUDIT_RECORD_BYTES, AUDIT_RECORD_VERSION } from './format-limits.js';

/**
 * One audit record, appended by an offline lock to the card's cyclic record file and collected by an
 * update point. Fixed size (DESFire record files have fixed records); version 1, 16 bytes, the 32-bit
 * fields on 4-byte boundaries for lock firmware:
 *
 *   byte  size  field
 *   0     1     version (1)
 *   1     1     event (EVENT_CODES)
 *   2     1     reason (REASON_CODES) for a denial, else 0
 *   3     1     CRC-8/SMBUS of bytes 0..2 and 4..15
 *   4     4     door id (≥ 1)
 *   8     4     when, epoch seconds (the lock's clock)
 *   12    4     credential id the lock read (≥ 1): the card may have been reissued since
 */

/** What a lock records about a presentation (the contract's list: the console shows them). */
export const AUDIT_EVENTS = CARD_AUDIT_EVENTS;
/** What a lock records about a presentation. */
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** One record as decoded. */
export interface CardAuditRecord {
  event: AuditEvent;
  /** Why the door refused (only for `denied`, and always for it). */
  reason: DenialReason | null;
  doorId: number;
  at: number;
  credentialId: number;
}

/**
 * Wire codes, fixed forever (firmware and old cards carry them): never renumber, only add. A new
 * denial reason in the contract fails to compile here until it has a code.
 */
export const EVENT_CODES = {
  granted: 1,
  denied: 2,
  'office-opened': 3,
  'office-closed': 4,
  'blacklist-merged': 5,
} as const satisfies Record<AuditEvent, number>;

export const REASON_CODES = {
  blacklisted: 1,
  'not-yet-valid': 2,
  expired: 3,
  'revalidation-lapsed': 4,
  'door-locked-down': 5,
  'no-access-to-door': 6,
  'unknown-time-period': 7,
  'outside-time-period': 8,
  'door-in-privacy': 9,
  'card-required': 10,
  'pin-required': 11,
  'wrong-pin': 12,
  'biometric-required': 13,
  'biometric-mismatch': 14,
} as const satisfies Record<DenialReason, number>;

const WHAT = 'audit record';
const EVENT_BY_CODE = new Map<number, AuditEvent>(
  Object.entries(EVENT_CODES).map(([k, v]) => [v, k as AuditEvent]),
);
const REASON_BY_CODE = new Map<number, DenialReason>(
  Object.entries(REASON_CODES).map(([k, v]) => [v, k as DenialReason]),
);

/** The CRC-8 of a record: every byte but the CRC's own. */
function recordCrc(record: Uint8Array): number {
  return crc8(Buffer.concat([record.subarray(0, 3), record.subarray(4, AUDIT_RECORD_BYTES)]));
}

function checkRecord(rec: CardAuditRecord, code: 'INVALID' | 'INVALID_VALUE', prefix: string): void {
  if ((rec.event === 'denied') !== (rec.reason !== null)) {
    throw new CardFormatError(code, `${prefix}a denial carries a reason, and only a denial does`);
  }
}

/** One record's 16 bytes. */
export function encodeAuditRecord(rec: CardAuditRecord): Buffer {
  const event = EVENT_CODES[rec.event];
  if (event === undefined)
    throw new CardFormatError('INVALID_VALUE', `unknown audit event ${String(rec.event)}`);
  const reason = rec.reason === null ? 0 : REASON_CODES[rec.reason];
  if (reason === undefined) {
    throw new CardFormatError('INVALID_VALUE', `unknown denial reason ${String(rec.reason)}`);
  }
  checkRecord(rec, 'INVALID_VALUE', '');
  const w = new ByteWriter(AUDIT_RECORD_BYTES);
  w.u8(AUDIT_RECORD_VERSION).u8(event).u8(reason).u8(0);
  w.u32(checkU32(rec.doorId, 'the door id', 1));
  w.u32(checkU32(rec.at, 'the event time'));
  w.u32(checkU32(rec.credentialId, 'the credential id', 1));
  w.buf[3] = recordCrc(w.buf);
  return w.buf;
}

/** Decodes exactly one 16-byte record. */
export function decodeAuditRecord(bytes: Uint8Array): CardAuditRecord {
  if (bytes.length !== AUDIT_RECORD_BYTES) {
    throw new CardFormatError(
      bytes.length < AUDIT_RECORD_BYTES ? 'TRUNCATED' : 'INVALID',
      `${WHAT}: ${bytes.length} bytes, not ${AUDIT_RECORD_BYTES}`,
    );
  }
  if (bytes[0] !== AUDIT_RECORD_VERSION) {
    throw new CardFormatError(
      'UNKNOWN_VERSION',
      `${WHAT}: version ${bytes[0]} is not one this Lintel reads (it reads version ${AUDIT_RECORD_VERSION})`,
    );
  }
  if (bytes[3] !== recordCrc(bytes)) {
    throw new CardFormatError('CHECKSUM', `${WHAT}: the CRC-8 does not match: the record is damaged`);
  }
  const r = new ByteReader(bytes, WHAT);
  r.u8('the version');
  const eventCode = r.u8('the event');
  const reasonCode = r.u8('the reason');
  r.u8('the CRC-8');
  const doorId = r.u32('the door id');
  const at = r.u32('the time');
  const credentialId = r.u32('the credential id');
  const event = EVENT_BY_CODE.get(eventCode);
  if (event === undefined) throw new CardFormatError('INVALID', `${WHAT}: unknown event code ${eventCode}`);
  const reason = reasonCode === 0 ? null : REASON_BY_CODE.get(reasonCode);
  if (reason === undefined)
    throw new CardFormatError('INVALID', `${WHAT}: unknown reason code ${reasonCode}`);
  if (doorId === 0 || credentialId === 0) {
    throw new CardFormatError('INVALID', `${WHAT}: door and credential ids start at 1`);
  }
  const rec: CardAuditRecord = { event, reason, doorId, at, credentialId };
  checkRecord(rec, 'INVALID', `${WHAT}: `);
  return rec;
}

/** Decodes the records ReadRecords returned (oldest first, as DESFire returns them), one after another. */
export function decodeAuditRecords(bytes: Uint8Array): CardAuditRecord[] {
  if (bytes.length % AUDIT_RECORD_BYTES !== 0) {
    throw new CardFormatError(
      'INVALID',
      `audit trail: ${bytes.length} bytes is not a whole number of ${AUDIT_RECORD_BYTES}-byte records`,
    );
  }
  const out: CardAuditRecord[] = [];
  for (let at = 0; at < bytes.length; at += AUDIT_RECORD_BYTES) {
    try {
      out.push(decodeAuditRecord(bytes.subarray(at, at + AUDIT_RECORD_BYTES)));
    } catch (err) {
      if (err instanceof CardFormatError) {
        throw new CardFormatError(err.code, `record ${at / AUDIT_RECORD_BYTES + 1}: ${err.message}`);
      }
      throw err;
    }
  }
  return out;
}
