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

/** A request inside the session. */
export type SessionRequest =
  | { op: 'poll' }
  | { op: 'transceive'; apdu: Uint8Array }
  | { op: 'field-reset' }
  | { op: 'beep'; ms: number }
  | { op: 'led'; colour: LedColour };

/** Why the device could not do a session request. */
export const SESSION_FAILURES = ['NO_CARD', 'CARD_REMOVED', 'TIMEOUT', 'BAD_REQUEST'] as const;
/** Why the device could not do a session request. */
export type SessionFailure = (typeof SESSION_FAILURES)[number];

/** A response inside the session. */
export type SessionResponse =
  | { op: 'card'; card: CardActivation | null }
  | { op: 'apdu'; data: Uint8Array }
  | { op: 'done' }
  | { op: 'failed'; code: SessionFailure; detail: string };

const Q = { poll: 0x20, transceive: 0x21, fieldReset: 0x22, beep: 0x23, led: 0x24 } as const;
const A = { card: 0xa0, apdu: 0xa1, done: 0xa2, failed: 0xaf } as const;

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
    default:
      throw new NcoderMessageError(`unknown session response 0x${op.toString(16)}`);
  }
  r.end(a.op);
  return a;
}
