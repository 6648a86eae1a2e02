import type { z } from 'zod';
import { DENIAL_REASONS } from '../contract/deny-reasons.js';
import { EmergencyOpening, LOCK_AUDIT_EVENTS, LockAuditRecord, LockReport } from '../ppd/round.js';
import { MessageReader, u32Bytes } from './message-bytes.js';

/**
 * The PPD↔lock application messages, carried sealed inside the session (app/serial-link/session.ts,
 * label 'lintel-lock/1'): one codec for both ends. Every message is type(1) ‖ body; numbers are
 * big-endian. The PPD asks, the lock answers (the response type is the request's | 0x80, or 0xFF for
 * an error):
 *
 *   0x01 status                                   → 0x81 LockReport (JSON)
 *   0x02 begin-update  transferId(32) total(4)    → 0x82 resumeAt(4)
 *   0x03 chunk         offset(4) bytes            → 0x83 received(4)
 *   0x04 commit                                   → 0x84 LockReport (JSON)
 *   0x05 set-time      ppdNow(4, epoch s)         → 0x85 driftSeconds(4, signed)
 *   0x06 read-audit    fromSeq(4) max(2)          → 0x86 more(1) count(2) records
 *   0x07 emergency-open EmergencyOpening (JSON)   → 0x87 openedAt(4)
 *                                                  → 0xFF code(1) message (UTF-8)
 *
 * An audit record: seq(4) at(4) event(1) reason(1, 0 = none) credentialId(4, 0 = none)
 * detailLength(2, 0xFFFF = none) detail (UTF-8). Anything else decodes to a LockMessageError.
 */

/** Why a lock refused a request (or, for BAD_MESSAGE, why bytes did not decode). */
export const LOCK_ERRORS = [
  'BAD_MESSAGE',
  'NOT_INITIALISED',
  'WRONG_DOOR',
  'BLACKLIST_FULL',
  'NO_TRANSFER',
  'BAD_OFFSET',
  'INCOMPLETE',
  'DIGEST_MISMATCH',
  'INVALID_UPDATE',
  'EXPIRED',
  'FAILED',
] as const;
/** Why a lock refused a request. */
export type LockErrorCode = (typeof LOCK_ERRORS)[number];

/** A message that does not decode, or a lock's refusal. */
export class LockMessageError extends Error {
  override readonly name = 'LockMessageError';
  constructor(
    readonly code: LockErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes in a transfer id (SHA-256). */
export const TRANSFER_ID_BYTES = 32;

/** What the PPD asks a lock. */
export type LockRequest =
  | { type: 'status' }
  | { type: 'begin-update'; transferId: Buffer; totalBytes: number }
  | { type: 'chunk'; offset: number; bytes: Buffer }
  | { type: 'commit' }
  | { type: 'set-time'; ppdNow: number }
  | { type: 'read-audit'; fromSeq: number; max: number }
  | { type: 'emergency-open'; opening: EmergencyOpening };

/** What a lock answers. */
export type LockResponse =
  | { type: 'status'; report: LockReport }
  | { type: 'begin-update'; resumeAt: number }
  | { type: 'chunk'; received: number }
  | { type: 'commit'; report: LockReport }
  | { type: 'set-time'; driftSeconds: number }
  | { type: 'read-audit'; more: boolean; records: LockAuditRecord[] }
  | { type: 'emergency-open'; openedAt: number }
  | { type: 'error'; code: LockErrorCode; message: string };

const REQUEST = {
  status: 0x01,
  'begin-update': 0x02,
  chunk: 0x03,
  commit: 0x04,
  'set-time': 0x05,
  'read-audit': 0x06,
  'emergency-open': 0x07,
} as const satisfies Record<LockRequest['type'], number>;
const RESPONSE = 0x80;
const ERROR = 0xff;
const REQUEST_BY_CODE = new Map<number, LockRequest['type']>(
  Object.entries(REQUEST).map(([k, v]) => [v, k as LockRequest['type']]),
);
const MAX_MESSAGE_TEXT = 500;
const NO_DETAIL = 0xffff;
/** The fixed part of an encoded audit record. */
export const AUDIT_RECORD_WIRE_BYTES = 16;

const bad = (why: string): never => {
  throw new LockMessageError('BAD_MESSAGE', `lock message: ${why}`);
};

function json<T>(schema: z.ZodType<T>, bytes: Buffer, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bad(`the ${what} is not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return bad(
      `the ${what} is invalid (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : '?'})`,
    );
  }
  return parsed.data;
}

const jsonBytes = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');

/** The bytes of a request. */
export function encodeLockRequest(r: LockRequest): Buffer {
  const type = Buffer.from([REQUEST[r.type]]);
  switch (r.type) {
    case 'status':
    case 'commit':
      return type;
    case 'begin-update':
      if (r.transferId.length !== TRANSFER_ID_BYTES)
        throw new RangeError('a transfer id is 32 bytes (SHA-256)');
      return Buffer.concat([type, r.transferId, u32Bytes(r.totalBytes, 'the update size')]);
    case 'chunk':
      return Buffer.concat([type, u32Bytes(r.offset, 'the chunk offset'), r.bytes]);
    case 'set-time':
      return Buffer.concat([type, u32Bytes(r.ppdNow, 'the time')]);
    case 'read-audit': {
      if (!Number.isInteger(r.max) || r.max < 1 || r.max > 0xffff)
        throw new RangeError('read-audit max is 1 to 65535');
      const b = Buffer.alloc(2);
      b.writeUInt16BE(r.max);
      return Buffer.concat([type, u32Bytes(r.fromSeq, 'the audit seq'), b]);
    }
    case 'emergency-open':
      return Buffer.concat([type, jsonBytes(EmergencyOpening.parse(r.opening))]);
  }
}

/** Decodes a request (a lock's side); throws LockMessageError('BAD_MESSAGE') on anything else. */
export function decodeLockRequest(bytes: Uint8Array): LockRequest {
  const r = new MessageReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), bad);
  const code = r.u8('the message type');
  const type = REQUEST_BY_CODE.get(code) ?? bad(`unknown request type 0x${code.toString(16)}`);
  let out: LockRequest;
  switch (type) {
    case 'status':
    case 'commit':
      out = { type };
      break;
    case 'begin-update': {
      const transferId = r.bytes(TRANSFER_ID_BYTES, 'the transfer id');
      const totalBytes = r.u32('the update size');
      if (totalBytes === 0) bad('an update of 0 bytes');
      out = { type, transferId, totalBytes };
      break;
    }
    case 'chunk':
      out = { type, offset: r.u32('the chunk offset'), bytes: r.rest() };
      if (out.bytes.length === 0) bad('an empty chunk');
      break;
    case 'set-time':
      out = { type, ppdNow: r.u32('the time') };
      break;
    case 'read-audit': {
      const fromSeq = r.u32('the audit seq');
      const max = r.u16('the record count');
      if (max === 0) bad('read-audit for 0 records');
      out = { type, fromSeq, max };
      break;
    }
    case 'emergency-open':
      out = { type, opening: json(EmergencyOpening, r.rest(), 'emergency opening') };
      break;
  }
  r.end('request');
  return out;
}

function encodeRecord(rec: LockAuditRecord): Buffer {
  const detail = rec.detail === null ? null : Buffer.from(rec.detail, 'utf8');
  const b = Buffer.alloc(AUDIT_RECORD_WIRE_BYTES + (detail?.length ?? 0));
  b.writeUInt32BE(rec.seq, 0);
  b.writeUInt32BE(rec.at, 4);
  b[8] = LOCK_AUDIT_EVENTS.indexOf(rec.event);
  b[9] = rec.reason === null ? 0 : DENIAL_REASONS.indexOf(rec.reason) + 1;
  b.writeUInt32BE(rec.credentialId ?? 0, 10);
  b.writeUInt16BE(detail === null ? NO_DETAIL : detail.length, 14);
  detail?.copy(b, AUDIT_RECORD_WIRE_BYTES);
  return b;
}

function decodeRecord(r: MessageReader): LockAuditRecord {
  const seq = r.u32('the record seq');
  const at = r.u32('the record time');
  const eventCode = r.u8('the record event');
  const reasonCode = r.u8('the record reason');
  const credentialId = r.u32('the record credential');
  const detailLength = r.u16('the record detail length');
  const detail =
    detailLength === NO_DETAIL ? null : r.bytes(detailLength, 'the record detail').toString('utf8');
  const event = LOCK_AUDIT_EVENTS[eventCode] ?? bad(`unknown audit event ${eventCode}`);
  const reason =
    reasonCode === 0 ? null : (DENIAL_REASONS[reasonCode - 1] ?? bad(`unknown reason ${reasonCode}`));
  const parsed = LockAuditRecord.safeParse({
    seq,
    at,
    event,
    credentialId: credentialId === 0 ? null : credentialId,
    reason,
    detail,
  });
  if (!parsed.success)
    return bad(`audit record ${seq} is invalid (${parsed.error.issues[0]?.message ?? '?'})`);
  return parsed.data;
}

/** The encoded size of an audit record (the lock fills a reply up to what the session carries). */
export function auditRecordWireBytes(rec: LockAuditRecord): number {
  return AUDIT_RECORD_WIRE_BYTES + (rec.detail === null ? 0 : Buffer.byteLength(rec.detail, 'utf8'));
}

/** The bytes of a response. */
export function encodeLockResponse(r: LockResponse): Buffer {
  if (r.type === 'error') {
    const text = Buffer.from(r.message.slice(0, MAX_MESSAGE_TEXT), 'utf8');
    return Buffer.concat([Buffer.from([ERROR, LOCK_ERRORS.indexOf(r.code)]), text]);
  }
  const type = Buffer.from([REQUEST[r.type] | RESPONSE]);
  switch (r.type) {
    case 'status':
    case 'commit':
      return Buffer.concat([type, jsonBytes(LockReport.parse(r.report))]);
    case 'begin-update':
      return Buffer.concat([type, u32Bytes(r.resumeAt, 'resumeAt')]);
    case 'chunk':
      return Buffer.concat([type, u32Bytes(r.received, 'received')]);
    case 'set-time': {
      const b = Buffer.alloc(4);
      b.writeInt32BE(r.driftSeconds);
      return Buffer.concat([type, b]);
    }
    case 'read-audit': {
      const head = Buffer.alloc(3);
      head[0] = r.more ? 1 : 0;
      head.writeUInt16BE(r.records.length, 1);
      return Buffer.concat([type, head, ...r.records.map(encodeRecord)]);
    }
    case 'emergency-open':
      return Buffer.concat([type, u32Bytes(r.openedAt, 'openedAt')]);
  }
}

/** Decodes a response (the PPD's side); throws LockMessageError('BAD_MESSAGE') on anything else. */
export function decodeLockResponse(bytes: Uint8Array): LockResponse {
  const r = new MessageReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), bad);
  const code = r.u8('the message type');
  if (code === ERROR) {
    const errCode = r.u8('the error code');
    const errorCode = LOCK_ERRORS[errCode] ?? bad(`unknown error code ${errCode}`);
    const text = r.rest();
    if (text.length > MAX_MESSAGE_TEXT * 4) bad('an error message over 500 characters');
    return { type: 'error', code: errorCode, message: text.toString('utf8') };
  }
  const type = (code & RESPONSE) !== 0 ? REQUEST_BY_CODE.get(code & ~RESPONSE) : undefined;
  if (!type) return bad(`unknown response type 0x${code.toString(16)}`);
  let out: LockResponse;
  switch (type) {
    case 'status':
    case 'commit':
      out = { type, report: json(LockReport, r.rest(), 'lock report') };
      break;
    case 'begin-update':
      out = { type, resumeAt: r.u32('resumeAt') };
      break;
    case 'chunk':
      out = { type, received: r.u32('received') };
      break;
    case 'set-time':
      out = { type, driftSeconds: r.i32('the drift') };
      break;
    case 'read-audit': {
      const more = r.u8('the more flag');
      if (more > 1) bad('the more flag is not 0 or 1');
      const count = r.u16('the record count');
      const records: LockAuditRecord[] = [];
      for (let i = 0; i < count; i++) records.push(decodeRecord(r));
      out = { type, more: more === 1, records };
      break;
    }
    case 'emergency-open':
      out = { type, openedAt: r.u32('openedAt') };
      break;
  }
  r.end('response');
  return out;
}

/** What a lock tells about itself in clear in its session challenge, so the PPD picks the key. */
export interface LockIdentity {
  serial: string;
  doorId: number | null;
  keyVersion: number;
}

const SERIAL = /^[\x21-\x7e]{1,64}$/;

/** The identity's bytes: serialLength(1) serial (ASCII) doorId(4, 0 = none) keyVersion(1). */
export function encodeLockIdentity(id: LockIdentity): Buffer {
  if (!SERIAL.test(id.serial))
    throw new RangeError(`lock serial ${JSON.stringify(id.serial)} is not 1-64 printable ASCII`);
  const serial = Buffer.from(id.serial, 'ascii');
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(id.doorId ?? 0, 0);
  tail[4] = id.keyVersion;
  return Buffer.concat([Buffer.of(serial.length), serial, tail]);
}

/** Decodes a lock's identity (the PPD's side); LockMessageError('BAD_MESSAGE') on anything else. */
export function decodeLockIdentity(bytes: Uint8Array): LockIdentity {
  const r = new MessageReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), bad);
  const serial = r.bytes(r.u8('the serial length'), 'the serial').toString('latin1');
  if (!SERIAL.test(serial)) bad('the lock serial is not printable ASCII');
  const doorId = r.u32('the door id');
  const keyVersion = r.u8('the key version');
  r.end('identity');
  return { serial, doorId: doorId === 0 ? null : doorId, keyVersion };
}
