import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  MAX_DATAGRAM_BYTES,
  MAX_PLAINTEXT_BYTES,
  MSG_TRANSPORT,
  TAG_BYTES,
  TRANSPORT_HEADER_BYTES,
  writeTransportHeader,
} from './formats.js';
import { canReceive, canSend, shouldRekeyAfterReceive, shouldRekeyAfterSend } from './rekey.js';
import { ReplayWindow } from './replay-window.js';

/** Why a datagram was refused. The link layer counts these; none of them changes the session. */
export type Refusal = 'malformed' | 'wrong-receiver' | 'replayed' | 'expired' | 'forged';

export type OpenResult =
  { readonly ok: true; readonly plaintext: Buffer } | { readonly ok: false; readonly reason: Refusal };

/** Raised by seal() when the session may not send (expired, counter exhausted, or not yet confirmed). */
export class SessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionError';
  }
}

export interface SessionKeys {
  readonly sendKey: Buffer;
  readonly receiveKey: Buffer;
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly initiator: boolean;
  readonly createdAt: number;
  readonly handshakeHash: Buffer;
}

const CIPHER = 'chacha20-poly1305';

/**
 * Transport keys after a handshake (WireGuard section 5.4.6). The counter travels in clear and is
 * the ChaCha20-Poly1305 nonce (4 zero bytes ‖ 64-bit little-endian), which is Noise's nonce layout
 * with the nonce chosen by the datagram instead of implied: UDP loses and reorders.
 */
export class Session {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly initiator: boolean;
  readonly createdAt: number;
  /** Noise channel binding value (the same on both sides). */
  readonly handshakeHash: Buffer;
  private readonly sendKey: Buffer;
  private readonly receiveKey: Buffer;
  private sendCounter = 0n;
  private readonly window = new ReplayWindow();
  private readonly nonce = Buffer.alloc(12);
  private readonly receiveNonce = Buffer.alloc(12);
  /** The responder sends only after the initiator's first datagram proved the initiator holds the keys. */
  private confirmed: boolean;

  constructor(k: SessionKeys) {
    this.sendKey = Buffer.from(k.sendKey);
    this.receiveKey = Buffer.from(k.receiveKey);
    this.localIndex = k.localIndex;
    this.remoteIndex = k.remoteIndex;
    this.initiator = k.initiator;
    this.createdAt = k.createdAt;
    this.handshakeHash = k.handshakeHash;
    this.confirmed = k.initiator;
  }

  private state(): { createdAt: number; sendCounter: bigint; initiator: boolean } {
    return { createdAt: this.createdAt, sendCounter: this.sendCounter, initiator: this.initiator };
  }

  /** True once this side may send (always for the initiator; for the responder after its first datagram). */
  get canSendNow(): boolean {
    return this.confirmed;
  }

  /** Whether the link layer should start a new handshake now (see rekey.ts). */
  needsRekey(now: number): boolean {
    return shouldRekeyAfterSend(this.state(), now) || shouldRekeyAfterReceive(this.state(), now);
  }

  /** Encrypts one datagram. An empty plaintext is a keepalive. */
  seal(plaintext: Uint8Array, now: number = Date.now()): Buffer {
    if (!this.confirmed) throw new SessionError('responder session not confirmed by the initiator yet');
    if (!canSend(this.state(), now)) throw new SessionError('session expired: a new handshake is needed');
    if (plaintext.length > MAX_PLAINTEXT_BYTES)
      throw new RangeError(`plaintext over ${MAX_PLAINTEXT_BYTES} bytes`);
    const counter = this.sendCounter;
    this.sendCounter += 1n; // before encrypting: a counter is never used twice, even if OpenSSL throws
    this.nonce.writeBigUInt64LE(counter, 4);
    const out = Buffer.allocUnsafe(TRANSPORT_HEADER_BYTES + plaintext.length + TAG_BYTES);
    writeTransportHeader(out, this.remoteIndex, counter);
    const cipher = createCipheriv(CIPHER, this.sendKey, this.nonce, { authTagLength: TAG_BYTES });
    cipher.update(plaintext).copy(out, TRANSPORT_HEADER_BYTES);
    cipher.final();
    cipher.getAuthTag().copy(out, TRANSPORT_HEADER_BYTES + plaintext.length);
    return out;
  }

  /** Decrypts one datagram, or says why not; nothing changes unless it authenticates and is fresh. */
  open(datagram: Uint8Array, now: number = Date.now()): OpenResult {
    const d = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    if (d.length < TRANSPORT_HEADER_BYTES + TAG_BYTES || d.length > MAX_DATAGRAM_BYTES)
      return refuse('malformed');
    if (d[0] !== MSG_TRANSPORT || d[1] !== 0 || d[2] !== 0 || d[3] !== 0) return refuse('malformed');
    if (d.readUInt32LE(4) !== this.localIndex) return refuse('wrong-receiver');
    if (!canReceive(this, now)) return refuse('expired');
    const counter = d.readBigUInt64LE(8);
    if (!this.window.check(counter)) return refuse('replayed');
    this.receiveNonce.writeBigUInt64LE(counter, 4); // OpenSSL copies the IV, so one buffer serves every call
    const decipher = createDecipheriv(CIPHER, this.receiveKey, this.receiveNonce, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(d.subarray(d.length - TAG_BYTES));
    const plaintext = decipher.update(d.subarray(TRANSPORT_HEADER_BYTES, d.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      return refuse('forged');
    }
    this.window.mark(counter);
    this.confirmed = true;
    return { ok: true, plaintext };
  }

  /** Erases the keys (WireGuard erases them after 3 × REJECT_AFTER_TIME, or when replaced). */
  destroy(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
    this.sendCounter = (1n << 64n) - 1n;
  }
}

function refuse(reason: Refusal): OpenResult {
  return { ok: false, reason };
}
