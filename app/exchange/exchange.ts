import { randomInt } from 'node:crypto';
import {
  decodeMessage,
  encodeMessage,
  ExchangeFormatError,
  type ExchangeMessage,
  type Status,
} from './exchange-codec.js';

/**
 * Request/response over a datagram link that may lose, duplicate and reorder (the Noise link below
 * authenticates and encrypts, but UDP stays UDP). CoAP's confirmable messages are the model (RFC 7252
 * section 4): every request block is retransmitted with exponential backoff until its answer arrives,
 * and the responder remembers its answers by message id, so a retransmitted request gets the same
 * answer and its handler runs once. Payloads larger than a block go block-wise as RFC 7959's Block1
 * (request) and Block2 (response). Deviations, and why, in docs/exchange.md.
 */

/** The datagram link under the exchange layer (a Noise session; a plain socket in tests). */
export interface Datagrams {
  send(bytes: Uint8Array): void;
  onMessage(cb: (bytes: Uint8Array) => void): () => void;
}

/** What a handler answers. */
export interface Answer {
  status: Status;
  payload: Uint8Array;
}

/** Serves requests; a throw answers `failed` (the error is logged by the caller, never sent). */
export type Handler = (method: string, payload: Uint8Array) => Answer | Promise<Answer>;

/** Settings; the defaults are CoAP's, except where docs/exchange.md says why not. */
export interface ExchangeOptions {
  /** Bytes of payload per block (a power of two, 16..1024 as RFC 7959's SZX allows). */
  blockSize?: number;
  ackTimeoutMs?: number;
  ackRandomFactor?: number;
  maxRetransmit?: number;
  /**
   * The longest wait for one answer, however often the wait doubled (default: no cap below CoAP's own
   * 2^MAX_RETRANSMIT). Tests that allow many retransmissions cap it so a long unlucky run stays short.
   */
  maxWaitMs?: number;
  /** The largest request or response assembled from blocks. */
  maxPayload?: number;
  /** Random in [0, 1), for the backoff jitter (tests pass a fixed one). */
  random?: () => number;
}

/** Settings of one request. */
export interface RequestOptions {
  /**
   * Keep retransmitting (at the capped interval) until at least this long has passed since the request
   * began before giving up, even after `maxRetransmit`: for a request whose handler takes long on
   * purpose (a fingerprint read waits for the finger). The responder runs the handler once and stays
   * silent until it answers, so the extra retransmissions only keep the caller waiting.
   */
  patienceMs?: number;
}

/** Why a request failed. */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';
  constructor(
    readonly code: 'timeout' | 'closed' | 'too-large' | Exclude<Status, 'ok'>,
    message: string,
  ) {
    super(message);
  }
}

/** What the endpoint saw go wrong on the wire (for the console's counters). */
export interface ExchangeStats {
  retransmitted: number;
  duplicates: number;
  malformed: number;
  unexpected: number;
}

interface Waiting {
  resolve(m: ExchangeMessage): void;
}

interface Served {
  /** The answers sent, by the request's message id: a retransmission gets the same one. */
  answers: Map<number, Buffer>;
  /** Request blocks received so far. */
  blocks: Uint8Array[];
  /** The handler's answer once it ran (response blocks are cut from it). */
  result?: Answer;
  running: boolean;
  touched: number;
}

const MAX_LATENCY_MS = 10_000;
const PROCESSING_DELAY_MS = 2_000;

/** One end of the exchange layer over one link: it can both ask and answer. */
export class ExchangeEndpoint {
  readonly stats: ExchangeStats = { retransmitted: 0, duplicates: 0, malformed: 0, unexpected: 0 };
  private readonly waiting = new Map<number, Waiting>();
  private readonly served = new Map<number, Served>();
  private nextMessageId = randomInt(0, 0xffff_ffff);
  private nextExchangeId = randomInt(0, 0xffff_ffff);
  private lastSweep = 0;
  private readonly off: () => void;
  private closed = false;
  private readonly o: Required<ExchangeOptions>;
  /** How long an exchange's answers are kept for retransmissions (RFC 7252 EXCHANGE_LIFETIME). */
  readonly lifetimeMs: number;

  constructor(
    private readonly link: Datagrams,
    private readonly handler: Handler | undefined,
    options: ExchangeOptions = {},
  ) {
    this.o = {
      blockSize: 1024,
      ackTimeoutMs: 2_000,
      ackRandomFactor: 1.5,
      maxRetransmit: 4,
      maxWaitMs: Infinity,
      maxPayload: 4 * 1024 * 1024,
      random: Math.random,
      ...options,
    };
    const size = this.o.blockSize;
    if (!Number.isInteger(Math.log2(size)) || size < 16 || size > 1024)
      throw new RangeError('exchange: blockSize must be a power of two from 16 to 1024');
    const span = this.o.ackTimeoutMs * (2 ** this.o.maxRetransmit - 1) * this.o.ackRandomFactor;
    this.lifetimeMs = span + 2 * MAX_LATENCY_MS + PROCESSING_DELAY_MS;
    this.off = link.onMessage((bytes) => this.receive(bytes));
  }

  /** Sends a request and resolves with the answer's payload; throws {@link ExchangeError}. */
  async request(method: string, payload: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const patientUntil = Date.now() + (options.patienceMs ?? 0);
    if (payload.length > this.o.maxPayload)
      throw new ExchangeError('too-large', `exchange: ${payload.length} bytes is over ${this.o.maxPayload}`);
    const exchangeId = this.id('exchange');
    const size = this.o.blockSize;
    const count = Math.max(1, Math.ceil(payload.length / size));
    let answer: ExchangeMessage | undefined;
    for (let num = 0; num < count; num++) {
      const more = num < count - 1;
      answer = await this.confirm(
        {
          kind: 'request',
          messageId: 0,
          exchangeId,
          block: count > 1 ? { of: 'request', num, more } : null,
          status: 'ok',
          method,
          payload: payload.subarray(num * size, (num + 1) * size),
        },
        patientUntil,
      );
      if (more && answer.kind !== 'continue') throw this.refused(answer, method);
    }
    const parts = [answer!.payload];
    let total = answer!.payload.length;
    // Block2: the rest of a long answer, one confirmed block at a time.
    while (answer!.kind === 'response' && answer!.block?.of === 'response' && answer!.block.more) {
      answer = await this.confirm({
        kind: 'request',
        messageId: 0,
        exchangeId,
        block: { of: 'response', num: answer!.block.num + 1, more: false },
        status: 'ok',
        method,
        payload: new Uint8Array(0),
      });
      total += answer.payload.length;
      if (total > this.o.maxPayload)
        throw new ExchangeError('too-large', `exchange: the answer to ${method} is too large`);
      parts.push(answer.payload);
    }
    if (answer!.kind !== 'response' || answer!.status !== 'ok') throw this.refused(answer!, method);
    return Buffer.concat(parts);
  }

  /** Stops: pending requests fail with `closed`, incoming datagrams are ignored. */
  close(): void {
    this.closed = true;
    this.off();
    this.waiting.clear();
  }

  private refused(m: ExchangeMessage, method: string): ExchangeError {
    if (m.kind === 'response' && m.status !== 'ok')
      return new ExchangeError(
        m.status,
        `exchange: ${method} answered ${m.status}: ${Buffer.from(m.payload).toString('utf8')}`,
      );
    return new ExchangeError('failed', `exchange: ${method} got an unexpected ${m.kind}`);
  }

  private id(which: 'message' | 'exchange'): number {
    if (which === 'message') return (this.nextMessageId = (this.nextMessageId + 1) >>> 0);
    return (this.nextExchangeId = (this.nextExchangeId + 1) >>> 0);
  }

  /** Sends one confirmable message until its answer comes (retransmitting with backoff), or gives up. */
  private async confirm(m: ExchangeMessage, patientUntil = 0): Promise<ExchangeMessage> {
    const messageId = this.id('message');
    const bytes = encodeMessage({ ...m, messageId });
    let timeout = this.o.ackTimeoutMs * (1 + this.o.random() * (this.o.ackRandomFactor - 1));
    for (let attempt = 0; attempt <= this.o.maxRetransmit || Date.now() < patientUntil; attempt++) {
      if (this.closed) throw new ExchangeError('closed', 'exchange: closed');
      if (attempt > 0) this.stats.retransmitted += 1;
      const answered = new Promise<ExchangeMessage | undefined>((resolve) => {
        const timer = setTimeout(() => {
          this.waiting.delete(messageId);
          resolve(undefined);
        }, timeout);
        this.waiting.set(messageId, {
          resolve: (a) => {
            clearTimeout(timer);
            this.waiting.delete(messageId);
            resolve(a);
          },
        });
      });
      this.link.send(bytes);
      const answer = await answered;
      if (answer) return answer;
      timeout = Math.min(timeout * 2, this.o.maxWaitMs);
    }
    throw new ExchangeError(
      'timeout',
      `exchange: no answer to ${m.method} after ${this.o.maxRetransmit} retransmissions`,
    );
  }

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    let m: ExchangeMessage;
    try {
      m = decodeMessage(bytes);
    } catch (err) {
      if (!(err instanceof ExchangeFormatError)) throw err;
      this.stats.malformed += 1;
      return;
    }
    if (m.kind === 'request') return void this.serve(m);
    const waiting = this.waiting.get(m.messageId);
    if (waiting) waiting.resolve(m);
    else this.stats.duplicates += 1; // a late or duplicated answer: its request is settled already
  }

  /** Answers a request block, once per message id; the handler runs once per exchange. */
  private async serve(m: ExchangeMessage): Promise<void> {
    this.sweep();
    let s = this.served.get(m.exchangeId);
    const cached = s?.answers.get(m.messageId);
    if (cached) {
      this.stats.duplicates += 1;
      this.link.send(cached);
      return;
    }
    if (!s) {
      s = { answers: new Map(), blocks: [], running: false, touched: Date.now() };
      this.served.set(m.exchangeId, s);
    }
    s.touched = Date.now();
    const answer = (a: Omit<ExchangeMessage, 'messageId' | 'exchangeId' | 'method'>) => {
      const out = encodeMessage({ ...a, messageId: m.messageId, exchangeId: m.exchangeId, method: '' });
      s.answers.set(m.messageId, out);
      this.link.send(out);
    };
    if (m.block?.of === 'response') {
      if (!s.result) return void this.stats.unexpected++;
      return answer(this.responseBlock(s.result, m.block.num));
    }
    if (s.running || s.result) return void this.stats.duplicates++; // same exchange, answer on its way
    const num = m.block?.num ?? 0;
    if (num !== s.blocks.length) return void this.stats.unexpected++; // out of order: the sender retransmits
    s.blocks.push(m.payload);
    if (s.blocks.reduce((n, b) => n + b.length, 0) > this.o.maxPayload) {
      s.result = { status: 'bad-request', payload: Buffer.from('request too large') };
      return answer(this.responseBlock(s.result, 0));
    }
    if (m.block?.more)
      return answer({ kind: 'continue', block: m.block, status: 'ok', payload: new Uint8Array(0) });
    s.running = true;
    s.result = await this.run(m.method, Buffer.concat(s.blocks));
    s.running = false;
    s.blocks = [];
    answer(this.responseBlock(s.result, 0));
  }

  private async run(method: string, payload: Uint8Array): Promise<Answer> {
    if (!this.handler) return { status: 'not-found', payload: Buffer.from('this end serves no requests') };
    try {
      return await this.handler(method, payload);
    } catch {
      return { status: 'failed', payload: Buffer.from('the request failed') };
    }
  }

  private responseBlock(
    result: Answer,
    num: number,
  ): Omit<ExchangeMessage, 'messageId' | 'exchangeId' | 'method'> {
    const size = this.o.blockSize;
    const count = Math.max(1, Math.ceil(result.payload.length / size));
    const payload = result.payload.subarray(num * size, (num + 1) * size);
    return {
      kind: 'response',
      block: count > 1 ? { of: 'response', num, more: num < count - 1 } : null,
      status: result.status,
      payload,
    };
  }

  /**
   * Forgets exchanges older than the lifetime: no retransmission of theirs can still arrive. At most
   * once a second: a sweep walks every remembered exchange, which at thousands of requests a second
   * would cost more than the requests.
   */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 1_000) return;
    this.lastSweep = now;
    const before = now - this.lifetimeMs;
    for (const [id, s] of this.served) if (s.touched < before && !s.running) this.served.delete(id);
  }
}
