import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { KEEPALIVE_TIMEOUT, REJECT_AFTER_TIME, REKEY_ATTEMPT_TIME, REKEY_TIMEOUT } from './constants.js';
import {
  COOKIE_REPLY_BYTES,
  INITIATION_BYTES,
  MAX_DATAGRAM_BYTES,
  MSG_COOKIE_REPLY,
  MSG_INITIATION,
  MSG_RESPONSE,
  MSG_TRANSPORT,
  RESPONSE_BYTES,
  TAG_BYTES,
  TRANSPORT_HEADER_BYTES,
} from './formats.js';
import { Initiator, Responder, type HandshakeRefusal, type PeerConfig } from './handshake.js';
import { RateMeter } from './load-meter.js';
import type { Endpoint } from './macs.js';
import type { KeyPair } from './noise/suite.js';
import { shouldEraseKeys, shouldRekeyAfterReceive } from './rekey.js';
import { SessionError, type Refusal, type Session } from './session.js';

/**
 * The link endpoint on a real UDP socket (issue 8): joins the handshake (handshake.ts), the sessions
 * (session.ts) and the rekey rules (rekey.ts) into WireGuard's behaviour (whitepaper section 6):
 * a session table by receiver index, handshakes started by traffic, retried with jitter and given up,
 * the previous session kept briefly after a rekey, cookie replies under load, roaming, keepalives, and
 * a counter for every datagram refused. For each pinned peer it offers a {@link LinkDatagrams}, which
 * is what the exchange layer (app/exchange) runs on.
 */

/** A datagram link to one peer: the shape app/exchange's `Datagrams` expects. */
export interface LinkDatagrams {
  send(bytes: Uint8Array): void;
  onMessage(cb: (bytes: Uint8Array) => void): () => void;
}

/** A pinned peer. */
export interface LinkPeerConfig extends PeerConfig {
  /** Where to reach it; needed to initiate (a device knows its Service, the Service learns devices by roaming). */
  readonly address?: Endpoint;
  /** Persistent keepalive: an empty datagram after this long without sending (WireGuard's option). */
  readonly keepaliveMs?: number;
}

export interface LinkEndpointOptions {
  readonly staticKey: KeyPair;
  readonly peers: Iterable<LinkPeerConfig>;
  /** The clock (ms); injected by the timer tests. */
  readonly now?: () => number;
  /** Random in [0, 1) for the retry jitter. */
  readonly random?: () => number;
  /** Above this many initiations in the last second the responder answers with cookie replies. */
  readonly underLoadPerSecond?: number;
  /** Retry an unanswered initiation after this (plus 0–333 ms jitter). */
  readonly rekeyTimeoutMs?: number;
  /** Give up retrying after this; queued datagrams are dropped (new data starts a new attempt). */
  readonly rekeyAttemptMs?: number;
  /** How long the previous session still opens datagrams after a rekey. */
  readonly previousSessionMs?: number;
  /** Datagrams held per peer while its handshake runs (oldest dropped first). */
  readonly maxQueued?: number;
  /** The timer period; 0 runs no timer (the caller calls {@link LinkEndpoint.tick}). */
  readonly tickMs?: number;
}

export interface BindOptions {
  readonly port?: number;
  readonly host?: string;
  readonly type?: 'udp4' | 'udp6';
}

/** Why datagrams were refused; every refused datagram counts once, and changes nothing. */
export interface RefusalCounts {
  /** Truncated, oversized, unknown type, bad reserved bytes or wrong size. */
  malformed: number;
  /** No session or pending handshake has this receiver index. */
  wrongReceiver: number;
  /** A transport counter seen before, or an initiation whose timestamp is not newer. */
  replayed: number;
  /** Failed authentication (transport tag, handshake AEAD, cookie reply). */
  forged: number;
  /** Arrived for a session older than REJECT_AFTER_TIME. */
  expired: number;
  /** An initiation answered with a cookie reply instead of a handshake (under load, no valid mac2). */
  cookie: number;
  /** A handshake message with a wrong mac1 (junk, or not meant for this key). */
  mac1: number;
  /** A valid initiation from a static key that is not pinned. */
  unknownPeer: number;
}

export interface LinkStats {
  readonly refused: RefusalCounts;
  received: number;
  sent: number;
  initiationsSent: number;
  handshakesCompleted: number;
  cookiesReceived: number;
  keepalivesSent: number;
  /** Datagrams dropped from a peer's queue (overflow, or the handshake was given up). */
  queueDropped: number;
  /** Times a peer's address changed on an authenticated datagram. */
  roamed: number;
}

interface Pending {
  index: number;
  firstAt: number;
  lastAt: number;
  jitter: number;
}

class Peer {
  readonly initiator: Initiator;
  readonly listeners = new Set<(bytes: Uint8Array) => void>();
  address: Endpoint | undefined;
  current: Session | undefined;
  previous: { session: Session; until: number } | undefined;
  /** The responder's newest session, used once the initiator's first datagram confirms it. */
  next: Session | undefined;
  pending: Pending | undefined;
  queue: Buffer[] = [];
  lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly publicKey: Buffer,
    readonly config: LinkPeerConfig,
    staticKey: KeyPair,
    allocateIndex: () => number,
  ) {
    this.address = config.address;
    this.initiator = new Initiator({ staticKey, peerPublic: publicKey, psk: config.psk, allocateIndex });
  }

  sessions(): Session[] {
    return [this.current, this.previous?.session, this.next].filter((s): s is Session => s !== undefined);
  }
}

const SESSION_REFUSAL: Record<Refusal, keyof RefusalCounts> = {
  malformed: 'malformed',
  'wrong-receiver': 'wrongReceiver',
  replayed: 'replayed',
  expired: 'expired',
  forged: 'forged',
};

const HANDSHAKE_REFUSAL: Record<HandshakeRefusal, keyof RefusalCounts> = {
  malformed: 'malformed',
  'bad-mac1': 'mac1',
  'unknown-peer': 'unknownPeer',
  'replayed-initiation': 'replayed',
  unexpected: 'wrongReceiver',
  'not-authentic': 'forged',
};

const keyHex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const sameEndpoint = (a: Endpoint | undefined, b: Endpoint) => a?.address === b.address && a.port === b.port;

/** One end of the secure link on one UDP socket; serves any number of pinned peers. */
export class LinkEndpoint {
  readonly stats: LinkStats = {
    refused: {
      malformed: 0,
      wrongReceiver: 0,
      replayed: 0,
      forged: 0,
      expired: 0,
      cookie: 0,
      mac1: 0,
      unknownPeer: 0,
    },
    received: 0,
    sent: 0,
    initiationsSent: 0,
    handshakesCompleted: 0,
    cookiesReceived: 0,
    keepalivesSent: 0,
    queueDropped: 0,
    roamed: 0,
  };
  private readonly peers = new Map<string, Peer>();
  /** Every live session by its local (receiver) index. */
  private readonly table = new Map<number, { peer: Peer; session: Session }>();
  /** Pending initiations by their sender index, to find the peer a response or cookie reply is for. */
  private readonly pendingIndex = new Map<number, Peer>();
  private readonly responder: Responder;
  private readonly load = new RateMeter();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly o: Required<Omit<LinkEndpointOptions, 'staticKey' | 'peers' | 'now' | 'random'>>;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Binds a new UDP socket and starts the endpoint on it. */
  static async bind(options: LinkEndpointOptions & BindOptions): Promise<LinkEndpoint> {
    const socket = dgram.createSocket(options.type ?? 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new LinkEndpoint(socket, options);
  }

  /** Runs on a bound socket (it takes the socket over: {@link close} closes it). */
  constructor(
    readonly socket: dgram.Socket,
    options: LinkEndpointOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.o = {
      underLoadPerSecond: options.underLoadPerSecond ?? 1_000,
      rekeyTimeoutMs: options.rekeyTimeoutMs ?? REKEY_TIMEOUT,
      rekeyAttemptMs: options.rekeyAttemptMs ?? REKEY_ATTEMPT_TIME,
      previousSessionMs: options.previousSessionMs ?? KEEPALIVE_TIMEOUT + REKEY_TIMEOUT,
      maxQueued: options.maxQueued ?? 256,
      tickMs: options.tickMs ?? 250,
    };
    const allocate = () => this.allocateIndex();
    const configs = [...options.peers];
    for (const c of configs) {
      const key = Buffer.from(c.publicKey);
      this.peers.set(key.toString('hex'), new Peer(key, c, options.staticKey, allocate));
    }
    this.responder = new Responder({ staticKey: options.staticKey, peers: configs, allocateIndex: allocate });
    socket.on('message', (msg, from) => this.receive(msg, { address: from.address, port: from.port }));
    socket.on('error', () => undefined); // ICMP unreachable and the like: UDP is lossy anyway
    if (this.o.tickMs > 0) {
      this.timer = setInterval(() => this.tick(), this.o.tickMs);
      this.timer.unref();
    }
  }

  /** The local address and port. */
  get address(): Endpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** Live sessions (current, previous and unconfirmed, all peers). */
  get sessionCount(): number {
    return this.table.size;
  }

  /** A peer's datagram link: `new ExchangeEndpoint(endpoint.peer(key), handler)` runs over it. */
  peer(publicKey: Uint8Array): LinkDatagrams {
    const peer = this.peers.get(keyHex(publicKey));
    if (!peer) throw new Error('link: not a pinned peer');
    return {
      send: (bytes) => this.send(peer, bytes),
      onMessage: (cb) => {
        peer.listeners.add(cb);
        return () => peer.listeners.delete(cb);
      },
    };
  }

  /** What the console shows per peer. */
  peerState(
    publicKey: Uint8Array,
  ):
    | { address?: Endpoint; connected: boolean; handshaking: boolean; queued: number; sessionAgeMs?: number }
    | undefined {
    const peer = this.peers.get(keyHex(publicKey));
    if (!peer) return undefined;
    const now = this.now();
    return {
      ...(peer.address ? { address: { ...peer.address } } : {}),
      connected: peer.current !== undefined && peer.current.canSendNow,
      handshaking: peer.pending !== undefined,
      queued: peer.queue.length,
      ...(peer.current ? { sessionAgeMs: now - peer.current.createdAt } : {}),
    };
  }

  /** Runs the timers: retries and give-ups, session expiry, keepalives. Called every `tickMs`. */
  tick(): void {
    if (this.closed) return;
    const now = this.now();
    for (const peer of this.peers.values()) {
      const p = peer.pending;
      if (p && now - p.firstAt >= this.o.rekeyAttemptMs) {
        this.pendingIndex.delete(p.index);
        peer.pending = undefined;
        this.stats.queueDropped += peer.queue.length;
        peer.queue = [];
      } else if (p && now - p.lastAt >= this.o.rekeyTimeoutMs + p.jitter) {
        this.sendInitiation(peer, now);
      }
      if (peer.previous && now >= peer.previous.until) {
        this.drop(peer.previous.session);
        peer.previous = undefined;
      }
      if (peer.next && now - peer.next.createdAt >= REJECT_AFTER_TIME) {
        this.drop(peer.next);
        peer.next = undefined;
      }
      if (peer.current && shouldEraseKeys(peer.current, now)) {
        this.drop(peer.current);
        peer.current = undefined;
      }
      const every = peer.config.keepaliveMs;
      if (every && peer.current?.canSendNow && now - peer.lastSentAt >= every) {
        if (this.transmit(peer, Buffer.alloc(0), now)) this.stats.keepalivesSent += 1;
      }
    }
  }

  /** Stops the timer, closes the socket and erases every key. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const { session } of this.table.values()) session.destroy();
    this.table.clear();
    this.pendingIndex.clear();
    for (const peer of this.peers.values()) {
      peer.listeners.clear();
      peer.queue = [];
      peer.current = peer.next = peer.previous = peer.pending = undefined;
    }
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private allocateIndex(): number {
    for (;;) {
      const i = randomBytes(4).readUInt32LE(0);
      if (!this.table.has(i) && !this.pendingIndex.has(i)) return i;
    }
  }

  private drop(session: Session): void {
    this.table.delete(session.localIndex);
    session.destroy();
  }

  private put(socketBytes: Buffer, to: Endpoint): void {
    this.stats.sent += 1;
    this.socket.send(socketBytes, to.port, to.address, () => undefined);
  }

  // --- sending ---------------------------------------------------------------------------------

  private send(peer: Peer, bytes: Uint8Array): void {
    if (this.closed) return;
    const now = this.now();
    if (this.transmit(peer, bytes, now)) {
      if (peer.current!.needsRekey(now)) this.initiate(peer, now);
      return;
    }
    if (peer.queue.length >= this.o.maxQueued) {
      peer.queue.shift();
      this.stats.queueDropped += 1;
    }
    peer.queue.push(Buffer.from(bytes));
    this.initiate(peer, now);
  }

  /** Seals with the current session and sends; false when there is no usable session. */
  private transmit(peer: Peer, bytes: Uint8Array, now: number): boolean {
    const s = peer.current;
    if (!s?.canSendNow || !peer.address) return false;
    let sealed: Buffer;
    try {
      sealed = s.seal(bytes, now);
    } catch (e) {
      if (e instanceof SessionError) return false;
      throw e;
    }
    peer.lastSentAt = now;
    this.put(sealed, peer.address);
    return true;
  }

  private flush(peer: Peer, now: number): void {
    while (peer.queue.length > 0) {
      if (!this.transmit(peer, peer.queue[0]!, now)) return;
      peer.queue.shift();
    }
  }

  /** Starts a handshake unless one is running; it needs an address to send to. */
  private initiate(peer: Peer, now: number): void {
    if (peer.pending || !peer.address) return;
    peer.pending = { index: 0, firstAt: now, lastAt: now, jitter: 0 };
    this.sendInitiation(peer, now);
  }

  private sendInitiation(peer: Peer, now: number): void {
    const p = peer.pending!;
    const message = peer.initiator.createInitiation(now);
    this.pendingIndex.delete(p.index);
    p.index = message.readUInt32LE(4);
    p.lastAt = now;
    p.jitter = this.random() * 333; // WireGuard: 0–333 ms, so two ends do not retry in lockstep
    this.pendingIndex.set(p.index, peer);
    this.stats.initiationsSent += 1;
    this.put(message, peer.address!);
  }

  /** A new session becomes current; the old one stays briefly for datagrams already on their way. */
  private promote(peer: Peer, session: Session, now: number): void {
    if (peer.previous) this.drop(peer.previous.session);
    peer.previous = peer.current
      ? { session: peer.current, until: now + this.o.previousSessionMs }
      : undefined;
    peer.current = session;
    this.stats.handshakesCompleted += 1;
  }

  // --- receiving -------------------------------------------------------------------------------

  private receive(d: Buffer, from: Endpoint): void {
    if (this.closed) return;
    this.stats.received += 1;
    const now = this.now();
    // Cheapest checks first: size and header, before any lookup or cryptography.
    if (d.length < 4 || d.length > MAX_DATAGRAM_BYTES || d[1] !== 0 || d[2] !== 0 || d[3] !== 0) {
      this.stats.refused.malformed += 1;
      return;
    }
    switch (d[0]) {
      case MSG_TRANSPORT:
        if (d.length < TRANSPORT_HEADER_BYTES + TAG_BYTES) break;
        return this.receiveTransport(d, from, now);
      case MSG_INITIATION:
        if (d.length !== INITIATION_BYTES) break;
        return this.receiveInitiation(d, from, now);
      case MSG_RESPONSE:
        if (d.length !== RESPONSE_BYTES) break;
        return this.receiveResponse(d, from, now);
      case MSG_COOKIE_REPLY:
        if (d.length !== COOKIE_REPLY_BYTES) break;
        return this.receiveCookieReply(d);
    }
    this.stats.refused.malformed += 1;
  }

  private receiveTransport(d: Buffer, from: Endpoint, now: number): void {
    const entry = this.table.get(d.readUInt32LE(4));
    if (!entry) {
      this.stats.refused.wrongReceiver += 1;
      return;
    }
    const { peer, session } = entry;
    const r = session.open(d, now);
    if (!r.ok) {
      this.stats.refused[SESSION_REFUSAL[r.reason]] += 1;
      return;
    }
    // Authenticated: only now may the datagram move the peer (roaming) or confirm a session.
    this.roam(peer, from);
    if (session === peer.next) {
      peer.next = undefined;
      this.promote(peer, session, now);
    }
    if (session === peer.current) {
      this.flush(peer, now);
      const state = { createdAt: session.createdAt, initiator: session.initiator, sendCounter: 0n };
      if (shouldRekeyAfterReceive(state, now)) this.initiate(peer, now);
    }
    if (r.plaintext.length === 0) return; // keepalive
    for (const cb of peer.listeners) cb(r.plaintext);
  }

  private receiveInitiation(d: Buffer, from: Endpoint, now: number): void {
    this.load.add(now);
    const underLoad = this.load.rate(now) > this.o.underLoadPerSecond;
    const outcome = this.responder.consumeInitiation(d, from, now, underLoad);
    if (outcome.kind === 'refused') {
      this.stats.refused[HANDSHAKE_REFUSAL[outcome.reason]] += 1;
      return;
    }
    if (outcome.kind === 'cookie') {
      this.stats.refused.cookie += 1;
      this.put(outcome.reply, from);
      return;
    }
    const peer = this.peers.get(outcome.peerPublic.toString('hex'));
    if (!peer) {
      this.stats.refused.unknownPeer += 1;
      return;
    }
    const { message, session } = outcome.createResponse(now);
    if (peer.next) this.drop(peer.next);
    peer.next = session;
    this.table.set(session.localIndex, { peer, session });
    this.roam(peer, from);
    this.put(message, from);
  }

  private receiveResponse(d: Buffer, from: Endpoint, now: number): void {
    const peer = this.pendingIndex.get(d.readUInt32LE(8));
    if (!peer) {
      this.stats.refused.wrongReceiver += 1;
      return;
    }
    const outcome = peer.initiator.consumeResponse(d, now);
    if (!outcome.ok) {
      this.stats.refused[HANDSHAKE_REFUSAL[outcome.reason]] += 1;
      return;
    }
    this.pendingIndex.delete(peer.pending!.index);
    peer.pending = undefined;
    const session = outcome.session;
    this.table.set(session.localIndex, { peer, session });
    this.promote(peer, session, now);
    this.roam(peer, from);
    const sentBefore = this.stats.sent;
    this.flush(peer, now);
    // Key confirmation: the responder may not send before it has heard from us on the new keys, so
    // with nothing queued we send a keepalive at once (WireGuard does the same).
    if (this.stats.sent === sentBefore && this.transmit(peer, Buffer.alloc(0), now))
      this.stats.keepalivesSent += 1;
  }

  private receiveCookieReply(d: Buffer): void {
    const peer = this.pendingIndex.get(d.readUInt32LE(4));
    if (!peer) {
      this.stats.refused.wrongReceiver += 1;
      return;
    }
    if (peer.initiator.consumeCookieReply(d, this.now())) this.stats.cookiesReceived += 1;
    else this.stats.refused.forged += 1;
  }

  /** WireGuard roaming: the peer's address is wherever its latest authenticated datagram came from. */
  private roam(peer: Peer, from: Endpoint): void {
    if (sameEndpoint(peer.address, from)) return;
    if (peer.address) this.stats.roamed += 1;
    peer.address = { ...from };
  }
}
