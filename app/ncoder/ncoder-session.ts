import { createCipheriv, createDecipheriv } from 'node:crypto';
import { secretsEqual } from '../crypto/index.js';
import { mutualAuthProof, mutualSessionKeys, type DirectionKeys } from '../crypto/mutual-auth.js';
import {
  secureRequestHeader,
  secureResponseHeader,
  type DeviceMessage,
  type HostMessage,
} from './ncoder-messages.js';
import {
  decodeSessionRequest,
  decodeSessionResponse,
  encodeSessionRequest,
  encodeSessionResponse,
  type SessionRequest,
  type SessionResponse,
} from './session-messages.js';

/**
 * The NCoder session: mutual authentication on the pairing key, then every message sealed.
 *
 * AUTH (both sides hold the 16-byte pairing key K; S is the serial GET_INFO reported):
 *   host → AUTH_BEGIN(RndA)              RndA, RndB: 16 random bytes each, fresh every time
 *   dev  → AUTH_CHALLENGE(RndB, Pd)      Pd = AES-CMAC(K, "lintel-ncoder/1 device-proof" ‖ 0 ‖ RndA ‖ RndB ‖ S)
 *   host → AUTH_FINISH(Ph)               Ph = AES-CMAC(K, "lintel-ncoder/1 host-proof" ‖ 0 ‖ RndA ‖ RndB ‖ S)
 *   dev  → AUTH_OK
 * The device proves first (the host learns "paired elsewhere" without revealing anything), and the two
 * proofs carry different labels, so a device's answer can never be reflected back as a host proof.
 * Each side's nonce makes the other's proof fresh: a recorded exchange does not authenticate again.
 * Proofs are compared in constant time.
 *
 * Session keys: HKDF-SHA256 (RFC 5869, node:crypto) with IKM = K, salt = RndA ‖ RndB,
 * info = "lintel-ncoder/1 host-to-device" | "…device-to-host" ‖ 0 ‖ S; one AES-128 key per direction.
 *
 * Sealing: AES-128-GCM (NIST SP 800-38D, node:crypto), 16-byte tag, 96-bit nonce = direction (32-bit:
 * 1 host→device, 2 device→host) ‖ 64-bit counter. Counters start at 1 after AUTH and only go up, so
 * no nonce repeats under a key (a new AUTH makes new keys). The message header (type, xid, counter,
 * and in answers the counter of the request answered) is the associated data.
 *
 * The receiver accepts a message only if its counter is above the last one it accepted and it
 * authenticates. What it does otherwise (see NcoderDevice and NcoderDriver):
 *   - device: drops the message and counts it, answers nothing: the session goes on for the real host,
 *     and an attacker gets no oracle.
 *   - host: a repeated or late answer is dropped and counted (a duplicate is harmless); an answer that
 *     fails authentication tears the session down: the pending request fails with PROTOCOL (what the
 *     card did is unknown) and the next request authenticates afresh with new keys.
 */

const LABEL = 'lintel-ncoder/1';
const TAG_BYTES = 16;
const MAX_COUNTER = 0xffff_ffff_ffff_ffffn;

/** The party a proof or a key belongs to. */
export type Role = 'host' | 'device';

/** The AUTH proof of `role`: AES-CMAC over a label, both nonces and the serial (app/crypto/mutual-auth.ts). */
export function authProof(
  role: Role,
  pairingKey: Uint8Array,
  rndA: Uint8Array,
  rndB: Uint8Array,
  serial: string,
): Buffer {
  return mutualAuthProof(LABEL, role, pairingKey, rndA, rndB, Buffer.from(serial, 'latin1'));
}

/** Compares a received proof with the expected one in constant time. */
export function proofMatches(expected: Uint8Array, received: Uint8Array): boolean {
  return secretsEqual(expected, received);
}

/** The two per-direction AES-128 keys of one session. */
export type SessionKeys = DirectionKeys;

/** Derives the session keys from the pairing key, both AUTH nonces and the serial (HKDF-SHA256). */
export function deriveSessionKeys(
  pairingKey: Uint8Array,
  rndA: Uint8Array,
  rndB: Uint8Array,
  serial: string,
): SessionKeys {
  return mutualSessionKeys(LABEL, pairingKey, rndA, rndB, Buffer.from(serial, 'latin1'));
}

function nonce(direction: 1 | 2, counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(direction, 0);
  n.writeBigUInt64BE(counter, 4);
  return n;
}

/** Why a sealed message was refused. */
export type OpenFailure = 'replay' | 'forged' | 'malformed';

/** One side of an authenticated session: seals what it sends, checks and opens what it receives. */
export class SecureSession {
  private sendCounter = 0n;
  private lastReceived = 0n;
  private destroyed = false;
  private readonly sendKey: Buffer;
  private readonly receiveKey: Buffer;
  private readonly sendDirection: 1 | 2;
  /** What was refused, by reason (diagnostics; never reset). */
  readonly refused: Record<OpenFailure, number> = { replay: 0, forged: 0, malformed: 0 };

  constructor(
    keys: SessionKeys,
    readonly role: Role,
  ) {
    const host = role === 'host';
    this.sendKey = host ? keys.hostToDevice : keys.deviceToHost;
    this.receiveKey = host ? keys.deviceToHost : keys.hostToDevice;
    this.sendDirection = host ? 1 : 2;
  }

  /** Host: seals a request under the next counter. */
  sealRequest(xid: number, request: SessionRequest): Extract<HostMessage, { type: 'secure' }> {
    if (this.role !== 'host') throw new Error('ncoder-session: only the host sends requests');
    const counter = this.nextCounter();
    const sealed = this.seal(counter, secureRequestHeader(xid, counter), encodeSessionRequest(request));
    return { type: 'secure', xid, counter, sealed };
  }

  /** Device: opens a request, or says why it is refused. */
  openRequest(
    m: Extract<HostMessage, { type: 'secure' }>,
  ): { ok: true; request: SessionRequest } | { ok: false; reason: OpenFailure } {
    const plain = this.open(m.counter, secureRequestHeader(m.xid, m.counter), m.sealed);
    if (typeof plain === 'string') return { ok: false, reason: plain };
    try {
      return { ok: true, request: decodeSessionRequest(plain) };
    } catch {
      this.refused.malformed++;
      return { ok: false, reason: 'malformed' };
    }
  }

  /** Device: seals the answer to the request sealed under `inReplyTo`. */
  sealResponse(
    xid: number,
    inReplyTo: bigint,
    response: SessionResponse,
  ): Extract<DeviceMessage, { type: 'secure' }> {
    if (this.role !== 'device') throw new Error('ncoder-session: only the device sends responses');
    const counter = this.nextCounter();
    const aad = secureResponseHeader(xid, counter, inReplyTo);
    return {
      type: 'secure',
      xid,
      counter,
      inReplyTo,
      sealed: this.seal(counter, aad, encodeSessionResponse(response)),
    };
  }

  /** Host: opens an answer, or says why it is refused. */
  openResponse(
    m: Extract<DeviceMessage, { type: 'secure' }>,
  ): { ok: true; response: SessionResponse } | { ok: false; reason: OpenFailure } {
    const plain = this.open(m.counter, secureResponseHeader(m.xid, m.counter, m.inReplyTo), m.sealed);
    if (typeof plain === 'string') return { ok: false, reason: plain };
    try {
      return { ok: true, response: decodeSessionResponse(plain) };
    } catch {
      this.refused.malformed++;
      return { ok: false, reason: 'malformed' };
    }
  }

  /** Overwrites the keys; the session is unusable afterwards. */
  destroy(): void {
    this.destroyed = true;
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
  }

  private nextCounter(): bigint {
    // 2^64 messages will not happen; refusing beats wrapping to a used nonce if it ever did.
    if (this.destroyed) throw new Error('ncoder-session: the session was closed');
    if (this.sendCounter >= MAX_COUNTER)
      throw new Error('ncoder-session: counter exhausted, authenticate again');
    return ++this.sendCounter;
  }

  private seal(counter: bigint, aad: Uint8Array, plaintext: Uint8Array): Buffer {
    const c = createCipheriv('aes-128-gcm', this.sendKey, nonce(this.sendDirection, counter), {
      authTagLength: TAG_BYTES,
    });
    c.setAAD(aad);
    return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  }

  private open(counter: bigint, aad: Uint8Array, sealed: Uint8Array): Buffer | OpenFailure {
    if (this.destroyed) {
      this.refused.forged++;
      return 'forged';
    }
    if (counter <= this.lastReceived) {
      this.refused.replay++;
      return 'replay';
    }
    if (sealed.length <= TAG_BYTES) {
      this.refused.malformed++;
      return 'malformed';
    }
    const receiveDirection = this.sendDirection === 1 ? 2 : 1;
    const d = createDecipheriv('aes-128-gcm', this.receiveKey, nonce(receiveDirection, counter), {
      authTagLength: TAG_BYTES,
    });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
      this.lastReceived = counter;
      return plain;
    } catch {
      this.refused.forged++;
      return 'forged';
    }
  }
}
