/**
 * Wire formats of the link (WireGuard whitepaper section 5.4, same layouts and sizes): a type byte,
 * three reserved zero bytes, then little-endian 32-bit indices and a little-endian 64-bit counter.
 * The decoder is the first code that touches bytes from the network: it checks type, reserved bytes
 * and exact sizes and throws only LinkFormatError.
 */

export const MSG_INITIATION = 1;
export const MSG_RESPONSE = 2;
export const MSG_COOKIE_REPLY = 3;
export const MSG_TRANSPORT = 4;
/** Enrolment (Noise XXpsk3, see enrolment.ts): its three handshake messages and the Service's reply. */
export const MSG_ENROL_INIT = 5;
export const MSG_ENROL_RESPONSE = 6;
export const MSG_ENROL_FINISH = 7;
export const MSG_ENROL_REPLY = 8;

export const INITIATION_BYTES = 148;
export const RESPONSE_BYTES = 92;
export const COOKIE_REPLY_BYTES = 64;
export const TRANSPORT_HEADER_BYTES = 16;
export const TAG_BYTES = 16;
/** The largest datagram the link sends or accepts: fits a 1500-byte IPv6 path without fragments. */
export const MAX_DATAGRAM_BYTES = 1452;
export const MAX_PLAINTEXT_BYTES = MAX_DATAGRAM_BYTES - TRANSPORT_HEADER_BYTES - TAG_BYTES;

/** Where mac1 and mac2 sit: each covers every byte before it. */
export const MAC_BYTES = 16;
export const INITIATION_NOISE_BYTES = 32 + 48 + 28;
export const RESPONSE_NOISE_BYTES = 32 + 16;

/** Enrolment message 1: `e` and the empty payload (keyed, as every psk pattern MixKeys e), then zeros. */
export const ENROL_INIT_NOISE_BYTES = 32 + 16;
/** Padded to the size of message 2, so the Service never answers with more bytes than it received. */
export const ENROL_INIT_BYTES = 108;
/** Enrolment message 2: `e, ee, s, es` and the empty payload. */
export const ENROL_RESPONSE_NOISE_BYTES = 32 + 48 + 16;
export const ENROL_RESPONSE_BYTES = 12 + ENROL_RESPONSE_NOISE_BYTES;
/** Enrolment message 3: `s, se, psk` and the device's payload (0 … MAX_ENROL_PAYLOAD_BYTES). */
export const ENROL_FINISH_MIN_BYTES = 8 + 48 + 16;
export const MAX_ENROL_PAYLOAD_BYTES = MAX_DATAGRAM_BYTES - ENROL_FINISH_MIN_BYTES;
/** Enrolment message 4 refusing: the header and the receiver index, nothing else. */
export const ENROL_REFUSAL_BYTES = 8;
/** Enrolment message 4 accepting: the psk (32) and the Service's reply, sealed under the transport key. */
export const ENROL_REPLY_MIN_BYTES = 8 + 32 + 16;
export const MAX_ENROL_REPLY_BYTES = MAX_DATAGRAM_BYTES - ENROL_REPLY_MIN_BYTES;

/** A datagram that is not a well-formed link message. */
export class LinkFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkFormatError';
  }
}

export interface Initiation {
  readonly type: typeof MSG_INITIATION;
  readonly sender: number;
  /** The Noise message: ephemeral ‖ encrypted static ‖ encrypted TAI64N timestamp. */
  readonly noise: Buffer;
  readonly mac1: Buffer;
  readonly mac2: Buffer;
  readonly bytes: Buffer;
}

export interface Response {
  readonly type: typeof MSG_RESPONSE;
  readonly sender: number;
  readonly receiver: number;
  /** The Noise message: ephemeral ‖ encrypted empty payload. */
  readonly noise: Buffer;
  readonly mac1: Buffer;
  readonly mac2: Buffer;
  readonly bytes: Buffer;
}

export interface CookieReply {
  readonly type: typeof MSG_COOKIE_REPLY;
  readonly receiver: number;
  readonly nonce: Buffer;
  /** The 16-byte cookie sealed with XChaCha20-Poly1305 (32 bytes). */
  readonly sealedCookie: Buffer;
}

export interface Transport {
  readonly type: typeof MSG_TRANSPORT;
  readonly receiver: number;
  readonly counter: bigint;
  /** Ciphertext ‖ tag; the header is not associated data, as in WireGuard: the counter is the nonce. */
  readonly packet: Buffer;
}

export interface EnrolInit {
  readonly type: typeof MSG_ENROL_INIT;
  readonly sender: number;
  /** The Noise message: ephemeral ‖ empty payload's tag (the padding after it is checked and dropped). */
  readonly noise: Buffer;
}

export interface EnrolResponse {
  readonly type: typeof MSG_ENROL_RESPONSE;
  readonly sender: number;
  readonly receiver: number;
  /** The Noise message: ephemeral ‖ encrypted static ‖ empty payload's tag. */
  readonly noise: Buffer;
}

export interface EnrolFinish {
  readonly type: typeof MSG_ENROL_FINISH;
  readonly receiver: number;
  /** The Noise message: encrypted static ‖ encrypted payload. */
  readonly noise: Buffer;
}

export interface EnrolReply {
  readonly type: typeof MSG_ENROL_REPLY;
  readonly receiver: number;
  /** psk ‖ reply sealed with the Service's first transport key (nonce 0); undefined for a refusal. */
  readonly sealed: Buffer | undefined;
}

export type EnrolMessage = EnrolInit | EnrolResponse | EnrolFinish | EnrolReply;

export type LinkMessage = Initiation | Response | CookieReply | Transport | EnrolMessage;

function header(type: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  out[0] = type;
  return out;
}

/** An initiation with zero MACs; the caller fills them with macs.ts. */
export function encodeInitiation(sender: number, noise: Uint8Array): Buffer {
  if (noise.length !== INITIATION_NOISE_BYTES) throw new RangeError('initiation: wrong Noise message size');
  const out = header(MSG_INITIATION, INITIATION_BYTES);
  out.writeUInt32LE(sender, 4);
  out.set(noise, 8);
  return out;
}

export function encodeResponse(sender: number, receiver: number, noise: Uint8Array): Buffer {
  if (noise.length !== RESPONSE_NOISE_BYTES) throw new RangeError('response: wrong Noise message size');
  const out = header(MSG_RESPONSE, RESPONSE_BYTES);
  out.writeUInt32LE(sender, 4);
  out.writeUInt32LE(receiver, 8);
  out.set(noise, 12);
  return out;
}

export function encodeCookieReply(receiver: number, nonce: Uint8Array, sealedCookie: Uint8Array): Buffer {
  if (nonce.length !== 24 || sealedCookie.length !== 32)
    throw new RangeError('cookie reply: wrong field size');
  const out = header(MSG_COOKIE_REPLY, COOKIE_REPLY_BYTES);
  out.writeUInt32LE(receiver, 4);
  out.set(nonce, 8);
  out.set(sealedCookie, 32);
  return out;
}

/** The transport header; the caller appends ciphertext ‖ tag (see session.ts). */
export function writeTransportHeader(out: Buffer, receiver: number, counter: bigint): void {
  out[0] = MSG_TRANSPORT;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out.writeUInt32LE(receiver, 4);
  out.writeBigUInt64LE(counter, 8);
}

export function encodeEnrolInit(sender: number, noise: Uint8Array): Buffer {
  if (noise.length !== ENROL_INIT_NOISE_BYTES) throw new RangeError('enrol init: wrong Noise message size');
  const out = header(MSG_ENROL_INIT, ENROL_INIT_BYTES);
  out.writeUInt32LE(sender, 4);
  out.set(noise, 8);
  return out;
}

export function encodeEnrolResponse(sender: number, receiver: number, noise: Uint8Array): Buffer {
  if (noise.length !== ENROL_RESPONSE_NOISE_BYTES)
    throw new RangeError('enrol response: wrong Noise message size');
  const out = header(MSG_ENROL_RESPONSE, ENROL_RESPONSE_BYTES);
  out.writeUInt32LE(sender, 4);
  out.writeUInt32LE(receiver, 8);
  out.set(noise, 12);
  return out;
}

export function encodeEnrolFinish(receiver: number, noise: Uint8Array): Buffer {
  if (noise.length < ENROL_FINISH_MIN_BYTES - 8 || noise.length > MAX_DATAGRAM_BYTES - 8)
    throw new RangeError('enrol finish: wrong Noise message size');
  const out = header(MSG_ENROL_FINISH, 8 + noise.length);
  out.writeUInt32LE(receiver, 4);
  out.set(noise, 8);
  return out;
}

/** The Service's answer to message 3: the sealed psk ‖ reply, or (without `sealed`) a refusal. */
export function encodeEnrolReply(receiver: number, sealed?: Uint8Array): Buffer {
  const size = sealed ? 8 + sealed.length : ENROL_REFUSAL_BYTES;
  if (sealed && (size < ENROL_REPLY_MIN_BYTES || size > MAX_DATAGRAM_BYTES))
    throw new RangeError('enrol reply: wrong sealed size');
  const out = header(MSG_ENROL_REPLY, size);
  out.writeUInt32LE(receiver, 4);
  if (sealed) out.set(sealed, 8);
  return out;
}

/** The offset of mac1 in a handshake message (mac2 follows it). */
export function macOffset(bytes: Uint8Array): number {
  return bytes.length - 2 * MAC_BYTES;
}

/** The enrolment messages (types 5–8); `b` has passed the header checks. */
function decodeEnrol(b: Buffer, type: number): EnrolMessage {
  const copy = (from: number) => Buffer.from(b.subarray(from));
  if (type === MSG_ENROL_INIT) {
    if (b.length !== ENROL_INIT_BYTES)
      throw new LinkFormatError(`enrol init must be ${ENROL_INIT_BYTES} bytes, got ${b.length}`);
    const end = 8 + ENROL_INIT_NOISE_BYTES;
    if (b.subarray(end).some((x) => x !== 0)) throw new LinkFormatError('enrol init padding is not zero');
    return { type, sender: b.readUInt32LE(4), noise: Buffer.from(b.subarray(8, end)) };
  }
  if (type === MSG_ENROL_RESPONSE) {
    if (b.length !== ENROL_RESPONSE_BYTES)
      throw new LinkFormatError(`enrol response must be ${ENROL_RESPONSE_BYTES} bytes, got ${b.length}`);
    return { type, sender: b.readUInt32LE(4), receiver: b.readUInt32LE(8), noise: copy(12) };
  }
  if (type === MSG_ENROL_FINISH) {
    if (b.length < ENROL_FINISH_MIN_BYTES)
      throw new LinkFormatError(`enrol finish of ${b.length} bytes is truncated`);
    return { type, receiver: b.readUInt32LE(4), noise: copy(8) };
  }
  if (b.length !== ENROL_REFUSAL_BYTES && b.length < ENROL_REPLY_MIN_BYTES)
    throw new LinkFormatError(`enrol reply of ${b.length} bytes is neither a refusal nor a sealed reply`);
  const sealed = b.length === ENROL_REFUSAL_BYTES ? undefined : copy(8);
  return { type: MSG_ENROL_REPLY, receiver: b.readUInt32LE(4), sealed };
}

const EXPECTED: Record<number, [string, number]> = {
  [MSG_INITIATION]: ['initiation', INITIATION_BYTES],
  [MSG_RESPONSE]: ['response', RESPONSE_BYTES],
  [MSG_COOKIE_REPLY]: ['cookie reply', COOKIE_REPLY_BYTES],
};

/** Decodes one datagram, or throws LinkFormatError saying what is wrong. Fields are copies. */
export function decodeMessage(input: Uint8Array): LinkMessage {
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (b.length < 4) throw new LinkFormatError(`datagram of ${b.length} bytes is shorter than a header`);
  if (b.length > MAX_DATAGRAM_BYTES) throw new LinkFormatError(`datagram of ${b.length} bytes is oversized`);
  const type = b[0]!;
  if (b[1] !== 0 || b[2] !== 0 || b[3] !== 0) throw new LinkFormatError('reserved header bytes are not zero');
  if (type === MSG_TRANSPORT) {
    if (b.length < TRANSPORT_HEADER_BYTES + TAG_BYTES) {
      throw new LinkFormatError(`transport datagram of ${b.length} bytes is truncated`);
    }
    return {
      type,
      receiver: b.readUInt32LE(4),
      counter: b.readBigUInt64LE(8),
      packet: Buffer.from(b.subarray(TRANSPORT_HEADER_BYTES)),
    };
  }
  if (type >= MSG_ENROL_INIT && type <= MSG_ENROL_REPLY) return decodeEnrol(b, type);
  const expected = EXPECTED[type];
  if (!expected) throw new LinkFormatError(`unknown message type ${type}`);
  const [what, size] = expected;
  if (b.length !== size) throw new LinkFormatError(`${what} must be ${size} bytes, got ${b.length}`);
  const bytes = Buffer.from(b);
  const at = macOffset(bytes);
  const macs = { mac1: bytes.subarray(at, at + MAC_BYTES), mac2: bytes.subarray(at + MAC_BYTES), bytes };
  if (type === MSG_INITIATION) {
    return {
      type,
      sender: bytes.readUInt32LE(4),
      noise: bytes.subarray(8, 8 + INITIATION_NOISE_BYTES),
      ...macs,
    };
  }
  if (type === MSG_RESPONSE) {
    const noise = bytes.subarray(12, 12 + RESPONSE_NOISE_BYTES);
    return { type, sender: bytes.readUInt32LE(4), receiver: bytes.readUInt32LE(8), noise, ...macs };
  }
  return {
    type: MSG_COOKIE_REPLY,
    receiver: bytes.readUInt32LE(4),
    nonce: bytes.subarray(8, 32),
    sealedCookie: bytes.subarray(32, 64),
  };
}
