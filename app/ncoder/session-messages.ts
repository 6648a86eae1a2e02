import { ByteReader, NcoderMessageError, textBytes, u16Bytes } from './wire-bytes.js';

/**
 * The messages of an authenticated session: what SECURE envelopes carry once decrypted. Requests are
 * op(1) ‖ body; responses op(1) ‖ body.
 */

/** The largest APDU either way (DESFire frames are far smaller; chaining splits bigger transfers). */
export const MAX_APDU = 2048;
const MAX_DETAIL = 200;
const MAX_ATS = 254;

/** What a card answered to anticollision and RATS when the reader activated it. */
export interface CardActivation {
  /** 4, 7 or 10 bytes; a 4-byte UID starting 0x08 is a random ID. */
  uid: Uint8Array;
  atqa: number;
  sak: number;
  ats: Uint8Array;
}

/** Indicator colours of the encoder's LED. */
export const LED_COLOURS = ['off', 'green', 'red', 'amber'] as const;
/** An indicator colour. */
export type LedColour = (typeof LED_COLOURS)[number];

/** What the NCoder seals into a mobile token (app/mobile/token.ts). */
export interface SealTokenRequest {
  /** Access data bytes (tokenAccessBytes). */
  accessData: Uint8Array;
  /** The holder's PIN hash (PHC, printable ASCII), or null. */
  pinHash: string | null;
  /** The phone's P-256 public key, uncompressed (65 bytes). */
  devicePublicKey: Uint8Array;
  notBefore: number;
  notAfter: number;
}

/** A request inside the session. */
export type SessionRequest =
  | { op: 'poll' }
  | { op: 'transceive'; apdu: Uint8Array }
  | { op: 'field-reset' }
  | { op: 'beep'; ms: number }
  | { op: 'led'; colour: LedColour }
  /** Makes the mobile group key if the encoder has none; answers its id. */
  | { op: 'mobile-group' }
  /** Wraps the group key for a lock's X25519 public key. */
  | { op: 'wrap-group-key'; lockPublicKey: Uint8Array }
  | ({ op: 'seal-token' } & SealTokenRequest);

/** Why the device could not do a session request. */
export const SESSION_FAILURES = ['NO_CARD', 'CARD_REMOVED', 'TIMEOUT', 'BAD_REQUEST'] as const;
/** Why the device could not do a session request. */
export type SessionFailure = (typeof SESSION_FAILURES)[number];

/** A response inside the session. */
export type SessionResponse =
  | { op: 'card'; card: CardActivation | null }
  | { op: 'apdu'; data: Uint8Array }
  | { op: 'done' }
  | { op: 'failed'; code: SessionFailure; detail: string }
  | { op: 'group'; groupKeyId: Uint8Array; created: boolean }
  | { op: 'wrapped'; wrapped: Uint8Array }
  | { op: 'token'; tokenId: Uint8Array; token: Uint8Array };

const Q = {
  poll: 0x20,
  transceive: 0x21,
  fieldReset: 0x22,
  beep: 0x23,
  led: 0x24,
  mobileGroup: 0x30,
  wrapGroupKey: 0x31,
  sealToken: 0x32,
} as const;
const A = {
  card: 0xa0,
  apdu: 0xa1,
  done: 0xa2,
  group: 0xb0,
  wrapped: 0xb1,
  token: 0xb2,
  failed: 0xaf,
} as const;

/** Bytes of the mobile fields (app/mobile: group key id, X25519 key, wrapped key, P-256 key, token id). */
const GROUP_ID = 8;
const X25519 = 32;
const WRAPPED = 80;
const P256 = 65;
const TOKEN_ID = 16;
/** The largest token and access data the encoder handles (app/mobile/token.ts MAX_TOKEN_BYTES). */
const MAX_TOKEN = 1024;
const MAX_ACCESS = 1024;
const MAX_PIN_HASH = 200;

function fixedBytes(b: Uint8Array, n: number, what: string): Uint8Array {
  if (b.length !== n) throw new RangeError(`session-messages: ${what} is ${n} bytes, not ${b.length}`);
  return b;
}

function u32Bytes(v: number, what: string): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
    throw new RangeError(`session-messages: ${what} is not a 32-bit time`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

function sealTokenBytes(q: SealTokenRequest): Buffer {
  if (q.accessData.length < 1 || q.accessData.length > MAX_ACCESS)
    throw new RangeError(`session-messages: access data is 1..${MAX_ACCESS} bytes`);
  const pin = q.pinHash === null ? Buffer.alloc(0) : Buffer.from(q.pinHash, 'latin1');
  if (
    q.pinHash !== null &&
    (pin.length < 1 || pin.length > MAX_PIN_HASH || !/^[\x21-\x7e]+$/.test(q.pinHash))
  )
    throw new RangeError(`session-messages: a PIN hash is 1..${MAX_PIN_HASH} printable ASCII characters`);
  return Buffer.concat([
    Buffer.of(Q.sealToken),
    u32Bytes(q.notBefore, 'not before'),
    u32Bytes(q.notAfter, 'not after'),
    fixedBytes(q.devicePublicKey, P256, 'the device key'),
    u16Bytes(q.accessData.length),
    q.accessData,
    Buffer.of(pin.length),
    pin,
  ]);
}

function readU32(r: ByteReader, what: string): number {
  return Buffer.from(r.take(4, what)).readUInt32BE(0);
}

function apduBytes(apdu: Uint8Array): Uint8Array {
  if (apdu.length < 1 || apdu.length > MAX_APDU)
    throw new RangeError(`session-messages: an APDU is 1..${MAX_APDU} bytes, not ${apdu.length}`);
  return apdu;
}

/** Encodes a session request. */
export function encodeSessionRequest(q: SessionRequest): Uint8Array {
  switch (q.op) {
    case 'poll':
      return Buffer.of(Q.poll);
    case 'transceive':
      return Buffer.concat([Buffer.of(Q.transceive), apduBytes(q.apdu)]);
    case 'field-reset':
      return Buffer.of(Q.fieldReset);
    case 'beep':
      if (!Number.isInteger(q.ms) || q.ms < 1 || q.ms > 5000)
        throw new RangeError('session-messages: beep 1..5000 ms');
      return Buffer.concat([Buffer.of(Q.beep), u16Bytes(q.ms)]);
    case 'led':
      return Buffer.of(Q.led, LED_COLOURS.indexOf(q.colour));
    case 'mobile-group':
      return Buffer.of(Q.mobileGroup);
    case 'wrap-group-key':
      return Buffer.concat([Buffer.of(Q.wrapGroupKey), fixedBytes(q.lockPublicKey, X25519, 'a lock key')]);
    case 'seal-token':
      return sealTokenBytes(q);
  }
}

/** Decodes a session request; throws {@link NcoderMessageError} (only) when malformed. */
export function decodeSessionRequest(bytes: Uint8Array): SessionRequest {
  const r = new ByteReader(bytes);
  const op = r.u8('op');
  let q: SessionRequest;
  switch (op) {
    case Q.poll:
      q = { op: 'poll' };
      break;
    case Q.transceive:
      if (r.left < 1 || r.left > MAX_APDU)
        throw new NcoderMessageError(`transceive: APDU of ${r.left} bytes`);
      q = { op: 'transceive', apdu: r.rest() };
      break;
    case Q.fieldReset:
      q = { op: 'field-reset' };
      break;
    case Q.beep: {
      const ms = r.u16('beep ms');
      if (ms < 1 || ms > 5000) throw new NcoderMessageError(`beep: ${ms} ms is not 1..5000`);
      q = { op: 'beep', ms };
      break;
    }
    case Q.led: {
      const colour = LED_COLOURS[r.u8('led colour')];
      if (!colour) throw new NcoderMessageError('led: unknown colour');
      q = { op: 'led', colour };
      break;
    }
    case Q.mobileGroup:
      q = { op: 'mobile-group' };
      break;
    case Q.wrapGroupKey:
      q = { op: 'wrap-group-key', lockPublicKey: r.take(X25519, 'lock public key') };
      break;
    case Q.sealToken: {
      const notBefore = readU32(r, 'not before');
      const notAfter = readU32(r, 'not after');
      const devicePublicKey = r.take(P256, 'device key');
      const n = r.u16('access data length');
      if (n < 1 || n > MAX_ACCESS) throw new NcoderMessageError(`seal-token: ${n} bytes of access data`);
      const accessData = r.take(n, 'access data');
      const p = r.u8('PIN hash length');
      if (p > MAX_PIN_HASH) throw new NcoderMessageError(`seal-token: a PIN hash of ${p} bytes`);
      const pin = r.take(p, 'PIN hash');
      if (pin.some((c) => c < 0x21 || c > 0x7e))
        throw new NcoderMessageError('seal-token: PIN hash not ASCII');
      const pinHash = p === 0 ? null : Buffer.from(pin).toString('latin1');
      q = { op: 'seal-token', notBefore, notAfter, devicePublicKey, accessData, pinHash };
      break;
    }
    default:
      throw new NcoderMessageError(`unknown session request 0x${op.toString(16)}`);
  }
  r.end(q.op);
  return q;
}

function cardBytes(card: CardActivation | null): Buffer {
  if (!card) return Buffer.of(0);
  if (![4, 7, 10].includes(card.uid.length))
    throw new RangeError('session-messages: a UID is 4, 7 or 10 bytes');
  if (card.ats.length > MAX_ATS) throw new RangeError('session-messages: ATS too long');
  return Buffer.concat([
    Buffer.of(1, card.uid.length),
    card.uid,
    u16Bytes(card.atqa & 0xffff),
    Buffer.of(card.sak & 0xff, card.ats.length),
    card.ats,
  ]);
}

/** Encodes a session response. */
export function encodeSessionResponse(a: SessionResponse): Uint8Array {
  switch (a.op) {
    case 'card':
      return Buffer.concat([Buffer.of(A.card), cardBytes(a.card)]);
    case 'apdu':
      return Buffer.concat([Buffer.of(A.apdu), apduBytes(a.data)]);
    case 'done':
      return Buffer.of(A.done);
    case 'failed':
      return Buffer.concat([
        Buffer.of(A.failed, SESSION_FAILURES.indexOf(a.code) + 1),
        textBytes(a.detail, MAX_DETAIL),
      ]);
    case 'group':
      return Buffer.concat([
        Buffer.of(A.group),
        fixedBytes(a.groupKeyId, GROUP_ID, 'a group key id'),
        Buffer.of(a.created ? 1 : 0),
      ]);
    case 'wrapped':
      return Buffer.concat([Buffer.of(A.wrapped), fixedBytes(a.wrapped, WRAPPED, 'a wrapped key')]);
    case 'token':
      if (a.token.length < 1 || a.token.length > MAX_TOKEN)
        throw new RangeError(`session-messages: a token is 1..${MAX_TOKEN} bytes`);
      return Buffer.concat([Buffer.of(A.token), fixedBytes(a.tokenId, TOKEN_ID, 'a token id'), a.token]);
  }
}

/** Decodes a session response; throws {@link NcoderMessageError} (only) when malformed. */
export function decodeSessionResponse(bytes: Uint8Array): SessionResponse {
  const r = new ByteReader(bytes);
  const op = r.u8('op');
  let a: SessionResponse;
  switch (op) {
    case A.card: {
      const present = r.u8('present');
      if (present > 1) throw new NcoderMessageError('card: presence flag is not 0 or 1');
      if (present === 0) {
        a = { op: 'card', card: null };
        break;
      }
      const uidLength = r.u8('uid length');
      if (![4, 7, 10].includes(uidLength)) throw new NcoderMessageError(`card: a ${uidLength}-byte UID`);
      const uid = r.take(uidLength, 'uid');
      const atqa = r.u16('atqa');
      const sak = r.u8('sak');
      const atsLength = r.u8('ats length');
      if (atsLength > MAX_ATS) throw new NcoderMessageError(`card: a ${atsLength}-byte ATS`);
      const ats = r.take(atsLength, 'ats');
      a = { op: 'card', card: { uid, atqa, sak, ats } };
      break;
    }
    case A.apdu:
      if (r.left < 1 || r.left > MAX_APDU) throw new NcoderMessageError(`apdu: response of ${r.left} bytes`);
      a = { op: 'apdu', data: r.rest() };
      break;
    case A.done:
      a = { op: 'done' };
      break;
    case A.failed: {
      const code = SESSION_FAILURES[r.u8('failure code') - 1];
      if (!code) throw new NcoderMessageError('failed: unknown failure code');
      a = { op: 'failed', code, detail: r.text('failure detail', MAX_DETAIL) };
      break;
    }
    case A.group: {
      const groupKeyId = r.take(GROUP_ID, 'group key id');
      const created = r.u8('created');
      if (created > 1) throw new NcoderMessageError('group: created flag is not 0 or 1');
      a = { op: 'group', groupKeyId, created: created === 1 };
      break;
    }
    case A.wrapped:
      a = { op: 'wrapped', wrapped: r.take(WRAPPED, 'wrapped key') };
      break;
    case A.token: {
      const tokenId = r.take(TOKEN_ID, 'token id');
      if (r.left < 1 || r.left > MAX_TOKEN) throw new NcoderMessageError(`token: ${r.left} bytes`);
      a = { op: 'token', tokenId, token: r.rest() };
      break;
    }
    default:
      throw new NcoderMessageError(`unknown session response 0x${op.toString(16)}`);
  }
  r.end(a.op);
  return a;
}
