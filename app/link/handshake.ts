import { randomBytes } from 'node:crypto';
import { CONSTRUCTION, COOKIE_LIFETIME, IDENTIFIER } from './constants.js';
import {
  decodeMessage,
  encodeCookieReply,
  encodeInitiation,
  encodeResponse,
  LinkFormatError,
  MSG_COOKIE_REPLY,
  MSG_INITIATION,
  MSG_RESPONSE,
  type LinkMessage,
} from './formats.js';
import { CookieChecker, mac1Key, mac1Valid, openCookie, writeMacs, type Endpoint } from './macs.js';
import { HandshakeState } from './noise/handshake-state.js';
import type { KeyObject } from 'node:crypto';
import { dh, importPublic, NoiseError, type KeyPair } from './noise/suite.js';
import { Session } from './session.js';
import { TAI64N_BYTES, tai64n, tai64nAfter, tai64nNext } from './tai64n.js';

/**
 * The link handshake: Noise IKpsk2 as WireGuard uses it (whitepaper 5.4.2–5.4.3). The initiator
 * knows the responder's static key (pinned at pairing); message 1 carries the initiator's static
 * key and a TAI64N timestamp, message 2 mixes in the psk (all zeros when the pair has none).
 */

const ZERO_PSK = Buffer.alloc(32);
const PROLOGUE = Buffer.from(IDENTIFIER, 'utf8');

export type HandshakeRefusal =
  'malformed' | 'bad-mac1' | 'unknown-peer' | 'replayed-initiation' | 'unexpected' | 'not-authentic';

function randomIndex(): number {
  return randomBytes(4).readUInt32LE(0);
}

function decode(msg: Uint8Array): LinkMessage | undefined {
  try {
    return decodeMessage(msg);
  } catch (e) {
    if (e instanceof LinkFormatError) return undefined;
    throw e;
  }
}

/** Runs a Noise step; a NoiseError (forgery, wrong key) becomes undefined, anything else is a bug. */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof NoiseError) return undefined;
    throw e;
  }
}

export interface InitiatorOptions {
  readonly staticKey: KeyPair;
  /** The responder's static public key, pinned at pairing. */
  readonly peerPublic: Uint8Array;
  readonly psk?: Uint8Array;
  /** Picks our index for the next session; the link layer passes one that is unused locally. */
  readonly allocateIndex?: () => number;
}

export type ResponseOutcome = { ok: true; session: Session } | { ok: false; reason: HandshakeRefusal };

/** The initiator's side: one pending handshake at a time, and the last cookie received. */
export class Initiator {
  private pending: { hs: HandshakeState; index: number; mac1: Buffer } | undefined;
  private cookie: { value: Buffer; receivedAt: number } | undefined;
  private lastTimestamp: Buffer = Buffer.alloc(TAI64N_BYTES);
  private readonly peerMac1Key: Buffer;
  private readonly ownMac1Key: Buffer;
  /** DH(s, rs) and the imported peer key, made at the first handshake (see HandshakeOptions.known). */
  private peer: { ss: Buffer; key: KeyObject } | undefined;

  constructor(private readonly opts: InitiatorOptions) {
    this.peerMac1Key = mac1Key(opts.peerPublic);
    this.ownMac1Key = mac1Key(opts.staticKey.publicKey);
  }

  private known(): { ss: Buffer; key: KeyObject } {
    if (!this.peer) {
      const key = importPublic(this.opts.peerPublic);
      this.peer = { key, ss: dh(this.opts.staticKey, key) };
    }
    return this.peer;
  }

  /** Message 1 (148 bytes). Replaces any pending handshake; carries mac2 if a fresh cookie is held. */
  createInitiation(now: number): Buffer {
    const hs = new HandshakeState({
      protocolName: CONSTRUCTION,
      initiator: true,
      prologue: PROLOGUE,
      s: this.opts.staticKey,
      rs: this.opts.peerPublic,
      psks: [this.opts.psk ?? ZERO_PSK],
      known: () => this.known(),
    });
    // Strictly increasing even if the clock stalls or steps back: the responder refuses anything else.
    let ts = tai64n(now);
    if (!tai64nAfter(ts, this.lastTimestamp)) ts = tai64nNext(this.lastTimestamp);
    this.lastTimestamp = ts;
    const index = (this.opts.allocateIndex ?? randomIndex)();
    const msg = encodeInitiation(index, hs.writeMessage(ts));
    const cookie =
      this.cookie && now - this.cookie.receivedAt < COOKIE_LIFETIME ? this.cookie.value : undefined;
    writeMacs(msg, this.peerMac1Key, cookie);
    this.pending = { hs, index, mac1: Buffer.from(msg.subarray(116, 132)) };
    return msg;
  }

  /** A cookie reply to our pending initiation: stores the cookie for the next attempt. */
  consumeCookieReply(msg: Uint8Array, now: number): boolean {
    const m = decode(msg);
    if (m?.type !== MSG_COOKIE_REPLY || !this.pending || m.receiver !== this.pending.index) return false;
    const value = openCookie(this.opts.peerPublic, m.nonce, m.sealedCookie, this.pending.mac1);
    if (!value) return false;
    this.cookie = { value, receivedAt: now };
    return true;
  }

  /** Message 2: completes the handshake into a Session, or refuses it (the pending handshake stays). */
  consumeResponse(msg: Uint8Array, now: number): ResponseOutcome {
    const m = decode(msg);
    if (m?.type !== MSG_RESPONSE) return { ok: false, reason: 'malformed' };
    if (!this.pending || m.receiver !== this.pending.index) return { ok: false, reason: 'unexpected' };
    if (!mac1Valid(m.bytes, this.ownMac1Key)) return { ok: false, reason: 'bad-mac1' };
    const { hs, index } = this.pending;
    // A failed read changes nothing, so a forged response cannot cancel the real one still on its way.
    const payload = attempt(() => hs.readMessage(m.noise));
    if (!payload || !hs.finished) return { ok: false, reason: 'not-authentic' };
    this.pending = undefined;
    const { c1, c2, handshakeHash } = hs.finished;
    return {
      ok: true,
      session: new Session({
        sendKey: c1.key!,
        receiveKey: c2.key!,
        localIndex: index,
        remoteIndex: m.sender,
        initiator: true,
        createdAt: now,
        handshakeHash,
      }),
    };
  }
}

export interface PeerConfig {
  readonly publicKey: Uint8Array;
  readonly psk?: Uint8Array;
}

export interface ResponderOptions {
  readonly staticKey: KeyPair;
  /** The pinned peers allowed to connect. */
  readonly peers: Iterable<PeerConfig>;
  readonly allocateIndex?: () => number;
}

export interface AcceptedInitiation {
  readonly kind: 'accepted';
  readonly peerPublic: Buffer;
  /** Message 2 (92 bytes) and the responder's session (which sends once the initiator has sent). */
  createResponse(now: number): { message: Buffer; session: Session };
}

export type InitiationOutcome =
  | AcceptedInitiation
  | { readonly kind: 'cookie'; readonly reply: Buffer }
  | { readonly kind: 'refused'; readonly reason: HandshakeRefusal };

/** The responder's side: pinned peers, the newest timestamp accepted from each, and the cookie checker. */
export class Responder {
  private readonly peers = new Map<string, PeerConfig>();
  /** Per pinned peer, made on first use: DH(s, rs), its imported key and its mac1 key (see HandshakeOptions.known). */
  private readonly precomputed = new Map<string, { ss: Buffer; key: KeyObject; mac1: Buffer }>();
  private readonly timestamps = new Map<string, Buffer>();
  private readonly mac1Key: Buffer;
  private readonly cookies: CookieChecker;

  constructor(private readonly opts: ResponderOptions) {
    for (const p of opts.peers) this.peers.set(Buffer.from(p.publicKey).toString('hex'), p);
    this.mac1Key = mac1Key(opts.staticKey.publicKey);
    this.cookies = new CookieChecker(opts.staticKey.publicKey);
  }

  /** Pins a peer, or replaces a pinned peer's psk. The last accepted timestamp is kept (no replays). */
  addPeer(peer: PeerConfig): void {
    this.peers.set(Buffer.from(peer.publicKey).toString('hex'), peer);
  }

  /** The precomputed values of a pinned peer, or undefined for a key that is not pinned. */
  private known(rs: Buffer): { ss: Buffer; key: KeyObject; mac1: Buffer } | undefined {
    const hex = rs.toString('hex');
    if (!this.peers.has(hex)) return undefined;
    let p = this.precomputed.get(hex);
    if (!p) {
      const key = importPublic(rs);
      p = { key, ss: dh(this.opts.staticKey, key), mac1: mac1Key(rs) };
      this.precomputed.set(hex, p);
    }
    return p;
  }

  /**
   * Forgets a peer: its initiations are refused as `unknown-peer` from now on. Its last accepted
   * timestamp is kept, so an initiation recorded before removal cannot be replayed if it is pinned again.
   */
  removePeer(publicKey: Uint8Array): boolean {
    const hex = Buffer.from(publicKey).toString('hex');
    this.precomputed.get(hex)?.ss.fill(0);
    this.precomputed.delete(hex);
    return this.peers.delete(hex);
  }

  /**
   * Message 1 from `source`. Gates in cost order: size, mac1 (one keyed BLAKE2s), then under load
   * mac2 (or a cookie reply and nothing else), then the Noise work (DH), then the timestamp.
   */
  consumeInitiation(msg: Uint8Array, source: Endpoint, now: number, underLoad = false): InitiationOutcome {
    const m = decode(msg);
    if (m?.type !== MSG_INITIATION) return { kind: 'refused', reason: 'malformed' };
    if (!mac1Valid(m.bytes, this.mac1Key)) return { kind: 'refused', reason: 'bad-mac1' };
    if (underLoad && !this.cookies.mac2Valid(m.bytes, source, now)) {
      const { nonce, sealedCookie } = this.cookies.seal(source, m.mac1, now);
      return { kind: 'cookie', reply: encodeCookieReply(m.sender, nonce, sealedCookie) };
    }
    const hs = new HandshakeState({
      protocolName: CONSTRUCTION,
      initiator: false,
      prologue: PROLOGUE,
      s: this.opts.staticKey,
      known: (rs) => this.known(rs),
    });
    const ts = attempt(() => hs.readMessage(m.noise));
    const peerPublic = hs.remoteStatic;
    if (!ts || !peerPublic) return { kind: 'refused', reason: 'not-authentic' };
    const key = peerPublic.toString('hex');
    const peer = this.peers.get(key);
    if (!peer) return { kind: 'refused', reason: 'unknown-peer' };
    const last = this.timestamps.get(key);
    if (ts.length !== TAI64N_BYTES || (last && !tai64nAfter(ts, last))) {
      return { kind: 'refused', reason: 'replayed-initiation' };
    }
    this.timestamps.set(key, ts);
    hs.addPsk(peer.psk ?? ZERO_PSK);
    const remoteIndex = m.sender;
    const allocate = this.opts.allocateIndex ?? randomIndex;
    return {
      kind: 'accepted',
      peerPublic,
      createResponse: (at: number) => {
        const index = allocate();
        const message = encodeResponse(index, remoteIndex, hs.writeMessage(Buffer.alloc(0)));
        writeMacs(message, this.known(peerPublic)?.mac1 ?? mac1Key(peerPublic), undefined);
        const { c1, c2, handshakeHash } = hs.finished!;
        const session = new Session({
          sendKey: c2.key!,
          receiveKey: c1.key!,
          localIndex: index,
          remoteIndex,
          initiator: false,
          createdAt: at,
          handshakeHash,
        });
        return { message, session };
      },
    };
  }
}
