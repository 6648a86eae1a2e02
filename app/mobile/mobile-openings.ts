import type { PinVerifier } from '../control-unit/card-presentation.js';
import type { LockMemory } from '../lock/lock-memory.js';
import { OfflineLock } from '../lock/offline-lock.js';
import type { Log } from '../log.js';
import { PasswordHasher } from '../service/passwords.js';
import { listenBle, type BleConnection, type BleTiming } from './ble-link.js';
import { MobileLockEnd, type MobileOutcome } from './opening.js';

/**
 * A lock's mobile side as a service: phones connect over the BLE-like link on `port`, and each
 * connection runs HELLO → CHALLENGE → OPEN → RESULT against the lock's memory and door rules (the same
 * decision path as its cards). Offline locks (`lintel sim lock --ble`) and RF locks use it alike.
 */

/** What a lock gives its mobile side. */
export interface MobileOpeningsOptions extends BleTiming {
  port: number;
  host?: string;
  /** The lock: its memory (group key, clock, blacklist, audit) and its door decisions. */
  lock?: OfflineLock;
  /** Or just its memory (an OfflineLock is made on it: the decisions are the same either way). */
  memory?: LockMemory;
  /** Checks PINs against a token's hash (default: Argon2id verification). */
  pins?: PinVerifier;
  /** Called after each opening judged (RF locks push the audit record from here). */
  onOutcome?: (outcome: MobileOutcome) => void;
  /** The host clock for challenge lifetimes (tests). */
  now?: () => number;
  log?: Log;
}

/** The running service. */
export interface MobileOpenings {
  port: number;
  close(): Promise<void>;
  /** The lock end (tests reach the challenge table through it). */
  end: MobileLockEnd;
}

/** How long the lock waits for the phone's next message before it drops the connection. */
const STEP_MS = 10_000;

/** Serves phone openings on a BLE-like UDP port. */
export async function serveMobileOpenings(o: MobileOpeningsOptions): Promise<MobileOpenings> {
  const lock = o.lock ?? (o.memory && new OfflineLock(o.memory));
  if (!lock) throw new TypeError('serveMobileOpenings: give the lock or its memory');
  const end = new MobileLockEnd({
    lock,
    pins: o.pins ?? new PasswordHasher(),
    ...(o.now && { now: o.now }),
    ...(o.log && { log: o.log }),
  });
  const serve = async (conn: BleConnection) => {
    try {
      while (!conn.closed) {
        const message = await conn.receive(STEP_MS);
        const { reply, outcome } = await end.handle(message);
        // Recorded before the answer leaves: the door acted whether or not the phone hears it.
        if (outcome) o.onOutcome?.(outcome);
        await conn.send(reply);
        if (outcome) break;
      }
    } catch (err) {
      o.log?.debug({ err: err instanceof Error ? err.message : String(err) }, 'lock: phone connection ended');
    } finally {
      conn.close();
    }
  };
  const server = await listenBle(
    { port: o.port, ...(o.host && { host: o.host }), ...timingOf(o) },
    (conn) => void serve(conn),
  );
  return { port: server.port, close: () => server.close(), end };
}

function timingOf(o: BleTiming): BleTiming {
  return {
    ...(o.retryMs !== undefined && { retryMs: o.retryMs }),
    ...(o.tries !== undefined && { tries: o.tries }),
    ...(o.idleMs !== undefined && { idleMs: o.idleMs }),
  };
}
