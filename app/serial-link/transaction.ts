import { randomInt } from 'node:crypto';
import type { SerialTransport } from '../ports/serial.js';
import { encodeFrame, FRAME_OVERHEAD, FrameReader, MAX_FRAME_PAYLOAD, type Frame } from './frame.js';

/**
 * Request and response over a serial line (frame.ts below, session.ts above): one side asks, the
 * other answers each request once, like CoAP's confirmable messages (RFC 7252 §4.2) with one message in
 * flight. The asker repeats a request that got no answer in time; the answerer remembers its last
 * request and answer, so a repeat gets the same answer again instead of being done twice — a lost
 * answer never makes a lock apply a chunk twice or a PPD store a result twice.
 *
 * A repeat is recognised by sequence number AND payload: a new asker (a PPD plugged into another lock,
 * a Service restarted) starts at a random sequence number, and even if it hits the last one its
 * payload (sealed under new keys, or with fresh nonces) differs, so it is never given a stale answer.
 */

export type SerialLinkErrorCode = 'TIMEOUT' | 'CLOSED' | 'ABORTED' | 'TOO_LARGE';

export class SerialLinkError extends Error {
  constructor(
    readonly code: SerialLinkErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SerialLinkError';
  }
}

export interface RequesterOptions {
  /**
   * How long to wait for an answer before repeating the request, on top of the time the line takes
   * to carry the request and the largest answer at `baudRate` (the other end's processing time).
   */
  timeoutMs?: number;
  /** Repeats before giving up with TIMEOUT. */
  retries?: number;
  /** The line speed, to allow for the time frames take on the wire. */
  baudRate?: number;
}

const DEFAULT_TIMEOUT_MS = 400;
const DEFAULT_RETRIES = 4;

/** Milliseconds `bytes` take on a line of `baudRate` (8N1: ten bits a byte). */
export function wireMs(bytes: number, baudRate: number): number {
  return (bytes * 10 * 1000) / baudRate;
}

interface Pending {
  seq: number;
  resolve: (payload: Buffer) => void;
}

/** The asking end: one request at a time, repeated until answered. */
export class SerialRequester {
  private readonly reader = new FrameReader();
  private seq = randomInt(256);
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed: SerialLinkError | undefined;
  private readonly stopData: () => void;
  private readonly stopClose: () => void;
  private readonly closeWaiters = new Set<(err: SerialLinkError) => void>();
  /** Repeats sent, answers that matched no request (diagnostics). */
  readonly stats = { repeats: 0, stray: 0 };

  constructor(
    private readonly transport: SerialTransport,
    private readonly opts: RequesterOptions = {},
  ) {
    this.stopData = transport.onData((chunk) => this.receive(chunk));
    this.stopClose = transport.onClose((err) =>
      this.fail(
        new SerialLinkError(
          'CLOSED',
          err ? `the serial line closed: ${err.message}` : 'the serial line closed',
          err ? { cause: err } : undefined,
        ),
      ),
    );
  }

  /** What the line's frame reader threw away. */
  get lineStats() {
    return this.reader.stats;
  }

  /** Sends `payload` and resolves with the answer's payload; requests queue behind each other. */
  request(payload: Uint8Array, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Buffer> {
    if (payload.length > MAX_FRAME_PAYLOAD)
      return Promise.reject(
        new SerialLinkError(
          'TOO_LARGE',
          `${payload.length} bytes do not fit one frame (${MAX_FRAME_PAYLOAD})`,
        ),
      );
    const run = this.queue.then(() => this.exchange(Buffer.from(payload), opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops listening to the line and fails what is waiting (the transport stays open). */
  close(): void {
    this.fail(new SerialLinkError('CLOSED', 'the requester was closed'));
    this.stopData();
    this.stopClose();
  }

  private async exchange(
    payload: Buffer,
    opts: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<Buffer> {
    if (this.closed) throw this.closed;
    if (opts.signal?.aborted)
      throw new SerialLinkError('ABORTED', 'cancelled', { cause: opts.signal.reason });
    this.seq = (this.seq + 1) & 0xff;
    const seq = this.seq;
    const frame = encodeFrame({ kind: 'request', seq, payload });
    const baud = this.opts.baudRate ?? 115_200;
    const waitMs =
      (opts.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) +
      wireMs(frame.length + FRAME_OVERHEAD + MAX_FRAME_PAYLOAD, baud);
    const retries = this.opts.retries ?? DEFAULT_RETRIES;
    const answered = new Promise<Buffer>((resolve) => (this.pending = { seq, resolve }));
    try {
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) this.stats.repeats++;
        await this.transport.write(frame).catch((err: unknown) => {
          throw new SerialLinkError('CLOSED', `the serial line refused the write: ${String(err)}`, {
            cause: err,
          });
        });
        const outcome = await this.waitFor(answered, waitMs, opts.signal);
        if (outcome !== undefined) return outcome;
      }
      throw new SerialLinkError(
        'TIMEOUT',
        `no answer after ${retries + 1} tries: is the device connected, switched on and at ${baud} baud?`,
      );
    } finally {
      this.pending = undefined;
    }
  }

  /** The answer, or undefined when `ms` passed first; rejects on close or abort. */
  private waitFor(answered: Promise<Buffer>, ms: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    return new Promise<Buffer | undefined>((resolve, reject) => {
      const timer = setTimeout(() => done(() => resolve(undefined)), ms);
      const onAbort = () =>
        done(() => reject(new SerialLinkError('ABORTED', 'cancelled', { cause: signal?.reason })));
      const onClose = (err: SerialLinkError) => done(() => reject(err));
      const done = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.closeWaiters.delete(onClose);
        settle();
      };
      if (this.closed) return done(() => reject(this.closed));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closeWaiters.add(onClose);
      void answered.then((payload) => done(() => resolve(payload)));
    });
  }

  private receive(chunk: Uint8Array): void {
    for (const frame of this.reader.push(chunk)) {
      const p = this.pending;
      if (frame.kind === 'response' && p && frame.seq === p.seq) {
        this.pending = undefined;
        p.resolve(frame.payload);
      } else this.stats.stray++; // a late answer to an earlier try, or our own echo: ignored
    }
  }

  private fail(err: SerialLinkError): void {
    if (this.closed) return;
    this.closed = err;
    for (const w of [...this.closeWaiters]) w(err);
  }
}

/** The answering end: handles each request once, answers repeats from memory. */
export class SerialResponder {
  private readonly reader = new FrameReader();
  private last: { seq: number; payload: Buffer; answer: Promise<Buffer | undefined> } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stopData: () => void;
  /** Requests answered again from memory (the asker missed an answer). */
  readonly stats = { repeats: 0, unanswered: 0 };

  constructor(
    private readonly transport: SerialTransport,
    private readonly handle: (payload: Buffer) => Promise<Buffer | undefined>,
  ) {
    this.stopData = transport.onData((chunk) => this.receive(chunk));
  }

  /** What the line's frame reader threw away. */
  get lineStats() {
    return this.reader.stats;
  }

  /** Stops answering (the transport stays open). */
  close(): void {
    this.stopData();
  }

  private receive(chunk: Uint8Array): void {
    for (const frame of this.reader.push(chunk)) {
      if (frame.kind !== 'request') continue; // our own answers echoed, or noise that passed the CRC
      this.serve(frame);
    }
  }

  private serve(frame: Frame): void {
    const last = this.last;
    if (last && last.seq === frame.seq && last.payload.equals(frame.payload)) {
      this.stats.repeats++;
      void last.answer.then((answer) => this.send(frame.seq, answer));
      return;
    }
    // One request at a time, in order: a handler may take a while (a lock committing an update).
    const answer = this.queue.then(() =>
      this.handle(frame.payload).catch(() => {
        this.stats.unanswered++; // the layer above answers its own errors; a throw here is a bug: stay silent
        return undefined;
      }),
    );
    this.queue = answer;
    this.last = { seq: frame.seq, payload: frame.payload, answer };
    void answer.then((a) => this.send(frame.seq, a));
  }

  private send(seq: number, answer: Buffer | undefined): void {
    if (answer === undefined) return;
    let frame: Buffer;
    try {
      frame = encodeFrame({ kind: 'response', seq, payload: answer });
    } catch {
      this.stats.unanswered++; // an answer over a frame: the layer above must chunk; the asker times out
      return;
    }
    // A write to a closed line fails: the asker repeats, or has gone.
    this.transport.write(frame).catch(() => undefined);
  }
}
