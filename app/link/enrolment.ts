import { createHash } from 'node:crypto';
import { normaliseHumanToken } from '../crypto/random.js';
import {
  ENROL_CONSTRUCTION,
  ENROL_IDENTIFIER,
  ENROL_PENDING_TIME,
  ENROL_PER_SECOND,
  ENROL_REPEAT_TIME,
  LABEL_ENROL_PSK,
  LABEL_PAIRING,
} from './constants.js';
import {
  encodeEnrolFinish,
  encodeEnrolInit,
  encodeEnrolReply,
  encodeEnrolResponse,
  MAX_ENROL_PAYLOAD_BYTES,
  MAX_ENROL_REPLY_BYTES,
  type EnrolFinish,
  type EnrolInit,
  type EnrolReply,
  type EnrolResponse,
} from './formats.js';
import { RateMeter } from './load-meter.js';
import type { Endpoint } from './macs.js';
import type { CipherState } from './noise/cipher-state.js';
import { HandshakeState } from './noise/handshake-state.js';
import { NoiseError, type KeyPair } from './noise/suite.js';

/**
 * Enrolment (pairing) of a gateway or control unit with the Service: Noise XXpsk3, the device as
 * initiator, the Service as responder, the one-time pairing code as the psk. Both static keys travel
 * encrypted and are pinned on success; afterwards the pair talks IKpsk2 (handshake.ts).
 *
 * Why psk3 (at the end of the device's last message) and not psk0/psk2: the Service is the side
 * anyone on the network can talk to, and with psk3 it never sends anything that depends on the code,
 * so it offers no guessing oracle; a passive observer cannot test guesses either (every key also
 * depends on ee). A man in the middle posing as the Service gets one offline guess test per attempt,
 * so the code must carry real entropy: Lintel's pairing codes are humanToken() values (120 bits).
 * The device learns that the Service knew the code from the Service's first transport message
 * (message 4), and must not pin the Service key before that message has authenticated.
 *
 * This file holds both sides without sockets ({@link EnrolmentAttempt} for the device,
 * {@link EnrolmentResponder} for the Service); `LinkEndpoint` (udp-endpoint.ts) runs them on its
 * UDP socket next to the IKpsk2 traffic. Wire formats: formats.ts (types 5–8); see docs/link.md.
 */

/** The psk for a pairing code: HASH(label ‖ normalised code), normalised as people type it (case, dashes, O/0). */
export function pairingPsk(code: string): Buffer {
  return createHash('blake2s256')
    .update(LABEL_PAIRING, 'utf8')
    .update(normaliseHumanToken(code), 'utf8')
    .digest();
}

/**
 * The IKpsk2 psk of a newly paired device: HASH(LABEL_ENROL_PSK ‖ h), h the handshake hash of the
 * enrolment the Service accepted. With a psk token, h has absorbed a value derived from the chaining
 * key and the code (MixKeyAndHash), so an eavesdropper cannot compute it; it is never logged or sent.
 */
export function enrolmentPsk(handshakeHash: Uint8Array): Buffer {
  return createHash('blake2s256').update(LABEL_ENROL_PSK, 'utf8').update(handshakeHash).digest();
}

/** A fresh enrolment handshake for one side; the caller runs its three messages and then Split. */
export function enrolmentHandshake(opts: {
  initiator: boolean;
  staticKey: KeyPair;
  /** Omitted by a responder that tries several pending codes on message 3 (setPsks). */
  pairingCode?: string;
}): HandshakeState {
  return new HandshakeState({
    protocolName: ENROL_CONSTRUCTION,
    initiator: opts.initiator,
    prologue: Buffer.from(ENROL_IDENTIFIER, 'utf8'),
    s: opts.staticKey,
    psks: opts.pairingCode === undefined ? [] : [pairingPsk(opts.pairingCode)],
  });
}

/** Runs a Noise step; a NoiseError (forgery, bad key) becomes undefined, anything else is a bug. */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof NoiseError) return undefined;
    throw e;
  }
}

const EMPTY = Buffer.alloc(0);
const PSK_BYTES = 32;

/** Why an enrolment datagram was refused; the endpoint counts each in `stats.refused`. */
export type EnrolRefusal =
  /** No pending enrolment or attempt has this receiver index, or it is not waiting for this message. */
  | 'wrong-receiver'
  /** A duplicate of a message already taken. */
  | 'replayed'
  /** Did not authenticate: junk, or message 3 under none of the pending codes (a wrong code). */
  | 'forged'
  /** Message 1 while no pairing code is pending. */
  | 'closed'
  /** Message 1 beyond the per-second limit. */
  | 'rate-limited'
  /** Authenticated, but refused: the code was used by another key, or the host's `accept` threw. */
  | 'refused';

// --- the device's side ----------------------------------------------------------------------------

/** What a device learns from a successful enrolment. */
export interface EnrolmentResult {
  /** The Service's static public key: pin it (`addPeer`) only now, after message 4 authenticated. */
  readonly peerPublicKey: Buffer;
  /** The psk for the IKpsk2 sessions with the Service (the same value the Service pinned). */
  readonly psk: Buffer;
  /** The Service's reply payload (whatever its host's `accept` returned). */
  readonly reply: Buffer;
}

export type ReplyOutcome =
  | { readonly ok: true; readonly result: EnrolmentResult }
  | { readonly ok: false; readonly reason: 'refused' | 'forged' | 'wrong-receiver' };

/**
 * One attempt on the device's side: a fresh ephemeral and index. A retry is a new attempt (the
 * Service keeps no state that a lost message could leave half-used).
 */
export class EnrolmentAttempt {
  private readonly hs: HandshakeState;
  private state: 'new' | 'wait-response' | 'wait-reply' | 'done' = 'new';
  private receive: CipherState | undefined;
  private peerPublic: Buffer | undefined;

  constructor(
    readonly index: number,
    private readonly o: { staticKey: KeyPair; code: string; payload: Uint8Array },
  ) {
    if (o.payload.length > MAX_ENROL_PAYLOAD_BYTES)
      throw new RangeError(
        `enrolment payload of ${o.payload.length} bytes exceeds ${MAX_ENROL_PAYLOAD_BYTES}`,
      );
    this.hs = enrolmentHandshake({ initiator: true, staticKey: o.staticKey, pairingCode: o.code });
  }

  /** Message 1 (type 5). */
  message1(): Buffer {
    if (this.state !== 'new') throw new Error('enrolment: message 1 was already written');
    this.state = 'wait-response';
    return encodeEnrolInit(this.index, this.hs.writeMessage(EMPTY));
  }

  /** Message 2 → message 3 (carrying the payload), or a refusal (the attempt is unchanged). */
  consumeResponse(
    m: EnrolResponse,
  ): { ok: true; message: Buffer } | { ok: false; reason: 'forged' | 'replayed' | 'wrong-receiver' } {
    if (m.receiver !== this.index || this.state === 'new') return { ok: false, reason: 'wrong-receiver' };
    if (this.state !== 'wait-response') return { ok: false, reason: 'replayed' };
    if (attempt(() => this.hs.readMessage(m.noise)) === undefined) return { ok: false, reason: 'forged' };
    const noise = this.hs.writeMessage(this.o.payload);
    const { c2 } = this.hs.finished!;
    this.receive = c2;
    this.peerPublic = this.hs.remoteStatic;
    this.state = 'wait-reply';
    return { ok: true, message: encodeEnrolFinish(m.sender, noise) };
  }

  /** Message 4: the sealed psk ‖ reply under the Service's first transport key, or a refusal. */
  consumeReply(m: EnrolReply): ReplyOutcome {
    if (m.receiver !== this.index || this.state !== 'wait-reply')
      return { ok: false, reason: 'wrong-receiver' };
    // A refusal cannot be authenticated (a wrong code gives the Service no key to seal with); it
    // carries our random index, so only someone who saw message 1 can forge one, and they can drop it too.
    if (!m.sealed) return { ok: false, reason: 'refused' };
    const sealed = m.sealed;
    const plain = attempt(() => this.receive!.decryptWithAd(EMPTY, sealed));
    if (!plain || plain.length < PSK_BYTES) return { ok: false, reason: 'forged' };
    this.state = 'done';
    return {
      ok: true,
      result: {
        peerPublicKey: this.peerPublic!,
        psk: Buffer.from(plain.subarray(0, PSK_BYTES)),
        reply: Buffer.from(plain.subarray(PSK_BYTES)),
      },
    };
  }
}

// --- the Service's side ---------------------------------------------------------------------------

/** A pairing code the Service accepts now: `id` names it to the host, `code` is what the person types. */
export interface PendingCode {
  readonly id: string;
  readonly code: string;
}

/** What the host learns when a device has proved it knows a pending code. */
export interface EnrolmentRequest {
  readonly codeId: string;
  /** The device's static public key. */
  readonly publicKey: Buffer;
  /** The device's payload (from message 3, decrypted). */
  readonly payload: Buffer;
  /** Where message 3 came from. */
  readonly address: Endpoint;
  /** The psk for this device's IKpsk2 sessions: `endpoint.addPeer({ publicKey, psk, address })`. */
  readonly psk: Buffer;
}

/**
 * The Service's host: which codes are pending, and what to do with a device that proved one. `accept`
 * decides (consume the code, record and pin the device) and returns the reply payload for message 4
 * (at most MAX_ENROL_REPLY_BYTES); if it throws (or returns an oversized reply), the enrolment is refused.
 */
export interface EnrolmentHost {
  codes(): Iterable<PendingCode>;
  accept(e: EnrolmentRequest): Buffer | Promise<Buffer>;
}

export interface EnrolmentResponderOptions {
  readonly staticKey: KeyPair;
  readonly allocateIndex: () => number;
  readonly now: () => number;
  /** Message 1s answered per second (default ENROL_PER_SECOND). */
  readonly perSecond?: number;
  /** How long a completed enrolment is answered again for the same key (default ENROL_REPEAT_TIME). */
  readonly repeatMs?: number;
  /** How long an answered message 1 waits for message 3 (default ENROL_PENDING_TIME). */
  readonly pendingMs?: number;
}

export type FinishOutcome =
  | { readonly ok: true; readonly message: Buffer; readonly repeated: boolean }
  | {
      readonly ok: false;
      readonly reason: EnrolRefusal;
      /** A refusal to send back, if any. */ readonly message?: Buffer;
    };

interface Completed {
  readonly publicKey: Buffer;
  readonly codePsk: Buffer;
  /** Infinity while the host's accept runs; then the time it is forgotten. */
  until: number;
  result: Promise<{ psk: Buffer; reply: Buffer } | undefined> | undefined;
}

/** At most this many answered message 1s wait for message 3 (the rate limit keeps far fewer). */
const MAX_PENDING = 4_096;

/** The Service's side: answers message 1, tries the pending codes on message 3, asks the host. */
export class EnrolmentResponder {
  host: EnrolmentHost | undefined;
  private readonly pending = new Map<number, { hs: HandshakeState; remoteIndex: number; at: number }>();
  /** Enrolments the host accepted (or is accepting), by code id: answered again for the same key. */
  private readonly completed = new Map<string, Completed>();
  private readonly meter = new RateMeter();
  private readonly perSecond: number;
  private readonly repeatMs: number;
  private readonly pendingMs: number;

  constructor(private readonly o: EnrolmentResponderOptions) {
    this.perSecond = o.perSecond ?? ENROL_PER_SECOND;
    this.repeatMs = o.repeatMs ?? ENROL_REPEAT_TIME;
    this.pendingMs = o.pendingMs ?? ENROL_PENDING_TIME;
  }

  /** True when `index` names an enrolment waiting for message 3 (so the endpoint does not reuse it). */
  has(index: number): boolean {
    return this.pending.has(index);
  }

  /** Enrolments waiting for message 3. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Open while a code is pending or a completed enrolment may be repeated. */
  private open(): boolean {
    if (this.completed.size > 0) return true;
    try {
      if (this.host) for (const _ of this.host.codes()) return true;
    } catch {
      // A host whose codes() throws has none: a datagram must never crash the Service.
    }
    return false;
  }

  /** The host's pending codes; a host that throws has none (a datagram must never crash the Service). */
  private hostCodes(): PendingCode[] {
    try {
      return this.host ? [...this.host.codes()] : [];
    } catch {
      return [];
    }
  }

  /** Message 1 → message 2. Cheapest gates first: open, then the rate, then the Noise work. */
  consumeInit(
    m: EnrolInit,
    now: number,
  ): { ok: true; message: Buffer } | { ok: false; reason: EnrolRefusal } {
    if (!this.open()) return { ok: false, reason: 'closed' };
    if (this.meter.rate(now) >= this.perSecond) return { ok: false, reason: 'rate-limited' };
    this.meter.add(now);
    const hs = enrolmentHandshake({ initiator: false, staticKey: this.o.staticKey });
    const index = this.o.allocateIndex();
    const noise = attempt(() => {
      hs.readMessage(m.noise);
      return hs.writeMessage(EMPTY);
    });
    if (!noise) return { ok: false, reason: 'forged' };
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(index, { hs, remoteIndex: m.sender, at: now });
    return { ok: true, message: encodeEnrolResponse(index, m.sender, noise) };
  }

  /** The codes to try on message 3: completed enrolments first (so a retry is recognised), then the host's. */
  private candidates(now: number): { id: string; psk: Buffer }[] {
    const out = new Map<string, Buffer>();
    for (const [id, c] of this.completed) if (c.until > now) out.set(id, c.codePsk);
    for (const { id, code } of this.hostCodes()) if (!out.has(id)) out.set(id, pairingPsk(code));
    return [...out].map(([id, psk]) => ({ id, psk }));
  }

  /**
   * Message 3 → message 4. Each message 2 allows one message 3 (one guess per rate-limited message 1):
   * the pending enrolment is removed before anything else. The first pending code under which the
   * message authenticates wins; the host's `accept` then decides. Completed enrolments are answered
   * again (same psk, same reply) for the same device key, and refused for any other.
   */
  async consumeFinish(m: EnrolFinish, from: Endpoint, now: number): Promise<FinishOutcome> {
    const p = this.pending.get(m.receiver);
    if (!p) return { ok: false, reason: 'wrong-receiver' };
    this.pending.delete(m.receiver);
    const refusal = encodeEnrolReply(p.remoteIndex);
    let found: { id: string; psk: Buffer } | undefined;
    let payload: Buffer | undefined;
    for (const c of this.candidates(now)) {
      p.hs.setPsks([c.psk]);
      payload = attempt(() => p.hs.readMessage(m.noise));
      if (payload) {
        found = c;
        break;
      }
    }
    if (!found || !payload) return { ok: false, reason: 'forged', message: refusal };
    const publicKey = p.hs.remoteStatic!;
    const { c2, handshakeHash } = p.hs.finished!;
    let entry = this.completed.get(found.id);
    if (entry && entry.until <= now) {
      this.completed.delete(found.id);
      entry = undefined;
    }
    const repeated = entry !== undefined;
    if (entry) {
      if (!entry.publicKey.equals(publicKey)) return { ok: false, reason: 'refused', message: refusal };
    } else {
      const host = this.host;
      if (!host) return { ok: false, reason: 'refused', message: refusal };
      const psk = enrolmentPsk(handshakeHash);
      const request = { codeId: found.id, publicKey, payload, address: { ...from }, psk };
      entry = { publicKey, codePsk: found.psk, until: Number.POSITIVE_INFINITY, result: undefined };
      // In the table before accept runs: a retry arriving meanwhile waits for the same answer.
      this.completed.set(found.id, entry);
      entry.result = this.runAccept(host, request, found.id, entry);
    }
    const result = await entry.result!;
    if (!result) return { ok: false, reason: 'refused', message: refusal };
    const sealed = c2.encryptWithAd(EMPTY, Buffer.concat([result.psk, result.reply]));
    return { ok: true, repeated, message: encodeEnrolReply(p.remoteIndex, sealed) };
  }

  private async runAccept(
    host: EnrolmentHost,
    request: EnrolmentRequest,
    id: string,
    entry: Completed,
  ): Promise<{ psk: Buffer; reply: Buffer } | undefined> {
    let reply: Buffer | undefined;
    try {
      reply = Buffer.from(await host.accept(request));
    } catch {
      reply = undefined;
    }
    if (!reply || reply.length > MAX_ENROL_REPLY_BYTES) {
      if (this.completed.get(id) === entry) this.completed.delete(id);
      return undefined;
    }
    entry.until = this.o.now() + this.repeatMs;
    return { psk: request.psk, reply };
  }

  /** Forgets enrolments that waited too long for message 3, and completed ones past their repeat time. */
  sweep(now: number): void {
    for (const [i, p] of this.pending) if (now - p.at >= this.pendingMs) this.pending.delete(i);
    for (const [id, c] of this.completed) if (now >= c.until) this.completed.delete(id);
  }

  /** Drops all state (the endpoint closes). */
  clear(): void {
    this.pending.clear();
    this.completed.clear();
  }
}
