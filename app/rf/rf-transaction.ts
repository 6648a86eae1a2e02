import type { Log } from '../log.js';
import { type Eui64, parseEui64 } from './eui64.js';
import { maxRfPayload, NETWORK_KEY_INDEX, type RfEndpoint, type RfMessage } from './rf-endpoint.js';

/**
 * Request/response over an {@link RfEndpoint}, for messages larger than a frame and an air that loses
 * frames: both ends of the RF link (the node and each lock) make one `RfPeer` on their endpoint and
 * use `request` to ask and `serve` to answer.
 *
 * A message (up to {@link MAX_RF_MESSAGE} bytes) is cut into fragments of one frame each. The
 * requester sends every fragment of the request, then waits. The responder gathers them; once it has
 * them all it runs the handler — once per transaction, whatever arrives afterwards — and sends the
 * response's fragments, keeping them in memory (`rememberMs`) to answer repeats. A requester that has
 * not got the whole response in `timeoutMs` sends a PROBE carrying the bitmap of the response fragments
 * it holds; the responder answers with what is missing: the response fragments not in the bitmap, or
 * NEED (the bitmap of request fragments it holds, so only those missing are sent again), or BUSY (the
 * handler is still running). Each timeout without progress costs one of `retries`; progress (a new
 * fragment, a NEED) gives them back, and `deadlineMs` bounds the whole exchange. A handler that throws
 * answers with the error's message, which the requester gets as {@link RfTransactionError} `REMOTE`.
 *
 * Frames on the wire (the payload of one secured MAC frame), all multi-byte integers big-endian:
 *   REQ   0x11 txId(4) index(1) count(1) data        RESP 0x12 txId(4) index(1) count(1) data
 *   PROBE 0x13 txId(4) count(1) respBitmap(8)        NEED 0x14 txId(4) reqBitmap(8)
 *   BUSY  0x15 txId(4)
 * A response's reassembled bytes are status(1: 0 ok, 1 failed) ‖ body (failed: the reason, UTF-8).
 * The transaction id is random at start then counts up, so a restarted requester is not answered from
 * the responder's memory of its previous life.
 *
 * "Exactly once" holds while the responder remembers the transaction: a requester must give up
 * (`deadlineMs`, 60 s) before the responder forgets (`rememberMs`, 120 s), and a responder that
 * restarts has forgotten everything — a request repeated after that is handled again, so handlers
 * that change state should be idempotent (the lock's are: transfers by id, blacklists by sequence). A response is secured with the key index its request
 * came with (a join request with the lock's join key is answered with it).
 */

/** The largest request or response, in bytes. */
export const MAX_RF_MESSAGE = 4096;
/** Fragments one message may have (the bitmaps are 64 bits). */
export const MAX_RF_FRAGMENTS = 64;
const FRAGMENT_HEADER = 7;
const BITMAP_BYTES = 8;

export type RfTransactionErrorCode = 'TIMEOUT' | 'CLOSED' | 'TOO_LARGE' | 'REMOTE' | 'SEND';

/** A request that did not get its answer; `code` says why. */
export class RfTransactionError extends Error {
  constructor(
    readonly code: RfTransactionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RfTransactionError';
  }
}

/** Answers one request: the requester's EUI-64, its bytes, and the key index it came with. */
export type RfHandler = (src: Eui64, request: Buffer, keyIndex: number) => Promise<Uint8Array> | Uint8Array;

export interface RfRequestOptions {
  /** Wait for progress before probing. Default the peer's (400 ms). */
  timeoutMs?: number;
  /** Probes without progress before giving up. Default the peer's (8). */
  retries?: number;
  /** The whole exchange's limit, however much progress. Default the peer's (60 s). */
  deadlineMs?: number;
  /** Default {@link NETWORK_KEY_INDEX}. */
  keyIndex?: number;
}

export interface RfPeerOptions {
  timeoutMs?: number;
  retries?: number;
  deadlineMs?: number;
  /** How long a responder remembers a finished transaction to answer repeats. Default 120 s. */
  rememberMs?: number;
  log?: Log;
}

/** What a peer did since start (for status and tests). */
export interface RfPeerStats {
  requests: number;
  handled: number;
  handlerFailures: number;
  /** Response fragments sent again on a PROBE. */
  resent: number;
  /** Request fragments sent again on a NEED. */
  refilled: number;
  probes: number;
  /** Transaction frames dropped: undecodable, unknown transaction, wrong key. */
  ignored: number;
}

// ---------------------------------------------------------------------------------------------------
// The wire codec.

export type TxFrame =
  | { kind: 'req' | 'resp'; txId: number; index: number; count: number; data: Buffer }
  | { kind: 'probe'; txId: number; count: number; have: bigint }
  | { kind: 'need'; txId: number; have: bigint }
  | { kind: 'busy'; txId: number };

const KIND_BYTE = { req: 0x11, resp: 0x12, probe: 0x13, need: 0x14, busy: 0x15 } as const;

/** A transaction frame that cannot be decoded. */
export class TxFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TxFrameError';
  }
}

export function encodeTxFrame(f: TxFrame): Buffer {
  const head = Buffer.alloc(5);
  head[0] = KIND_BYTE[f.kind];
  head.writeUInt32BE(f.txId >>> 0, 1);
  switch (f.kind) {
    case 'req':
    case 'resp':
      return Buffer.concat([head, Buffer.from([f.index, f.count]), f.data]);
    case 'probe': {
      const b = Buffer.alloc(1 + BITMAP_BYTES);
      b[0] = f.count;
      b.writeBigUInt64BE(f.have, 1);
      return Buffer.concat([head, b]);
    }
    case 'need': {
      const b = Buffer.alloc(BITMAP_BYTES);
      b.writeBigUInt64BE(f.have, 0);
      return Buffer.concat([head, b]);
    }
    case 'busy':
      return head;
  }
}

const validCount = (count: number): boolean => count >= 1 && count <= MAX_RF_FRAGMENTS;

export function decodeTxFrame(bytes: Uint8Array): TxFrame {
  const b = Buffer.from(bytes);
  if (b.length < 5) throw new TxFrameError('transaction frame shorter than 5 bytes');
  const txId = b.readUInt32BE(1);
  switch (b[0]) {
    case KIND_BYTE.req:
    case KIND_BYTE.resp: {
      if (b.length < FRAGMENT_HEADER) throw new TxFrameError('fragment shorter than its header');
      const index = b[5]!;
      const count = b[6]!;
      if (!validCount(count) || index >= count) throw new TxFrameError(`fragment ${index} of ${count}`);
      return { kind: b[0] === KIND_BYTE.req ? 'req' : 'resp', txId, index, count, data: b.subarray(7) };
    }
    case KIND_BYTE.probe: {
      if (b.length !== 5 + 1 + BITMAP_BYTES) throw new TxFrameError('PROBE of the wrong length');
      const count = b[5]!;
      const have = b.readBigUInt64BE(6);
      if (!validCount(count) || have >> BigInt(count) !== 0n)
        throw new TxFrameError('PROBE with a bad count');
      return { kind: 'probe', txId, count, have };
    }
    case KIND_BYTE.need:
      if (b.length !== 5 + BITMAP_BYTES) throw new TxFrameError('NEED of the wrong length');
      return { kind: 'need', txId, have: b.readBigUInt64BE(5) };
    case KIND_BYTE.busy:
      if (b.length !== 5) throw new TxFrameError('BUSY of the wrong length');
      return { kind: 'busy', txId };
    default:
      throw new TxFrameError(`unknown transaction frame kind ${b[0]}`);
  }
}

const bit = (i: number): bigint => 1n << BigInt(i);

/** Cuts `message` into fragments that each fit one frame with their header. */
function fragmentsOf(message: Buffer, perFragment: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < message.length || out.length === 0; at += perFragment)
    out.push(message.subarray(at, at + perFragment));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The peer.

interface Outgoing {
  dst: Eui64;
  keyIndex: number;
  request: Buffer[];
  response: (Buffer | undefined)[];
  responseCount: number;
  attempts: number;
  retries: number;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  deadline: NodeJS.Timeout;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

interface Incoming {
  keyIndex: number;
  count: number;
  parts: (Buffer | undefined)[];
  state: 'gathering' | 'handling' | 'done';
  response: Buffer[];
  touchedMs: number;
}

/** Transactions a responder keeps (gathering, running or remembered) before dropping the oldest. */
const MAX_REMEMBERED = 1024;

export class RfPeer {
  readonly stats: RfPeerStats = {
    requests: 0,
    handled: 0,
    handlerFailures: 0,
    resent: 0,
    refilled: 0,
    probes: 0,
    ignored: 0,
  };
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Map<string, Incoming>();
  private handler: RfHandler | undefined;
  private nextTxId = Math.floor(Math.random() * 0x1_0000_0000);
  private closed = false;
  private readonly perFragment: number;
  private readonly defaults: Required<Omit<RfPeerOptions, 'log'>>;
  private readonly log: Log | undefined;
  private readonly onMessage = (m: RfMessage): void => this.receive(m);

  constructor(
    private readonly endpoint: RfEndpoint,
    opts: RfPeerOptions = {},
  ) {
    this.defaults = {
      timeoutMs: opts.timeoutMs ?? 400,
      retries: opts.retries ?? 8,
      deadlineMs: opts.deadlineMs ?? 60_000,
      rememberMs: opts.rememberMs ?? 120_000,
    };
    this.log = opts.log;
    this.perFragment = maxRfPayload(endpoint.level) - FRAGMENT_HEADER;
    if (Math.ceil((MAX_RF_MESSAGE + 1) / this.perFragment) > MAX_RF_FRAGMENTS)
      throw new RangeError('RF frames too small for the largest message');
    endpoint.on('message', this.onMessage);
  }

  /**
   * Sends `bytes` to `dst` and resolves with its answer. Rejects with {@link RfTransactionError}:
   * TOO_LARGE (over {@link MAX_RF_MESSAGE}), TIMEOUT (no progress after `retries` probes, or past
   * `deadlineMs`), REMOTE (the responder's handler failed; the message is its reason), CLOSED, SEND
   * (the endpoint refused to send: no key, counter exhausted).
   */
  request(dst: Eui64, bytes: Uint8Array, opts: RfRequestOptions = {}): Promise<Buffer> {
    if (this.closed) return Promise.reject(new RfTransactionError('CLOSED', 'the RF peer is closed'));
    if (bytes.length > MAX_RF_MESSAGE)
      return Promise.reject(
        new RfTransactionError('TOO_LARGE', `RF request of ${bytes.length} bytes: at most ${MAX_RF_MESSAGE}`),
      );
    const txId = this.nextTxId;
    this.nextTxId = (this.nextTxId + 1) >>> 0;
    this.stats.requests += 1;
    return new Promise<Buffer>((resolve, reject) => {
      const tx: Outgoing = {
        dst: parseEui64(dst),
        keyIndex: opts.keyIndex ?? NETWORK_KEY_INDEX,
        request: fragmentsOf(Buffer.from(bytes), this.perFragment),
        response: [],
        responseCount: 0,
        attempts: 0,
        retries: opts.retries ?? this.defaults.retries,
        timeoutMs: opts.timeoutMs ?? this.defaults.timeoutMs,
        timer: undefined,
        deadline: setTimeout(
          () => this.finish(txId, new RfTransactionError('TIMEOUT', `no answer from ${dst} in time`)),
          opts.deadlineMs ?? this.defaults.deadlineMs,
        ),
        resolve,
        reject,
      };
      this.outgoing.set(txId, tx);
      this.sendRequestParts(txId, tx, 0n);
    });
  }

  /** Answers requests with `handler` from now on (one handler per peer; a second replaces the first). */
  serve(handler: RfHandler): void {
    this.handler = handler;
  }

  /** Rejects every pending request with CLOSED and stops listening. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endpoint.off('message', this.onMessage);
    for (const txId of [...this.outgoing.keys()])
      this.finish(txId, new RfTransactionError('CLOSED', 'the RF peer was closed'));
    this.incoming.clear();
  }

  // -- requester ------------------------------------------------------------------------------------

  private finish(txId: number, result: Buffer | Error): void {
    const tx = this.outgoing.get(txId);
    if (!tx) return;
    this.outgoing.delete(txId);
    clearTimeout(tx.timer);
    clearTimeout(tx.deadline);
    if (result instanceof Error) tx.reject(result);
    else tx.resolve(result);
  }

  private send(dst: Eui64, frame: TxFrame, keyIndex: number): boolean {
    try {
      this.endpoint.send(dst, encodeTxFrame(frame), { keyIndex });
      return true;
    } catch (err) {
      if (frame.kind === 'req' || frame.kind === 'probe')
        this.finish(frame.txId, new RfTransactionError('SEND', (err as Error).message));
      else this.log?.warn({ err, dst }, 'rf-transaction: could not answer');
      return false;
    }
  }

  /** Sends the request fragments not in `have`, then waits. */
  private sendRequestParts(txId: number, tx: Outgoing, have: bigint): void {
    const count = tx.request.length;
    for (let i = 0; i < count; i++) {
      if (have & bit(i)) continue;
      const frame: TxFrame = { kind: 'req', txId, index: i, count, data: tx.request[i]! };
      if (!this.send(tx.dst, frame, tx.keyIndex)) return;
    }
    this.arm(txId, tx);
  }

  private arm(txId: number, tx: Outgoing): void {
    clearTimeout(tx.timer);
    tx.timer = setTimeout(() => this.probe(txId), tx.timeoutMs);
  }

  private probe(txId: number): void {
    const tx = this.outgoing.get(txId);
    if (!tx) return;
    tx.attempts += 1;
    if (tx.attempts > tx.retries) {
      this.finish(
        txId,
        new RfTransactionError('TIMEOUT', `no answer from ${tx.dst} after ${tx.retries} tries`),
      );
      return;
    }
    let have = 0n;
    tx.response.forEach((part, i) => {
      if (part) have |= bit(i);
    });
    this.stats.probes += 1;
    if (this.send(tx.dst, { kind: 'probe', txId, count: tx.request.length, have }, tx.keyIndex))
      this.arm(txId, tx);
  }

  private onAnswer(m: RfMessage, f: TxFrame): void {
    const tx = this.outgoing.get(f.txId);
    if (!tx || tx.dst !== m.src || tx.keyIndex !== m.keyIndex) {
      this.stats.ignored += 1;
      return;
    }
    if (f.kind === 'busy') {
      // The handler is running: wait again and give the tries back (the deadline still holds).
      tx.attempts = 0;
      this.arm(f.txId, tx);
      return;
    }
    if (f.kind === 'need') {
      tx.attempts = 0;
      this.stats.refilled += tx.request.filter((_, i) => !(f.have & bit(i))).length;
      this.sendRequestParts(f.txId, tx, f.have);
      return;
    }
    if (f.kind !== 'resp') return;
    if (tx.responseCount === 0) {
      tx.responseCount = f.count;
      tx.response = new Array<Buffer | undefined>(f.count).fill(undefined);
    }
    if (f.count !== tx.responseCount || tx.response[f.index]) return;
    tx.response[f.index] = f.data;
    tx.attempts = 0;
    if (tx.response.some((p) => !p)) {
      this.arm(f.txId, tx);
      return;
    }
    const whole = Buffer.concat(tx.response as Buffer[]);
    if (whole[0] === 0) this.finish(f.txId, whole.subarray(1));
    else
      this.finish(
        f.txId,
        new RfTransactionError('REMOTE', `${tx.dst} could not answer: ${whole.subarray(1).toString('utf8')}`),
      );
  }

  // -- responder ------------------------------------------------------------------------------------

  private sweep(now: number): void {
    for (const [key, t] of this.incoming) {
      if (t.state !== 'handling' && now - t.touchedMs > this.defaults.rememberMs) this.incoming.delete(key);
    }
    // Oldest first (a Map keeps insertion order): a flood of new transactions pushes out the old.
    for (const [key, t] of this.incoming) {
      if (this.incoming.size <= MAX_REMEMBERED) break;
      if (t.state !== 'handling') this.incoming.delete(key);
    }
  }

  private onRequest(m: RfMessage, f: TxFrame): void {
    const key = `${m.src}/${f.txId}`;
    const now = Date.now();
    this.sweep(now);
    let t = this.incoming.get(key);
    if (f.kind === 'req') {
      if (!t) {
        t = {
          keyIndex: m.keyIndex,
          count: f.count,
          parts: new Array<Buffer | undefined>(f.count).fill(undefined),
          state: 'gathering',
          response: [],
          touchedMs: now,
        };
        this.incoming.set(key, t);
      }
      if (t.keyIndex !== m.keyIndex || t.count !== f.count || t.state !== 'gathering') {
        if (t.state === 'gathering') this.stats.ignored += 1;
        return; // A repeat of a fragment of a request being handled or answered: the PROBE will ask.
      }
      t.touchedMs = now;
      t.parts[f.index] ??= f.data;
      if (t.parts.every((p) => p)) this.handle(m.src, f.txId, t);
      return;
    }
    if (f.kind !== 'probe') return;
    if (t && t.keyIndex !== m.keyIndex) {
      this.stats.ignored += 1;
      return;
    }
    if (!t || t.state === 'gathering') {
      let have = 0n;
      t?.parts.forEach((p, i) => {
        if (p) have |= bit(i);
      });
      this.send(m.src, { kind: 'need', txId: f.txId, have }, m.keyIndex);
      return;
    }
    t.touchedMs = now;
    if (t.state === 'handling') {
      this.send(m.src, { kind: 'busy', txId: f.txId }, m.keyIndex);
      return;
    }
    this.sendResponseParts(m.src, f.txId, t, f.have, true);
  }

  private handle(src: Eui64, txId: number, t: Incoming): void {
    t.state = 'handling';
    const request = Buffer.concat(t.parts as Buffer[]);
    t.parts = [];
    const handler = this.handler;
    const answer = (status: 0 | 1, body: Uint8Array): void => {
      t.state = 'done';
      t.touchedMs = Date.now();
      t.response = fragmentsOf(Buffer.concat([Buffer.from([status]), body]), this.perFragment);
      if (!this.closed) this.sendResponseParts(src, txId, t, 0n, false);
    };
    const fail = (reason: string): void => {
      this.stats.handlerFailures += 1;
      answer(1, Buffer.from(reason.slice(0, 200), 'utf8'));
    };
    if (!handler) {
      fail('not serving requests');
      return;
    }
    this.stats.handled += 1;
    Promise.resolve()
      .then(() => handler(src, request, t.keyIndex))
      .then(
        (body) => {
          if (body.length > MAX_RF_MESSAGE)
            fail(`response of ${body.length} bytes (at most ${MAX_RF_MESSAGE})`);
          else answer(0, body);
        },
        (err: unknown) => {
          this.log?.warn({ err, src }, 'rf-transaction: the request handler failed');
          fail(err instanceof Error ? err.message : String(err));
        },
      );
  }

  private sendResponseParts(dst: Eui64, txId: number, t: Incoming, have: bigint, again: boolean): void {
    const count = t.response.length;
    for (let i = 0; i < count; i++) {
      if (have & bit(i)) continue;
      if (again) this.stats.resent += 1;
      if (!this.send(dst, { kind: 'resp', txId, index: i, count, data: t.response[i]! }, t.keyIndex)) return;
    }
  }

  private receive(m: RfMessage): void {
    let f: TxFrame;
    try {
      f = decodeTxFrame(m.payload);
    } catch {
      this.stats.ignored += 1;
      return;
    }
    if (f.kind === 'req' || f.kind === 'probe') this.onRequest(m, f);
    else this.onAnswer(m, f);
  }
}
