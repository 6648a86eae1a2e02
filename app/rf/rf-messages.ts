import { z } from 'zod';
import { aesCmac } from '../crypto/cmac.js';
import { LockReport, type LockAuditRecord } from '../ppd/round.js';
import {
  decodeLockRequest,
  decodeLockResponse,
  encodeLockRequest,
  encodeLockResponse,
  LockMessageError,
  type LockErrorCode,
  type LockRequest,
  type LockResponse,
} from '../lock/lock-messages.js';
import { MessageReader, u16Bytes, u32Bytes } from '../lock/message-bytes.js';

/**
 * The RF node ↔ RF lock application messages, carried by rf-transaction.ts inside CCM*-secured frames:
 * one codec for both ends, and for both directions (either end asks). A message is type(1) ‖ body,
 * numbers big-endian. The PPD's lock messages (app/lock/lock-messages.ts) are reused byte for byte for
 * what the node asks a lock like a PPD would (0x01–0x06: status, begin-update, chunk, commit, set-time,
 * read-audit; never emergency-open, which only a PPD in the technician's hand may carry), with their
 * answers and their error answer (0xFF code message). The RF-only messages:
 *
 *   node → lock
 *   0x10 blacklist-add  latestSeq(4) count(2) count × [seq(4) credentialId(4) expiresAt(4)]
 *                                                     → 0x90 blacklistSeq(4)
 *   0x11 open-challenge                               → 0x91 nonce(16)
 *   0x12 open           nonce(16) proof(16) by (UTF-8) → 0x92 openedAt(4)
 *   0x13 mobile-key     groupKeyId(8) wrapped         → 0x93 groupKeyId(8)
 *   lock → node
 *   0x20 join           serial (ASCII)                → 0xA0 doorId(4) keyVersion(1) panId(2)
 *                                                          networkKey(16) lockKey(16)
 *   0x21 report         configDigest(32, zeros = none) cardKeyVersion(1, 0xFF = none)
 *                       publicKey(32, zeros = none) LockReport (JSON)
 *                                                     → 0xA1 now(4, epoch s: the node's clock)
 *   0x22 events         serialLength(1) serial more(1) count(2) records (the read-audit answer's layout;
 *                       the serial, because a lock's record numbers start again when its memory does)
 *                                                     → 0xA2 ack(4: highest seq stored)
 *
 * `open`'s proof is AES-CMAC(lockKey, 'lintel-rf-open/1' ‖ eui64 ‖ doorId(4) ‖ nonce) ({@link openProof}):
 * the lock's own key, so another lock (which holds the same network key) cannot forge one. `by` (who
 * asked, for the lock's audit record) is outside the proof but inside the CCM* MIC of the frame.
 * Anything that does not decode throws {@link RfMessageError}.
 */

/** A message that does not decode. */
export class RfMessageError extends Error {
  override readonly name = 'RfMessageError';
}

/** Bytes in an open-challenge nonce and an open proof. */
export const RF_NONCE_BYTES = 16;
export const RF_PROOF_BYTES = 16;
/** Bytes in a mobile group key id. */
export const GROUP_KEY_ID_BYTES = 8;
/** Bytes in an X25519 public key. */
const PUBLIC_KEY_BYTES = 32;
const DIGEST_BYTES = 32;
const NO_CARD_KEYS = 0xff;
const MAX_BY_BYTES = 100;
/** Blacklist entries in one blacklist-add (the transaction layer carries messages up to 4 KiB). */
export const MAX_BLACKLIST_ADD = 300;

type LockAsked = Exclude<LockRequest, { type: 'emergency-open' }>;

/** A blacklist entry as a lock holds it. */
export interface RfBlacklistEntry {
  seq: number;
  credentialId: number;
  expiresAt: number;
}

/** What either end asks. */
export type RfRequest =
  | LockAsked
  | { type: 'blacklist-add'; latestSeq: number; entries: RfBlacklistEntry[] }
  | { type: 'open-challenge' }
  | { type: 'open'; nonce: Buffer; proof: Buffer; by: string }
  | { type: 'mobile-key'; groupKeyId: Buffer; wrapped: Buffer }
  | { type: 'join'; serial: string }
  | {
      type: 'report';
      report: LockReport;
      configDigest: Buffer | null;
      cardKeyVersion: number | null;
      publicKey: Buffer | null;
    }
  | { type: 'events'; serial: string; more: boolean; records: LockAuditRecord[] };

/** What either end answers. */
export type RfResponse =
  | Exclude<LockResponse, { type: 'emergency-open' }>
  | { type: 'blacklist-add'; blacklistSeq: number }
  | { type: 'open-challenge'; nonce: Buffer }
  | { type: 'open'; openedAt: number }
  | { type: 'mobile-key'; groupKeyId: Buffer }
  | { type: 'join'; doorId: number; keyVersion: number; panId: number; networkKey: Buffer; lockKey: Buffer }
  | { type: 'report'; now: number }
  | { type: 'events'; ack: number };

/** A refusal, as the lock messages word it. */
export const rfRefusal = (code: LockErrorCode, message: string): RfResponse => ({
  type: 'error',
  code,
  message,
});

const RF = {
  'blacklist-add': 0x10,
  'open-challenge': 0x11,
  open: 0x12,
  'mobile-key': 0x13,
  join: 0x20,
  report: 0x21,
  events: 0x22,
} as const;
type RfOwn = keyof typeof RF;
const RF_BY_CODE = new Map<number, RfOwn>(Object.entries(RF).map(([k, v]) => [v, k as RfOwn]));
const RESPONSE = 0x80;
const EMERGENCY_OPEN = 0x07;
const ERROR = 0xff;
/** The read-audit answer's type byte (0x86), which the events message borrows its layout from. */
const READ_AUDIT_RESPONSE = 0x86;

const bad = (why: string): never => {
  throw new RfMessageError(`rf message: ${why}`);
};

const u8 = (n: number) => Buffer.of(n);
function fixed(b: Buffer, n: number, what: string): Buffer {
  if (b.length !== n) throw new RangeError(`${what} is ${n} bytes, not ${b.length}`);
  return b;
}
const zeros = (b: Buffer) => b.every((x) => x === 0);

/** Decodes text that must be valid UTF-8 (so it encodes back to the same bytes). */
function utf8(b: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return bad(`${what} is not UTF-8`);
  }
}

const SERIAL = /^[\x21-\x7e]{1,64}$/;

/** The lock messages' own decoders, their errors turned into this codec's. */
function asRf<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof LockMessageError) throw new RfMessageError(err.message);
    throw err;
  }
}

/**
 * A lock message decoded by the PPD codec, which reads text leniently (bad UTF-8 becomes U+FFFD, an
 * error message is cut at 500 characters): over the air, one message has one spelling, or it is refused.
 */
function canonical<T>(m: T, again: Buffer, bytes: Buffer): T {
  if (!again.equals(bytes)) bad('the message is not in its one encoding (text that is not UTF-8?)');
  return m;
}

function encodeEntries(latestSeq: number, entries: readonly RfBlacklistEntry[]): Buffer {
  if (entries.length > MAX_BLACKLIST_ADD)
    throw new RangeError(
      `a blacklist-add carries at most ${MAX_BLACKLIST_ADD} entries, not ${entries.length}`,
    );
  return Buffer.concat([
    u32Bytes(latestSeq, 'the blacklist seq'),
    u16Bytes(entries.length, 'the entry count'),
    ...entries.map((e) =>
      Buffer.concat([
        u32Bytes(e.seq, 'an entry seq'),
        u32Bytes(e.credentialId, 'an entry credential'),
        u32Bytes(e.expiresAt, 'an entry expiry'),
      ]),
    ),
  ]);
}

function decodeEntries(r: MessageReader): { latestSeq: number; entries: RfBlacklistEntry[] } {
  const latestSeq = r.u32('the blacklist seq');
  const count = r.u16('the entry count');
  if (count > MAX_BLACKLIST_ADD) bad(`${count} blacklist entries (at most ${MAX_BLACKLIST_ADD})`);
  const entries: RfBlacklistEntry[] = [];
  for (let i = 0; i < count; i++) {
    const seq = r.u32('an entry seq');
    const credentialId = r.u32('an entry credential');
    const expiresAt = r.u32('an entry expiry');
    if (seq === 0 || credentialId === 0) bad('a blacklist entry with seq or credential 0');
    entries.push({ seq, credentialId, expiresAt });
  }
  return { latestSeq, entries };
}

/** The bytes of a request. */
export function encodeRfRequest(m: RfRequest): Buffer {
  if (!(m.type in RF)) return encodeLockRequest(m as LockAsked);
  const type = u8(RF[m.type as RfOwn]);
  switch (m.type) {
    case 'blacklist-add':
      return Buffer.concat([type, encodeEntries(m.latestSeq, m.entries)]);
    case 'open-challenge':
      return type;
    case 'open': {
      const by = Buffer.from(m.by, 'utf8');
      if (by.length > MAX_BY_BYTES) throw new RangeError(`who asked is at most ${MAX_BY_BYTES} bytes`);
      return Buffer.concat([
        type,
        fixed(m.nonce, RF_NONCE_BYTES, 'the nonce'),
        fixed(m.proof, RF_PROOF_BYTES, 'the proof'),
        by,
      ]);
    }
    case 'mobile-key':
      if (m.wrapped.length === 0) throw new RangeError('a wrapped group key is not empty');
      return Buffer.concat([type, fixed(m.groupKeyId, GROUP_KEY_ID_BYTES, 'the group key id'), m.wrapped]);
    case 'join':
      if (!SERIAL.test(m.serial))
        throw new RangeError(`serial ${JSON.stringify(m.serial)} is not printable ASCII`);
      return Buffer.concat([type, Buffer.from(m.serial, 'ascii')]);
    case 'report':
      return Buffer.concat([
        type,
        m.configDigest
          ? fixed(m.configDigest, DIGEST_BYTES, 'the config digest')
          : Buffer.alloc(DIGEST_BYTES),
        u8(m.cardKeyVersion ?? NO_CARD_KEYS),
        m.publicKey ? fixed(m.publicKey, PUBLIC_KEY_BYTES, 'the public key') : Buffer.alloc(PUBLIC_KEY_BYTES),
        Buffer.from(JSON.stringify(LockReport.parse(m.report)), 'utf8'),
      ]);
    case 'events':
      // The read-audit answer without its type byte: one record layout for both.
      if (!SERIAL.test(m.serial))
        throw new RangeError(`serial ${JSON.stringify(m.serial)} is not printable ASCII`);
      return Buffer.concat([
        type,
        u8(m.serial.length),
        Buffer.from(m.serial, 'ascii'),
        encodeLockResponse({ type: 'read-audit', more: m.more, records: m.records }).subarray(1),
      ]);
  }
  return bad(`cannot encode ${m.type}`);
}

/** Decodes a request; throws {@link RfMessageError} on anything else. */
export function decodeRfRequest(bytes: Uint8Array): RfRequest {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const r = new MessageReader(buf, bad);
  const code = r.u8('the message type');
  const own = RF_BY_CODE.get(code);
  if (!own) {
    if (code === EMERGENCY_OPEN) bad('an emergency opening is never carried over RF: it needs a PPD');
    const m = asRf(() => decodeLockRequest(buf)) as LockAsked;
    return canonical(m, encodeLockRequest(m), buf);
  }
  let out: RfRequest;
  switch (own) {
    case 'blacklist-add':
      out = { type: own, ...decodeEntries(r) };
      break;
    case 'open-challenge':
      out = { type: own };
      break;
    case 'open': {
      const nonce = r.bytes(RF_NONCE_BYTES, 'the nonce');
      const proof = r.bytes(RF_PROOF_BYTES, 'the proof');
      const by = r.rest();
      if (by.length > MAX_BY_BYTES) bad(`who asked is over ${MAX_BY_BYTES} bytes`);
      out = { type: own, nonce, proof, by: utf8(by, 'who asked') };
      break;
    }
    case 'mobile-key': {
      const groupKeyId = r.bytes(GROUP_KEY_ID_BYTES, 'the group key id');
      const wrapped = r.rest();
      if (wrapped.length === 0) bad('an empty wrapped group key');
      out = { type: own, groupKeyId, wrapped };
      break;
    }
    case 'join': {
      const serial = r.rest().toString('latin1');
      if (!SERIAL.test(serial)) bad('the serial is not 1-64 printable ASCII');
      out = { type: own, serial };
      break;
    }
    case 'report': {
      const digest = r.bytes(DIGEST_BYTES, 'the config digest');
      const cardKeyVersion = r.u8('the card key version');
      const publicKey = r.bytes(PUBLIC_KEY_BYTES, 'the public key');
      const json = r.rest();
      let raw: unknown;
      try {
        raw = JSON.parse(utf8(json, 'the lock report'));
      } catch (err) {
        if (err instanceof RfMessageError) throw err;
        return bad('the lock report is not JSON');
      }
      const parsed = LockReport.safeParse(raw);
      if (!parsed.success)
        return bad(`the lock report is invalid (${parsed.error.issues[0]?.message ?? '?'})`);
      // One spelling per report (no spaces, the schema's key order): a frame means exactly one thing.
      if (JSON.stringify(parsed.data) !== json.toString('utf8'))
        bad('the lock report is not in canonical JSON');
      out = {
        type: own,
        report: parsed.data,
        configDigest: zeros(digest) ? null : digest,
        cardKeyVersion: cardKeyVersion === NO_CARD_KEYS ? null : cardKeyVersion,
        publicKey: zeros(publicKey) ? null : publicKey,
      };
      break;
    }
    case 'events': {
      const serial = r.bytes(r.u8('the serial length'), 'the serial').toString('latin1');
      if (!SERIAL.test(serial)) bad('the serial is not 1-64 printable ASCII');
      const body = Buffer.concat([u8(READ_AUDIT_RESPONSE), r.rest()]);
      const audit = asRf(() => decodeLockResponse(body));
      if (audit.type !== 'read-audit') return bad('events that are not audit records');
      // The lock codec reads a detail leniently (bad UTF-8 becomes U+FFFD): what the lock said, exactly, or nothing.
      if (!encodeLockResponse(audit).equals(body)) bad('an audit record detail is not UTF-8');
      out = { type: own, serial, more: audit.more, records: audit.records };
      break;
    }
  }
  r.end('request');
  return out;
}

/** The bytes of a response. */
export function encodeRfResponse(m: RfResponse): Buffer {
  if (!(m.type in RF)) return encodeLockResponse(m as LockResponse);
  const type = u8(RF[m.type as RfOwn] | RESPONSE);
  switch (m.type) {
    case 'blacklist-add':
      return Buffer.concat([type, u32Bytes(m.blacklistSeq, 'the blacklist seq')]);
    case 'open-challenge':
      return Buffer.concat([type, fixed(m.nonce, RF_NONCE_BYTES, 'the nonce')]);
    case 'open':
      return Buffer.concat([type, u32Bytes(m.openedAt, 'openedAt')]);
    case 'mobile-key':
      return Buffer.concat([type, fixed(m.groupKeyId, GROUP_KEY_ID_BYTES, 'the group key id')]);
    case 'join':
      if (m.doorId < 1) throw new RangeError('a door id is at least 1');
      if (!Number.isInteger(m.keyVersion) || m.keyVersion < 1 || m.keyVersion > 255)
        throw new RangeError('a network key version is 1 to 255');
      return Buffer.concat([
        type,
        u32Bytes(m.doorId, 'the door id'),
        u8(m.keyVersion),
        u16Bytes(m.panId, 'the PAN id'),
        fixed(m.networkKey, 16, 'the network key'),
        fixed(m.lockKey, 16, 'the lock key'),
      ]);
    case 'report':
      return Buffer.concat([type, u32Bytes(m.now, 'the time')]);
    case 'events':
      return Buffer.concat([type, u32Bytes(m.ack, 'the ack')]);
  }
  return bad(`cannot encode ${m.type}`);
}

/** Decodes a response; throws {@link RfMessageError} on anything else. */
export function decodeRfResponse(bytes: Uint8Array): RfResponse {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const r = new MessageReader(buf, bad);
  const code = r.u8('the message type');
  const own = code === ERROR ? undefined : RF_BY_CODE.get(code & ~RESPONSE);
  if (!own || (code & RESPONSE) === 0) {
    if (code === (EMERGENCY_OPEN | RESPONSE)) bad('an emergency opening is never carried over RF');
    const m = asRf(() => decodeLockResponse(buf));
    return canonical(m, encodeLockResponse(m), buf) as RfResponse;
  }
  let out: RfResponse;
  switch (own) {
    case 'blacklist-add':
      out = { type: own, blacklistSeq: r.u32('the blacklist seq') };
      break;
    case 'open-challenge':
      out = { type: own, nonce: r.bytes(RF_NONCE_BYTES, 'the nonce') };
      break;
    case 'open':
      out = { type: own, openedAt: r.u32('openedAt') };
      break;
    case 'mobile-key':
      out = { type: own, groupKeyId: r.bytes(GROUP_KEY_ID_BYTES, 'the group key id') };
      break;
    case 'join': {
      const doorId = r.u32('the door id');
      const keyVersion = r.u8('the key version');
      if (doorId === 0) bad('door id 0');
      if (keyVersion === 0) bad('network key version 0');
      out = {
        type: own,
        doorId,
        keyVersion,
        panId: r.u16('the PAN id'),
        networkKey: r.bytes(16, 'the network key'),
        lockKey: r.bytes(16, 'the lock key'),
      };
      break;
    }
    case 'report':
      out = { type: own, now: r.u32('the time') };
      break;
    case 'events':
      out = { type: own, ack: r.u32('the ack') };
      break;
  }
  r.end('response');
  return out;
}

/** The join code as the console shows it: the 16-byte join key as 32 hex digits in groups of 4. */
export function formatJoinCode(joinKey: Uint8Array): string {
  if (joinKey.length !== 16) throw new RangeError('a join key is 16 bytes');
  return Buffer.from(joinKey).toString('hex').toUpperCase().match(/.{4}/g)!.join('-');
}

/** The join key a typed join code stands for (dashes and spaces optional, any case). */
export function parseJoinCode(code: string): Buffer {
  const hex = code.replace(/[\s-]/g, '');
  const parsed = z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/)
    .safeParse(hex);
  if (!parsed.success)
    throw new RangeError('a join code is 32 hex digits (dashes optional), as rf.locks.add showed it');
  return Buffer.from(hex, 'hex');
}

const OPEN_LABEL = Buffer.from('lintel-rf-open/1', 'ascii');

/**
 * The proof of a remote open: AES-CMAC(lockKey, 'lintel-rf-open/1' ‖ eui64 ‖ doorId(4) ‖ nonce). The
 * lock's own key (not the network key every lock of the node holds), bound to the lock and its door.
 */
export function openProof(lockKey: Uint8Array, eui64: Uint8Array, doorId: number, nonce: Uint8Array): Buffer {
  if (eui64.length !== 8) throw new RangeError('an EUI-64 is 8 bytes');
  if (nonce.length !== RF_NONCE_BYTES) throw new RangeError(`a nonce is ${RF_NONCE_BYTES} bytes`);
  return aesCmac(lockKey, Buffer.concat([OPEN_LABEL, eui64, u32Bytes(doorId, 'the door id'), nonce]));
}
