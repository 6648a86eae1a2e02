import type { CardStep, OperationProgress } from '../contract/methods/operations.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError } from '../rpc/rpc-error.js';
import type { EventBus } from './event-bus.js';

/** The fewest milliseconds between two progress events of one operation (stage changes always go). */
const REPORT_EVERY_MS = 100;

type Stage = OperationProgress['stage'];

/**
 * One long call as it runs: where it reports progress (to its own session only) and the signal that
 * tells it the operator cancelled. A call started without an operation id gets one that reports
 * nothing and cannot be cancelled, so handlers need no second code path.
 */
export class Operation {
  private readonly controller = new AbortController();
  private stage: Stage = 'reading';
  private lastReport = 0;
  private ended = false;
  private cardStep: CardStep | undefined;

  constructor(
    private readonly method: string,
    private readonly publish?: (progress: OperationProgress) => void,
    readonly id?: string,
  ) {}

  /** Aborted when the operator cancels; its reason is the CANCELLED error the call answers with. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Reports progress, at most every {@link REPORT_EVERY_MS} within a stage. */
  report(done: number, total: number, rows?: number): void {
    const now = performance.now();
    if (now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    this.send(done, total, rows);
  }

  /** Enters a step of a card operation (reported at once, with `done` of `total` steps). */
  step(step: CardStep, done: number, total: number): void {
    this.cardStep = step;
    this.lastReport = performance.now();
    this.send(done, total);
  }

  /** Enters the writing stage: from here the call completes, so cancelling is refused (CANCELLED if it came first). */
  beginWriting(total: number, rows?: number): void {
    this.controller.signal.throwIfAborted();
    this.stage = 'writing';
    this.send(0, total, rows);
  }

  /** Whether cancelling would still stop the call. */
  get cancellable(): boolean {
    return this.stage === 'reading' && !this.ended && !this.controller.signal.aborted;
  }

  /** Cancels, if the call has not begun writing; returns whether it had not. */
  cancel(): boolean {
    if (!this.cancellable) return false;
    this.controller.abort(
      new RpcError('CANCELLED', `${this.method} was cancelled: nothing was written`, {
        operationId: this.id,
      }),
    );
    return true;
  }

  /** Ends the operation: a last `done` event, then it can no longer be cancelled. */
  end(total: number, rows?: number): void {
    if (this.ended) return;
    this.ended = true;
    this.stage = 'done';
    this.send(total, total, rows);
  }

  private send(done: number, total: number, rows?: number): void {
    if (!this.publish || !this.id) return;
    this.publish({
      operationId: this.id,
      method: this.method,
      stage: this.stage,
      done,
      total,
      ...(rows !== undefined ? { rows } : {}),
      ...(this.cardStep ? { step: this.cardStep } : {}),
    });
  }
}

/**
 * The long calls running now, by session and operation id: a session follows and cancels only its
 * own, and ids chosen by one console never collide with another's.
 */
export class Operations {
  private readonly running = new Map<string, Operation>();

  constructor(private readonly events: EventBus) {}

  private static key(session: Buffer, id: string): string {
    return `${session.toString('hex')}/${id}`;
  }

  /**
   * Starts tracking a call of `method` under the caller's `id` (none: an untracked operation). Run
   * the call inside {@link Operations.run} so the entry goes away however it ends.
   */
  async run<T>(
    ctx: CallContext,
    method: string,
    id: string | undefined,
    work: (op: Operation) => Promise<T>,
  ) {
    const session = ctx.caller?.sessionHash;
    if (!id || !session) return work(new Operation(method));
    const key = Operations.key(session, id);
    if (this.running.has(key))
      throw new RpcError('CONFLICT', `Operation ${id} is already running: use a new operationId`, {
        reason: 'in use',
      });
    const op = new Operation(method, (p) => this.events.publish('operation.progress', p, session), id);
    this.running.set(key, op);
    try {
      return await work(op);
    } finally {
      this.running.delete(key);
    }
  }

  /** Cancels the caller's operation `id`; false when it is unknown, finished or already writing. */
  cancel(ctx: CallContext, id: string): boolean {
    const session = ctx.caller?.sessionHash;
    return session ? (this.running.get(Operations.key(session, id))?.cancel() ?? false) : false;
  }

  /** How many operations are running (health and tests). */
  get size(): number {
    return this.running.size;
  }
}
