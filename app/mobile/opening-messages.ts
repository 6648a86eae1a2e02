import { GROUP_KEY_ID_BYTES, X25519_BYTES } from './group-key.js';
import { SIGNATURE_BYTES } from './device-key.js';
import { MAX_TOKEN_BYTES } from './token.js';

/**
 * The messages of a phone opening a lock (docs/mobile-keys.md), one codec for both ends, Aliro-like:
 *
 *   HELLO      0x01 ‖ version (1)
 *   CHALLENGE  0x02 ‖ lock id length (1) ‖ lock id (its serial, 1..64 bytes) ‖ group key id (8, zeros
 *              when the lock holds none) ‖ nonce (16) ‖ lock ephemeral X25519 public (32)
 *   OPEN       0x03 ‖ nonce (16, echoed) ‖ phone ephemeral X25519 public (32) ‖ token length (2, BE) ‖
 *              token ‖ signature (64, ECDSA P-256 P1363 over the transcript) ‖ sealed PIN length (1) ‖
 *              sealed PIN (0: none; else AES-256-GCM under the session's phone key: PIN ‖ tag)
 *   RESULT     0x04 ‖ AES-256-GCM under the session's lock key of: granted (1) ‖ reason (UTF-8) ‖ tag
 *   REFUSED    0x05 ‖ reason (UTF-8, ≤ 120): the lock could not make a session (an unknown challenge,
 *              a bad ephemeral key), so it answers in clear
 */

/** The opening protocol's version in HELLO. */
export const OPENING_VERSION = 1;
/** Bytes of a challenge nonce. */
export const NONCE_BYTES = 16;
/** The longest lock id. */
export const MAX_LOCK_ID = 64;
/** The longest reason text. */
export const MAX_REASON = 120;
/** The longest sealed PIN (a 12-digit PIN and its tag). */
export const MAX_SEALED_PIN = 12 + 16;

/** One message of the opening. */
export type OpeningMessage =
  | { type: 'hello'; version: number }
  | { type: 'challenge'; lockId: string; groupKeyId: Buffer; nonce: Buffer; lockEphemeral: Buffer }
  | {
      type: 'open';
      nonce: Buffer;
      phoneEphemeral: Buffer;
      token: Buffer;
      signature: Buffer;
      sealedPin: Buffer;
    }
  | { type: 'result'; sealed: Buffer }
  | { type: 'refused'; reason: string };

/** Bytes that are not an opening message. */
export class OpeningMessageError extends Error {
  override readonly name = 'OpeningMessageError';
}

const T = { hello: 1, challenge: 2, open: 3, result: 4, refused: 5 } as const;

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  take(n: number, what: string): Buffer {
    if (this.at + n > this.b.length) throw new OpeningMessageError(`${what}: the message ends too soon`);
    const out = Buffer.from(this.b.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
  u8(what: string): number {
    return this.take(1, what)[0]!;
  }
  u16(what: string): number {
    return this.take(2, what).readUInt16BE(0);
  }
  rest(): Buffer {
    const out = Buffer.from(this.b.subarray(this.at));
    this.at = this.b.length;
    return out;
  }
  end(what: string): void {
    if (this.at !== this.b.length) throw new OpeningMessageError(`${what}: bytes after the end`);
  }
}

function utf8(text: string, max: number, what: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length > max) throw new RangeError(`opening: ${what} is over ${max} bytes`);
  return b;
}

function fixed(b: Buffer, n: number, what: string): Buffer {
  if (b.length !== n) throw new RangeError(`opening: ${what} is ${n} bytes, not ${b.length}`);
  return b;
}

function text(b: Buffer, what: string): string {
  const s = b.toString('utf8');
  // Only text that re-encodes to the same bytes: a decoder must not accept two spellings of one message.
  if (!Buffer.from(s, 'utf8').equals(b)) throw new OpeningMessageError(`${what}: not UTF-8`);
  return s;
}

/** A message's bytes; throws RangeError on fields out of their bounds. */
export function encodeOpeningMessage(m: OpeningMessage): Buffer {
  switch (m.type) {
    case 'hello':
      return Buffer.of(T.hello, m.version);
    case 'challenge': {
      const id = utf8(m.lockId, MAX_LOCK_ID, 'the lock id');
      if (id.length < 1) throw new RangeError('opening: the lock id is empty');
      return Buffer.concat([
        Buffer.of(T.challenge, id.length),
        id,
        fixed(m.groupKeyId, GROUP_KEY_ID_BYTES, 'the group key id'),
        fixed(m.nonce, NONCE_BYTES, 'the nonce'),
        fixed(m.lockEphemeral, X25519_BYTES, 'the lock ephemeral key'),
      ]);
    }
    case 'open': {
      if (m.token.length < 1 || m.token.length > MAX_TOKEN_BYTES)
        throw new RangeError(`opening: a token is 1..${MAX_TOKEN_BYTES} bytes`);
      if (m.sealedPin.length > MAX_SEALED_PIN) throw new RangeError('opening: the sealed PIN is too long');
      const length = Buffer.alloc(2);
      length.writeUInt16BE(m.token.length);
      return Buffer.concat([
        Buffer.of(T.open),
        fixed(m.nonce, NONCE_BYTES, 'the nonce'),
        fixed(m.phoneEphemeral, X25519_BYTES, 'the phone ephemeral key'),
        length,
        m.token,
        fixed(m.signature, SIGNATURE_BYTES, 'the signature'),
        Buffer.of(m.sealedPin.length),
        m.sealedPin,
      ]);
    }
    case 'result':
      if (m.sealed.length < 17 || m.sealed.length > 17 + MAX_REASON)
        throw new RangeError('opening: a sealed result is 17..137 bytes');
      return Buffer.concat([Buffer.of(T.result), m.sealed]);
    case 'refused':
      return Buffer.concat([Buffer.of(T.refused), utf8(m.reason, MAX_REASON, 'the reason')]);
  }
}

/** Decodes a message; throws {@link OpeningMessageError} (only) for anything else. */
export function decodeOpeningMessage(bytes: Uint8Array): OpeningMessage {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  const type = r.u8('type');
  let m: OpeningMessage;
  switch (type) {
    case T.hello:
      m = { type: 'hello', version: r.u8('hello version') };
      break;
    case T.challenge: {
      const n = r.u8('lock id length');
      if (n < 1 || n > MAX_LOCK_ID) throw new OpeningMessageError(`challenge: a lock id of ${n} bytes`);
      m = {
        type: 'challenge',
        lockId: text(r.take(n, 'lock id'), 'lock id'),
        groupKeyId: r.take(GROUP_KEY_ID_BYTES, 'group key id'),
        nonce: r.take(NONCE_BYTES, 'nonce'),
        lockEphemeral: r.take(X25519_BYTES, 'lock ephemeral key'),
      };
      break;
    }
    case T.open: {
      const nonce = r.take(NONCE_BYTES, 'nonce');
      const phoneEphemeral = r.take(X25519_BYTES, 'phone ephemeral key');
      const n = r.u16('token length');
      if (n < 1 || n > MAX_TOKEN_BYTES) throw new OpeningMessageError(`open: a token of ${n} bytes`);
      const token = r.take(n, 'token');
      const signature = r.take(SIGNATURE_BYTES, 'signature');
      const p = r.u8('sealed PIN length');
      if (p > MAX_SEALED_PIN) throw new OpeningMessageError(`open: a sealed PIN of ${p} bytes`);
      m = { type: 'open', nonce, phoneEphemeral, token, signature, sealedPin: r.take(p, 'sealed PIN') };
      break;
    }
    case T.result: {
      const sealed = r.rest();
      if (sealed.length < 17 || sealed.length > 17 + MAX_REASON)
        throw new OpeningMessageError(`result: ${sealed.length} sealed bytes`);
      m = { type: 'result', sealed };
      break;
    }
    case T.refused: {
      const reason = r.rest();
      if (reason.length > MAX_REASON) throw new OpeningMessageError('refused: the reason is too long');
      m = { type: 'refused', reason: text(reason, 'reason') };
      break;
    }
    default:
      throw new OpeningMessageError(`unknown opening message 0x${type.toString(16)}`);
  }
  r.end(m.type);
  return m;
}
