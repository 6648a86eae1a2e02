import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import {
  ENROL_PER_SECOND,
  KEEPALIVE_TIMEOUT,
  REJECT_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
} from './constants.js';
import {
  EnrolmentAttempt,
  EnrolmentResponder,
  type EnrolmentHost,
  type EnrolmentResult,
  type EnrolRefusal,
} from './enrolment.js';
import {
  COOKIE_REPLY_BYTES,
  decodeMessage,
  INITIATION_BYTES,
  LinkFormatError,
  MAX_DATAGRAM_BYTES,
  MAX_ENROL_PAYLOAD_BYTES,
  MSG_COOKIE_REPLY,
  MSG_ENROL_FINISH,
  MSG_ENROL_INIT,
  MSG_ENROL_REPLY,
  MSG_ENROL_RESPONSE,
  MSG_INITIATION,
  MSG_RESPONSE,
  MSG_TRANSPORT,
  RESPONSE_BYTES,
  TAG_BYTES,
  TRANSPORT_HEADER_BYTES,
  type EnrolMessage,
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
 * is what the exchange layer (app/exchange) runs on. Peers can be pinned and forgotten at runtime
 * ({@link LinkEndpoint.addPeer}, {@link LinkEndpoint.removePeer}), and the same socket carries
 * enrolment (enrolment.ts): the Service answers it with an {@link EnrolmentHost}, a device runs it
 * with {@link LinkEndpoint.enrol}.
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
  /** The peers pinned at the start (more with {@link LinkEndpoint.addPeer}). */
  readonly peers?: Iterable<LinkPeerConfig>;
  /** Answers enrolments (the Service): see {@link LinkEndpoint.setEnrolment}. */
  readonly enrolment?: EnrolmentHost;
  /** At most this many enrolment message 1s answered per second (default 20); more are dropped. */
  readonly enrolmentPerSecond?: number;
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
  /**
   * Start a new handshake when data sent this long ago has had nothing authenticated back (WireGuard:
   * KEEPALIVE_TIMEOUT + REKEY_TIMEOUT = 15 s): how a peer that restarted and lost its sessions is found again.
   */
  readonly newHandshakeAfterMs?: number;
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
  /** An enrolment message 1 while no pairing code is pending (or no enrolment host is set). */
  enrolmentClosed: number;
  /** An enrolment message 1 beyond `enrolmentPerSecond`. */
  enrolmentRateLimited: number;
  /** An authenticated enrolment refused: its code was used by another key, or the host's accept threw. */
  enrolmentRefused: number;
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
  /** Handshakes started because data went unanswered (see {@link LinkEndpointOptions.newHandshakeAfterMs}). */
  unansweredHandshakes: number;
  /** Service: enrolments the host accepted (message 4 sent). */
  enrolmentsAccepted: number;
  /** Service: completed enrolments answered again (the device retried; its message 4 was lost). */
  enrolmentsRepeated: number;
  /** Device: enrolment message 1s sent (first tries and retries). */
  enrolmentInitsSent: number;
  /** Device: enrolments completed (message 4 authenticated). */
  enrolmentsCompleted: number;
}

/** A device's enrolment: see {@link LinkEndpoint.enrol}. */
export interface EnrolOptions {
  /** The Service's address and port. */
  readonly address: Endpoint;
  /** The one-time pairing code, as typed (normalised like humanToken()). */
  readonly code: string;
  /** Sent to the Service's host in message 3, encrypted (at most MAX_ENROL_PAYLOAD_BYTES). */
  readonly payload: Uint8Array;
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Start again from message 1, with a fresh ephemeral, after this long without an answer (default 5 s). */
  readonly retryMs?: number;
}

interface Pending {
  index: number;
  firstAt: number;
  lastAt: number;
  jitter: number;
}

class Peer {
  initiator: Initiator;
  readonly listeners = new Set<(bytes: Uint8Array) => void>();
  address: Endpoint | undefined;
  current: Session | undefined;
  previous: { session: Session; until: number } | undefined;
  /** The responder's newest session, used once the initiator's first datagram confirms it. */
  next: Session | undefined;
  pending: Pending | undefined;
  queue: Buffer[] = [];
  lastSentAt = Number.NEGATIVE_INFINITY;
  /** When data went out that nothing authenticated has come back after (WireGuard's "new handshake" timer). */
  unansweredSince: number | undefined;
  /** When data came in that nothing has gone back after (WireGuard's passive keepalive timer). */
  unrepliedSince: number | undefined;
  /** Set by removePeer: handles given out by peer() go dead. */
  removed = false;

  constructor(
    readonly publicKey: Buffer,
    public config: LinkPeerConfig,
    private readonly staticKey: KeyPair,
    private readonly allocateIndex: () => number,
  ) {
    this.address = config.address;
    this.initiator = this.makeInitiator();
  }

  private makeInitiator(): Initiator {
    const { staticKey, allocateIndex } = this;
    return new Initiator({ staticKey, peerPublic: this.publicKey, psk: this.config.psk, allocateIndex });
  }

  /** A new config (psk, address, keepalive); the caller has dropped the sessions. */
  reconfigure(config: LinkPeerConfig): void {
    this.config = config;
    this.address = config.address ?? this.address;
    this.initiator = this.makeInitiator();
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

const ENROL_REFUSAL: Record<EnrolRefusal, keyof RefusalCounts> = {
  'wrong-receiver': 'wrongReceiver',
  replayed: 'replayed',
  forged: 'forged',
  closed: 'enrolmentClosed',
  'rate-limited': 'enrolmentRateLimited',
  refused: 'enrolmentRefused',
};

/** A device's enrolment in progress: its attempts (a retry is a new one) and how it ends. */
interface EnrolRun {
  readonly address: Endpoint;
  readonly attempts: EnrolmentAttempt[];
  /** Some attempt got a message 2: the Service is there (for the error message). */
  answered: boolean;
  /** Restarts from message 1 after `retryMs` without progress. */
  retry: NodeJS.Timeout | undefined;
  settle(outcome: { result: EnrolmentResult } | { error: Error }): void;
}

/** Older attempts of one enrolment still accept their answers (a late message 4 is as good); this many. */
const ENROL_ATTEMPTS_KEPT = 8;
const DEFAULT_ENROL_TIMEOUT = 30_000;

const keyHex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const show = (e: Endpoint) =>
  e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
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
      enrolmentClosed: 0,
      enrolmentRateLimited: 0,
      enrolmentRefused: 0,
    },
    received: 0,
    sent: 0,
    initiationsSent: 0,
    handshakesCompleted: 0,
    cookiesReceived: 0,
    keepalivesSent: 0,
    queueDropped: 0,
    roamed: 0,
    unansweredHandshakes: 0,
    enrolmentsAccepted: 0,
    enrolmentsRepeated: 0,
    enrolmentInitsSent: 0,
    enrolmentsCompleted: 0,
  };
  private readonly byKey = new Map<string, Peer>();
  /** Every live session by its local (receiver) index. */
  private readonly table = new Map<number, { peer: Peer; session: Session }>();
  /** Pending initiations by their sender index, to find the peer a response or cookie reply is for. */
  private readonly pendingIndex = new Map<number, Peer>();
  private readonly responder: Responder;
  private readonly enrolResponder: EnrolmentResponder;
  /** The device's enrolment attempts by their (sender) index. */
  private readonly enrolAttempts = new Map<number, { run: EnrolRun; attempt: EnrolmentAttempt }>();
  private readonly enrolRuns = new Set<EnrolRun>();
  private readonly staticKey: KeyPair;
  private readonly load = new RateMeter();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly o: Required<
    Omit<LinkEndpointOptions, 'staticKey' | 'peers' | 'now' | 'random' | 'enrolment' | 'enrolmentPerSecond'>
  >;
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
      newHandshakeAfterMs: options.newHandshakeAfterMs ?? KEEPALIVE_TIMEOUT + REKEY_TIMEOUT,
      tickMs: options.tickMs ?? 250,
    };
    this.staticKey = options.staticKey;
    const allocate = () => this.allocateIndex();
    this.responder = new Responder({ staticKey: options.staticKey, peers: [], allocateIndex: allocate });
    this.enrolResponder = new EnrolmentResponder({
      staticKey: options.staticKey,
      allocateIndex: allocate,
      now: this.now,
      perSecond: options.enrolmentPerSecond ?? ENROL_PER_SECOND,
    });
    this.enrolResponder.host = options.enrolment;
    for (const c of options.peers ?? []) this.addPeer(c);
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

  /**
   * Pins a peer at runtime (the Service when a device pairs). For a key already pinned the config
   * (psk, address, keepalive) is replaced and its sessions, pending handshake and queue are dropped;
   * handles from {@link peer} and their listeners stay. A replaced config without an address keeps the
   * address last seen.
   */
  addPeer(config: LinkPeerConfig): void {
    if (this.closed) throw new Error('link: the endpoint is closed');
    const key = Buffer.from(config.publicKey);
    if (key.length !== 32) throw new RangeError('link: a peer public key is 32 bytes');
    if (config.psk !== undefined && config.psk.length !== 32) throw new RangeError('link: a psk is 32 bytes');
    const hex = key.toString('hex');
    const existing = this.byKey.get(hex);
    if (existing) {
      this.reset(existing);
      existing.reconfigure(config);
    } else {
      this.byKey.set(hex, new Peer(key, config, this.staticKey, () => this.allocateIndex()));
    }
    this.responder.addPeer(config);
  }

  /**
   * Forgets a peer (the Service when a device is deleted): erases its sessions and keys, drops its
   * pending handshake, queue and listeners, and refuses its initiations from now on (`unknownPeer`).
   * Handles from {@link peer} go dead: sends are dropped. False if the key was not pinned.
   */
  removePeer(publicKey: Uint8Array): boolean {
    const hex = keyHex(publicKey);
    const peer = this.byKey.get(hex);
    if (!peer) return false;
    this.reset(peer);
    peer.listeners.clear();
    peer.removed = true;
    this.byKey.delete(hex);
    this.responder.removePeer(publicKey);
    return true;
  }

  /** The public keys of the pinned peers. */
  peers(): Buffer[] {
    return [...this.byKey.values()].map((p) => Buffer.from(p.publicKey));
  }

  /**
   * Answers enrolments with `host` (the Service), or stops answering new ones (`undefined`). Message 1
   * is answered only while `host.codes()` yields a code, at most `enrolmentPerSecond` times a second.
   */
  setEnrolment(host: EnrolmentHost | undefined): void {
    this.enrolResponder.host = host;
  }

  /** A peer's datagram link: `new ExchangeEndpoint(endpoint.peer(key), handler)` runs over it. */
  peer(publicKey: Uint8Array): LinkDatagrams {
    const peer = this.byKey.get(keyHex(publicKey));
    if (!peer) throw new Error('link: not a pinned peer');
    return {
      send: (bytes) => {
        if (!peer.removed) this.send(peer, bytes);
      },
      onMessage: (cb) => {
        if (peer.removed) return () => false;
        peer.listeners.add(cb);
        return () => peer.listeners.delete(cb);
      },
    };
  }

  /**
   * Enrols this device with a Service (Noise XXpsk3 with the pairing code, on this endpoint's socket):
   * resolves with the Service's public key, the psk for IKpsk2 and the Service's reply once message 4
   * has authenticated. Then pin the Service: `addPeer({ publicKey: peerPublicKey, psk, address })`.
   * Retries from message 1 with a fresh ephemeral after `retryMs` without an answer; rejects with a
   * RangeError for an oversized payload, and an Error saying "no answer from …", "… did not confirm
   * the pairing code …" or "the pairing code was refused by …" otherwise.
   */
  enrol(options: EnrolOptions): Promise<EnrolmentResult> {
    return new Promise<EnrolmentResult>((resolve, reject) => {
      if (this.closed) return reject(new Error('link: the endpoint is closed'));
      if (options.payload.length > MAX_ENROL_PAYLOAD_BYTES) {
        return reject(
          new RangeError(
            `enrolment payload of ${options.payload.length} bytes exceeds ${MAX_ENROL_PAYLOAD_BYTES}`,
          ),
        );
      }
      const address = { address: options.address.address, port: options.address.port };
      const retryMs = options.retryMs ?? REKEY_TIMEOUT;
      const timeoutMs = options.timeoutMs ?? DEFAULT_ENROL_TIMEOUT;
      const payload = Buffer.from(options.payload);
      let deadline: NodeJS.Timeout | undefined = undefined;
      const run: EnrolRun = {
        address,
        attempts: [],
        answered: false,
        retry: undefined,
        settle: (outcome) => {
          if (!this.enrolRuns.delete(run)) return;
          clearTimeout(run.retry);
          clearTimeout(deadline);
          for (const a of run.attempts) this.enrolAttempts.delete(a.index);
          if ('result' in outcome) resolve(outcome.result);
          else reject(outcome.error);
        },
      };
      const start = () => {
        if (!this.enrolRuns.has(run) || this.closed) return;
        const attempt = new EnrolmentAttempt(this.allocateIndex(), {
          staticKey: this.staticKey,
          code: options.code,
          payload,
        });
        run.attempts.push(attempt);
        this.enrolAttempts.set(attempt.index, { run, attempt });
        if (run.attempts.length > ENROL_ATTEMPTS_KEPT) this.enrolAttempts.delete(run.attempts.shift()!.index);
        this.stats.enrolmentInitsSent += 1;
        this.put(attempt.message1(), address);
        clearTimeout(run.retry);
        run.retry = setTimeout(start, retryMs);
      };
      deadline = setTimeout(() => {
        const error = run.answered
          ? `enrolment: ${show(address)} answered but did not confirm the pairing code within ${timeoutMs} ms`
          : `enrolment: no answer from ${show(address)} within ${timeoutMs} ms`;
        run.settle({ error: new Error(error) });
      }, timeoutMs);
      this.enrolRuns.add(run);
      start();
    });
  }

  /** What the console shows per peer. */
  peerState(
    publicKey: Uint8Array,
  ):
    | { address?: Endpoint; connected: boolean; handshaking: boolean; queued: number; sessionAgeMs?: number }
    | undefined {
    const peer = this.byKey.get(keyHex(publicKey));
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
    this.enrolResponder.sweep(now);
    for (const peer of this.byKey.values()) {
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
      // WireGuard section 6.5: data received and nothing sent back for KEEPALIVE_TIMEOUT → a keepalive,
      // so the other side's "unanswered" timer below does not fire for a live peer with nothing to say.
      if (peer.unrepliedSince !== undefined && now - peer.unrepliedSince >= KEEPALIVE_TIMEOUT) {
        peer.unrepliedSince = undefined;
        if (this.transmit(peer, Buffer.alloc(0), now)) this.stats.keepalivesSent += 1;
      }
      // Data sent and nothing authenticated back for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT: the peer may
      // have restarted and lost the session, so a new handshake (it cannot open what we send meanwhile).
      if (
        peer.unansweredSince !== undefined &&
        now - peer.unansweredSince >= this.o.newHandshakeAfterMs &&
        !peer.pending
      ) {
        peer.unansweredSince = undefined;
        this.stats.unansweredHandshakes += 1;
        this.initiate(peer, now);
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
    for (const peer of this.byKey.values()) {
      peer.listeners.clear();
      peer.queue = [];
      peer.current = peer.next = peer.previous = peer.pending = undefined;
    }
    this.enrolResponder.clear();
    for (const run of [...this.enrolRuns]) run.settle({ error: new Error('link: the endpoint was closed') });
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private allocateIndex(): number {
    for (;;) {
      const i = randomBytes(4).readUInt32LE(0);
      if (
        !this.table.has(i) &&
        !this.pendingIndex.has(i) &&
        !this.enrolAttempts.has(i) &&
        !this.enrolResponder.has(i)
      )
        return i;
    }
  }

  private drop(session: Session): void {
    this.table.delete(session.localIndex);
    session.destroy();
  }

  /** Erases a peer's sessions and keys, its pending handshake and its queue. */
  private reset(peer: Peer): void {
    for (const s of peer.sessions()) this.drop(s);
    peer.current = peer.next = undefined;
    peer.previous = undefined;
    if (peer.pending) this.pendingIndex.delete(peer.pending.index);
    peer.pending = undefined;
    this.stats.queueDropped += peer.queue.length;
    peer.queue = [];
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
    if (bytes.length > 0) {
      peer.unansweredSince ??= now;
      peer.unrepliedSince = undefined;
    }
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
      case MSG_ENROL_INIT:
      case MSG_ENROL_RESPONSE:
      case MSG_ENROL_FINISH:
      case MSG_ENROL_REPLY:
        return this.receiveEnrol(d, from, now);
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
    peer.unansweredSince = undefined;
    if (r.plaintext.length > 0) peer.unrepliedSince ??= now;
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
    const peer = this.byKey.get(outcome.peerPublic.toString('hex'));
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

  // --- enrolment -------------------------------------------------------------------------------

  private receiveEnrol(d: Buffer, from: Endpoint, now: number): void {
    let m: EnrolMessage;
    try {
      m = decodeMessage(d) as EnrolMessage;
    } catch (e) {
      if (!(e instanceof LinkFormatError)) throw e;
      this.stats.refused.malformed += 1;
      return;
    }
    const refuse = (reason: EnrolRefusal) => {
      this.stats.refused[ENROL_REFUSAL[reason]] += 1;
    };
    switch (m.type) {
      case MSG_ENROL_INIT: {
        const r = this.enrolResponder.consumeInit(m, now);
        if (r.ok) this.put(r.message, from);
        else refuse(r.reason);
        return;
      }
      case MSG_ENROL_FINISH: {
        this.enrolResponder.consumeFinish(m, from, now).then(
          (r) => {
            if (this.closed) return;
            if (r.ok) {
              this.stats[r.repeated ? 'enrolmentsRepeated' : 'enrolmentsAccepted'] += 1;
            } else refuse(r.reason);
            if (r.message) this.put(r.message, from);
          },
          () => refuse('refused'),
        );
        return;
      }
      case MSG_ENROL_RESPONSE: {
        const entry = this.enrolAttempts.get(m.receiver);
        if (!entry) return refuse('wrong-receiver');
        const r = entry.attempt.consumeResponse(m);
        if (!r.ok) return refuse(r.reason);
        // Message 3 goes where message 1 went, not to wherever message 2 claims to come from.
        this.put(r.message, entry.run.address);
        entry.run.answered = true;
        // Progress: the retry clock restarts, so message 4 gets a full retryMs to arrive.
        entry.run.retry?.refresh();
        return;
      }
      case MSG_ENROL_REPLY: {
        const entry = this.enrolAttempts.get(m.receiver);
        if (!entry) return refuse('wrong-receiver');
        const r = entry.attempt.consumeReply(m);
        if (r.ok) {
          this.stats.enrolmentsCompleted += 1;
          entry.run.settle({ result: r.result });
        } else if (r.reason === 'refused') {
          const error = new Error(`enrolment: the pairing code was refused by ${show(entry.run.address)}`);
          entry.run.settle({ error });
        } else refuse(r.reason);
        return;
      }
    }
  }

  /** WireGuard roaming: the peer's address is wherever its latest authenticated datagram came from. */
  private roam(peer: Peer, from: Endpoint): void {
    if (sameEndpoint(peer.address, from)) return;
    if (peer.address) this.stats.roamed += 1;
    peer.address = { ...from };
  }
}
