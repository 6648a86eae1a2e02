import { ByteReader, labelBytes, NcoderMessageError, textBytes, u64Bytes } from './wire-bytes.js';

/**
 * The NCoder messages as they travel inside the framing (hid-framing.ts). Every message is
 * type(1) ‖ xid(1) ‖ body; the device echoes the xid (exchange id) of the request it answers, so an
 * answer that arrives after its request timed out is never taken for the answer to the next one.
 *
 * In the clear (no session needed): GET_INFO, PAIR, AUTH_BEGIN, AUTH_FINISH and their answers, ERROR.
 * SECURE carries one session message (session-messages.ts) sealed with AES-128-GCM (ncoder-session.ts):
 *   request:  0x10 xid counter(8)               ciphertext ‖ tag(16)
 *   response: 0x90 xid counter(8) inReplyTo(8)  ciphertext ‖ tag(16)
 * where everything before the ciphertext is the GCM associated data.
 */

/** Bytes in a pairing key, AUTH nonces, proofs and GCM tags. */
export const BLOCK = 16;
/** Bytes in a raw X25519 public key. */
export const X25519_BYTES = 32;
/** The protocol version GET_INFO reports; a host refuses a device with another one. */
export const PROTOCOL_VERSION = 1;
const MAX_LABEL = 32;
const MAX_DETAIL = 200;

const T = {
  getInfo: 0x01,
  pair: 0x02,
  authBegin: 0x03,
  authFinish: 0x04,
  secureRequest: 0x10,
  info: 0x81,
  paired: 0x82,
  authChallenge: 0x83,
  authOk: 0x84,
  secureResponse: 0x90,
  error: 0xff,
} as const;

/** Why the device refused a request in the clear. */
export const DEVICE_ERRORS = [
  'NOT_PAIRED',
  'ALREADY_PAIRED',
  'AUTH_FAILED',
  'NO_SESSION',
  'BAD_REQUEST',
] as const;
/** Why the device refused a request in the clear. */
export type DeviceErrorCode = (typeof DEVICE_ERRORS)[number];

/** What GET_INFO tells. */
export interface NcoderInfo {
  protocol: number;
  serial: string;
  firmware: string;
  paired: boolean;
  /** While unpaired: the device's X25519 key for this pairing attempt (PAIR wraps the key to it). */
  pairingPublicKey?: Uint8Array;
}

/** A message from the host (the Service) to the NCoder. */
export type HostMessage =
  | { type: 'get-info'; xid: number }
  | { type: 'pair'; xid: number; hostPublicKey: Uint8Array; wrappedKey: Uint8Array }
  | { type: 'auth-begin'; xid: number; rndA: Uint8Array }
  | { type: 'auth-finish'; xid: number; proof: Uint8Array }
  | { type: 'secure'; xid: number; counter: bigint; sealed: Uint8Array };

/** A message from the NCoder to the host. */
export type DeviceMessage =
  | { type: 'info'; xid: number; info: NcoderInfo }
  | { type: 'paired'; xid: number; confirm: Uint8Array }
  | { type: 'auth-challenge'; xid: number; rndB: Uint8Array; proof: Uint8Array }
  | { type: 'auth-ok'; xid: number }
  | { type: 'secure'; xid: number; counter: bigint; inReplyTo: bigint; sealed: Uint8Array }
  | { type: 'error'; xid: number; code: DeviceErrorCode; detail: string };

function fixed(bytes: Uint8Array, n: number, what: string): Uint8Array {
  if (bytes.length !== n) throw new RangeError(`ncoder-messages: ${what} must be ${n} bytes`);
  return bytes;
}

/** The GCM associated data of a SECURE request: its header. */
export function secureRequestHeader(xid: number, counter: bigint): Buffer {
  return Buffer.concat([Buffer.of(T.secureRequest, xid), u64Bytes(counter)]);
}

/** The GCM associated data of a SECURE response: its header. */
export function secureResponseHeader(xid: number, counter: bigint, inReplyTo: bigint): Buffer {
  return Buffer.concat([Buffer.of(T.secureResponse, xid), u64Bytes(counter), u64Bytes(inReplyTo)]);
}

/** Encodes a host message. */
export function encodeHostMessage(m: HostMessage): Uint8Array {
  switch (m.type) {
    case 'get-info':
      return Buffer.of(T.getInfo, m.xid);
    case 'pair':
      return Buffer.concat([
        Buffer.of(T.pair, m.xid),
        fixed(m.hostPublicKey, X25519_BYTES, 'hostPublicKey'),
        fixed(m.wrappedKey, 2 * BLOCK, 'wrappedKey'),
      ]);
    case 'auth-begin':
      return Buffer.concat([Buffer.of(T.authBegin, m.xid), fixed(m.rndA, BLOCK, 'rndA')]);
    case 'auth-finish':
      return Buffer.concat([Buffer.of(T.authFinish, m.xid), fixed(m.proof, BLOCK, 'proof')]);
    case 'secure':
      return Buffer.concat([secureRequestHeader(m.xid, m.counter), m.sealed]);
  }
}

/** Encodes a device message. */
export function encodeDeviceMessage(m: DeviceMessage): Uint8Array {
  switch (m.type) {
    case 'info': {
      const i = m.info;
      const flags = (i.paired ? 1 : 0) | (i.pairingPublicKey ? 2 : 0);
      return Buffer.concat([
        Buffer.of(T.info, m.xid, i.protocol, flags),
        labelBytes(i.serial, MAX_LABEL),
        labelBytes(i.firmware, MAX_LABEL),
        i.pairingPublicKey ? fixed(i.pairingPublicKey, X25519_BYTES, 'pairingPublicKey') : Buffer.alloc(0),
      ]);
    }
    case 'paired':
      return Buffer.concat([Buffer.of(T.paired, m.xid), fixed(m.confirm, BLOCK, 'confirm')]);
    case 'auth-challenge':
      return Buffer.concat([
        Buffer.of(T.authChallenge, m.xid),
        fixed(m.rndB, BLOCK, 'rndB'),
        fixed(m.proof, BLOCK, 'proof'),
      ]);
    case 'auth-ok':
      return Buffer.of(T.authOk, m.xid);
    case 'secure':
      return Buffer.concat([secureResponseHeader(m.xid, m.counter, m.inReplyTo), m.sealed]);
    case 'error': {
      const code = DEVICE_ERRORS.indexOf(m.code) + 1;
      return Buffer.concat([Buffer.of(T.error, m.xid, code), textBytes(m.detail, MAX_DETAIL)]);
    }
  }
}

/** Decodes a host message; throws {@link NcoderMessageError} (and only that) on anything malformed. */
export function decodeHostMessage(bytes: Uint8Array): HostMessage {
  const r = new ByteReader(bytes);
  const type = r.u8('type');
  const xid = r.u8('xid');
  let m: HostMessage;
  switch (type) {
    case T.getInfo:
      m = { type: 'get-info', xid };
      break;
    case T.pair:
      m = {
        type: 'pair',
        xid,
        hostPublicKey: r.take(X25519_BYTES, 'hostPublicKey'),
        wrappedKey: r.take(2 * BLOCK, 'wrappedKey'),
      };
      break;
    case T.authBegin:
      m = { type: 'auth-begin', xid, rndA: r.take(BLOCK, 'rndA') };
      break;
    case T.authFinish:
      m = { type: 'auth-finish', xid, proof: r.take(BLOCK, 'proof') };
      break;
    case T.secureRequest: {
      const counter = r.u64('counter');
      if (r.left <= BLOCK) throw new NcoderMessageError('secure request: no ciphertext');
      m = { type: 'secure', xid, counter, sealed: r.rest() };
      break;
    }
    default:
      throw new NcoderMessageError(`unknown host message type 0x${type.toString(16)}`);
  }
  r.end(m.type);
  return m;
}

/** Decodes a device message; throws {@link NcoderMessageError} (and only that) on anything malformed. */
export function decodeDeviceMessage(bytes: Uint8Array): DeviceMessage {
  const r = new ByteReader(bytes);
  const type = r.u8('type');
  const xid = r.u8('xid');
  let m: DeviceMessage;
  switch (type) {
    case T.info: {
      const protocol = r.u8('protocol');
      const flags = r.u8('flags');
      if (flags & ~3) throw new NcoderMessageError(`info: unknown flags 0x${flags.toString(16)}`);
      const serial = r.label('serial', MAX_LABEL);
      const firmware = r.label('firmware', MAX_LABEL);
      const info: NcoderInfo = { protocol, serial, firmware, paired: (flags & 1) !== 0 };
      if (flags & 2) info.pairingPublicKey = r.take(X25519_BYTES, 'pairingPublicKey');
      m = { type: 'info', xid, info };
      break;
    }
    case T.paired:
      m = { type: 'paired', xid, confirm: r.take(BLOCK, 'confirm') };
      break;
    case T.authChallenge:
      m = { type: 'auth-challenge', xid, rndB: r.take(BLOCK, 'rndB'), proof: r.take(BLOCK, 'proof') };
      break;
    case T.authOk:
      m = { type: 'auth-ok', xid };
      break;
    case T.secureResponse: {
      const counter = r.u64('counter');
      const inReplyTo = r.u64('inReplyTo');
      if (r.left <= BLOCK) throw new NcoderMessageError('secure response: no ciphertext');
      m = { type: 'secure', xid, counter, inReplyTo, sealed: r.rest() };
      break;
    }
    case T.error: {
      const code = DEVICE_ERRORS[r.u8('error code') - 1];
      if (!code) throw new NcoderMessageError('error: unknown error code');
      m = { type: 'error', xid, code, detail: r.text('error detail', MAX_DETAIL) };
      break;
    }
    default:
      throw new NcoderMessageError(`unknown device message type 0x${type.toString(16)}`);
  }
  r.end(m.type);
  return m;
}
