import type { SerialTransport } from '../ports/serial.js';
import { MAX_SESSION_PLAINTEXT, SessionServer } from '../serial-link/session.js';
import { SerialResponder } from '../serial-link/transaction.js';
import type { LockMemory } from './lock-memory.js';
import {
  decodeLockRequest,
  encodeLockIdentity,
  encodeLockResponse,
  LockMessageError,
  type LockResponse,
} from './lock-messages.js';
import { LockProgramming } from './lock-programming.js';

/**
 * The lock's end of the PPD↔lock link: a SessionServer (label 'lintel-lock/1') behind a
 * SerialResponder on the lock's serial line. The lock answers nothing but the handshake until the PPD
 * has proved the lock's key (the factory key before initialisation); then lock-programming.ts serves
 * the requests.
 *
 * Lockout: a handshake begun and not completed counts as a failure (the PPD stops after the lock's
 * own proof when it holds another key, so a wrong key never reaches FINISH), as does a wrong host
 * proof. After {@link LOCKOUT_FAILURES} failures in a row the lock refuses every handshake for
 * {@link LOCKOUT_MS} of its own clock, which makes guessing a key through the lock slow.
 */

/** Failed authentications in a row before the lock refuses to try. */
export const LOCKOUT_FAILURES = 5;
/** How long it refuses (lock clock). */
export const LOCKOUT_MS = 30_000;

/** The session label of the PPD↔lock link. */
export const LOCK_SESSION_LABEL = 'lintel-lock/1';

export class LockPpdEnd {
  readonly session: SessionServer;
  private readonly responder: SerialResponder;
  private readonly programming: LockProgramming;
  /** A handshake answered whose outcome is not known yet. */
  private pending = false;

  constructor(
    private readonly memory: LockMemory,
    transport: SerialTransport,
    /** Told after every request served (the CLI prints what changed). */
    private readonly onServed?: (response: LockResponse) => void,
  ) {
    this.programming = new LockProgramming(memory, MAX_SESSION_PLAINTEXT);
    this.session = new SessionServer({
      label: LOCK_SESSION_LABEL,
      identity: () =>
        encodeLockIdentity({
          serial: memory.state.serial,
          doorId: memory.state.doorId,
          keyVersion: memory.state.keyVersion,
        }),
      key: () => this.keyForHandshake(),
      handle: async (plain) => this.serve(plain),
      onHandshake: (ok) => this.handshakeDone(ok),
    });
    this.responder = new SerialResponder(transport, (payload) => this.session.handle(payload));
  }

  /** Whether the lock refuses handshakes now. */
  get lockedOut(): boolean {
    return this.memory.nowMs() < this.memory.state.auth.lockedUntilMs;
  }

  /** Stops answering (the transport stays open). */
  close(): void {
    this.responder.close();
    this.session.reset();
  }

  private fail(): void {
    this.memory.update((s) => {
      s.auth.failures++;
      if (s.auth.failures >= LOCKOUT_FAILURES) {
        s.auth = { failures: 0, lockedUntilMs: this.memory.nowMs() + LOCKOUT_MS };
      }
    });
  }

  private keyForHandshake(): Uint8Array | undefined {
    if (this.pending) {
      this.pending = false;
      this.fail(); // the last handshake was abandoned: the PPD did not hold this lock's key
    }
    if (this.lockedOut) return undefined;
    this.pending = true;
    return Buffer.from(this.memory.state.lockKey, 'hex');
  }

  private handshakeDone(ok: boolean): void {
    this.pending = false;
    if (ok) {
      if (this.memory.state.auth.failures !== 0)
        this.memory.update((s) => {
          s.auth.failures = 0;
        });
    } else this.fail();
  }

  private serve(plain: Buffer): Buffer {
    let response: LockResponse;
    try {
      response = this.programming.handle(decodeLockRequest(plain));
    } catch (err) {
      response =
        err instanceof LockMessageError
          ? { type: 'error', code: err.code, message: err.message }
          : {
              type: 'error',
              code: 'FAILED',
              message: `the lock failed: ${err instanceof Error ? err.message : String(err)}`,
            };
    }
    this.onServed?.(response);
    return encodeLockResponse(response);
  }
}
