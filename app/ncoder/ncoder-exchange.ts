import type { Log } from '../log.js';
import { hidOutputReport, type HidTransport } from '../ports/hid.js';
import { Framer, Reassembler, REPORT_SIZE } from './hid-framing.js';
import { NcoderError, type NcoderErrorCode } from './ncoder-errors.js';
import {
  decodeDeviceMessage,
  encodeHostMessage,
  type DeviceErrorCode,
  type DeviceMessage,
  type HostMessage,
} from './ncoder-messages.js';

/**
 * The request/answer layer under the driver: frames a message into reports, waits for the answer that
 * carries the same exchange id (xid), one request at a time (callers queue), with a timeout. When the
 * device goes away, the request in flight and every queued one fail with UNPLUGGED.
 */

/** Returned by an answer check to keep waiting (a duplicate or a late answer). */
export const KEEP_WAITING = Symbol('keep-waiting');
/** Looks at an answer with the right xid: a value ends the request, an error fails it. */
export type AnswerCheck<T> = (m: DeviceMessage) => T | typeof KEEP_WAITING | NcoderError;

interface Pending {
  xid: number;
  check: AnswerCheck<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: NcoderError) => void;
  timer: NodeJS.Timeout;
}

const REFUSALS: Record<DeviceErrorCode, NcoderErrorCode> = {
  NOT_PAIRED: 'NOT_PAIRED',
  ALREADY_PAIRED: 'ALREADY_PAIRED',
  AUTH_FAILED: 'PAIRED_ELSEWHERE',
  NO_SESSION: 'PROTOCOL',
  BAD_REQUEST: 'PROTOCOL',
};

/** What a device refusal in the clear means to the Service. */
export function refusal(m: Extract<DeviceMessage, { type: 'error' }>): NcoderError {
  return new NcoderError(REFUSALS[m.code], `ncoder: the encoder refused: ${m.code} (${m.detail})`);
}

/** An answer of a type the request does not expect. */
export function unexpected(m: DeviceMessage): NcoderError {
  return new NcoderError('PROTOCOL', `ncoder: unexpected ${m.type} answer`);
}

export class NcoderExchange {
  private readonly framer = new Framer();
  private readonly reassembler = new Reassembler();
  private xid = 0;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closeError: NcoderError | undefined;
  private readonly closeListeners = new Set<(err: NcoderError) => void>();
  /** Answers dropped: late or for another request (stale), undecodable, refused by the framing. */
  readonly stats = { stale: 0, malformed: 0, framing: 0 };

  constructor(
    private readonly transport: HidTransport,
    private readonly timeoutMs: number,
    private readonly log: Log | undefined,
  ) {
    transport.onReport((r) => this.receive(r));
    transport.onClose((err) => {
      const why = err ? `ncoder: the encoder went away (${err.message})` : 'ncoder: closed';
      this.gone(new NcoderError('UNPLUGGED', why));
    });
  }

  /** Why the device is gone, once it is. */
  get closed(): NcoderError | undefined {
    return this.closeError;
  }

  /** Called once when the device goes away. */
  onClose(cb: (err: NcoderError) => void): () => void {
    const err = this.closeError;
    if (err) {
      queueMicrotask(() => cb(err));
      return () => {};
    }
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  /** The next exchange id. */
  nextXid(): number {
    this.xid = (this.xid + 1) & 0xff;
    return this.xid;
  }

  /** Runs `fn` after every earlier call has finished; fails with the close reason once closed. */
  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closeError) throw this.closeError;
      return fn();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Sends one message (inside `enqueue`) and waits for the answer `check` accepts. */
  request<T>(message: HostMessage, check: AnswerCheck<T>): Promise<T> {
    if (this.closeError) return Promise.reject(this.closeError);
    const reports = this.framer.frame(encodeHostMessage(message));
    let pending!: Pending;
    const answer = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const why = `ncoder: no answer to ${message.type} in ${this.timeoutMs} ms`;
        this.settle(pending, new NcoderError('TIMEOUT', why));
      }, this.timeoutMs);
      pending = { xid: message.xid, check, resolve: resolve as (v: unknown) => void, reject, timer };
    });
    this.pending = pending;
    void (async () => {
      try {
        for (const r of reports) await this.transport.write(hidOutputReport(0, r, REPORT_SIZE));
      } catch (err) {
        const why = `ncoder: write failed: ${err instanceof Error ? err.message : String(err)}`;
        this.settle(pending, this.closeError ?? new NcoderError('UNPLUGGED', why));
      }
    })();
    return answer;
  }

  /** Closes the device; the request in flight and queued ones fail with UNPLUGGED. */
  async close(): Promise<void> {
    await this.transport.close();
    this.gone(new NcoderError('UNPLUGGED', 'ncoder: closed'));
  }

  private settle(p: Pending, outcome: NcoderError | { value: unknown }): void {
    if (this.pending !== p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (outcome instanceof NcoderError) p.reject(outcome);
    else p.resolve(outcome.value);
  }

  private receive(report: Uint8Array): void {
    const r = this.reassembler.push(report);
    const p = this.pending;
    if (r.kind === 'error') {
      this.stats.framing++;
      this.log?.debug({ reason: r.error.reason }, 'ncoder: report refused');
      // The answer being received is lost: fail now rather than at the timeout. (A stray continuation
      // report, an orphan, is no part of it.)
      if (p && r.error.reason !== 'orphan')
        this.settle(p, new NcoderError('PROTOCOL', `ncoder: the answer was garbled (${r.error.reason})`));
      return;
    }
    if (r.kind !== 'message') return;
    let m: DeviceMessage;
    try {
      m = decodeDeviceMessage(r.message);
    } catch (err) {
      this.stats.malformed++;
      if (p && r.message[1] === p.xid)
        this.settle(p, new NcoderError('PROTOCOL', `ncoder: malformed answer: ${(err as Error).message}`));
      return;
    }
    if (!p || m.xid !== p.xid) {
      this.stats.stale++;
      return;
    }
    const outcome = p.check(m);
    if (outcome === KEEP_WAITING) return;
    this.settle(p, outcome instanceof NcoderError ? outcome : { value: outcome });
  }

  private gone(err: NcoderError): void {
    if (this.closeError) return;
    this.closeError = err;
    if (this.pending) this.settle(this.pending, err);
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const cb of listeners) cb(err);
  }
}
