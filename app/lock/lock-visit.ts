import type { LockAuditRecord, LockReport, LockTask, VisitResult } from '../ppd/round.js';
import {
  MAX_SESSION_PLAINTEXT,
  openSession,
  SessionError,
  type SessionClient,
} from '../serial-link/session.js';
import { SerialLinkError, type SerialRequester } from '../serial-link/transaction.js';
import { LOCK_SESSION_LABEL, LOCKOUT_FAILURES, LOCKOUT_MS } from './lock-ppd-end.js';
import {
  decodeLockIdentity,
  decodeLockResponse,
  encodeLockRequest,
  LockMessageError,
  type LockErrorCode,
  type LockIdentity,
  type LockRequest,
  type LockResponse,
} from './lock-messages.js';
import { encodeLockUpdate, transferIdOf } from './lock-update-bytes.js';

export type { LockIdentity } from './lock-messages.js';

/**
 * The PPD's side of a visit to one lock: authenticate with the task's key (after checking the lock's
 * identity against the task), read its status, set its clock (the drift is recorded), send the update
 * in chunks (a transfer cut short resumes at the next visit: the lock keeps what it received, under the
 * update's SHA-256), open it in an emergency when the task says so, collect its whole audit ring (the
 * Service drops repeats by seq) and read its status again.
 *
 * Whatever fails after the task was chosen comes back as a VisitResult with outcome 'failed' and an
 * error that says what to do; the lock applies an update whole at the commit or not at all, so nothing
 * is half-applied.
 */

/** Why no visit result was produced. */
export type LockVisitErrorCode =
  /** The lock that answered has no task in this round. */
  | 'NO_TASK'
  /** No lock answered (cable, lock asleep). */
  | 'NO_LOCK'
  /** The lock refuses every handshake for now (too many failed authentications). */
  | 'LOCKED_OUT'
  /** The lock's identity made no sense. */
  | 'PROTOCOL';

export class LockVisitError extends Error {
  override readonly name = 'LockVisitError';
  constructor(
    readonly code: LockVisitErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A lock's refusal of a request, with its code. */
class LockRefused extends Error {
  constructor(
    readonly code: LockErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface VisitOptions {
  /** The PPD's clock, ms. */
  now: () => number;
  roundId: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Bytes of update in one chunk (the request's type and offset take 5). */
export const UPDATE_CHUNK_BYTES = MAX_SESSION_PLAINTEXT - 5;
/** Records asked for per read (the lock packs as many as fit). */
const AUDIT_BATCH = 1000;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The key to authenticate the lock that answered with, or why the task does not fit it. A lock that
 * already holds the key the task's update brings (its door, the new key's version) took that update at
 * an earlier visit whose answer was lost (a cable pulled at the commit): the PPD authenticates with the
 * new key and sends the update again, which changes nothing.
 */
export function keyForLock(lock: LockIdentity, task: LockTask): { key: Buffer } | { mismatch: string } {
  const name = `door ${task.doorId}${task.doorName ? ` (${task.doorName})` : ''}`;
  if (lock.doorId !== null && lock.doorId !== task.doorId)
    return {
      mismatch:
        `This lock (${lock.serial}) is on door ${lock.doorId}, not ${name}: ` +
        `visit the lock of ${name}, or load a round with a task for door ${lock.doorId}.`,
    };
  const next = task.update?.newLockKey;
  if (
    next &&
    lock.doorId === task.doorId &&
    lock.keyVersion === next.version &&
    next.version !== task.authKeyVersion
  )
    return { key: Buffer.from(next.key, 'hex') };
  if (lock.doorId === null && task.authKeyVersion !== 0)
    return {
      mismatch:
        `This lock (${lock.serial}) was never initialised, and the task for ${name} is for an initialised lock: ` +
        'initialise it from the console (the task then carries the factory key) and sync the PPD.',
    };
  if (lock.doorId !== null && lock.keyVersion !== task.authKeyVersion)
    return {
      mismatch:
        `This lock (${lock.serial}) holds key version ${lock.keyVersion}, the task for ${name} carries version ` +
        `${task.authKeyVersion}: sync the PPD with the console for a fresh round.`,
    };
  return { key: Buffer.from(task.authKey, 'hex') };
}

/** Words for the technician about a failure. */
function explain(
  err: unknown,
  step: string,
  task: LockTask,
  lock: LockReport | null,
  blacklist: number,
): string {
  if (err instanceof SerialLinkError) {
    if (err.code === 'ABORTED')
      return `The visit was cancelled during ${step}: the lock keeps its old configuration.`;
    return (
      `The lock stopped answering during ${step} (${err.code === 'CLOSED' ? 'the cable was pulled' : 'no answer'}): ` +
      'reconnect and visit again; an update resumes where it stopped, and the lock keeps its old configuration until it is complete.'
    );
  }
  if (err instanceof LockRefused) {
    switch (err.code) {
      case 'BLACKLIST_FULL':
        return (
          `The lock holds at most ${count(lock?.blacklistCapacity ?? 0)} blacklist entries and the site has ${count(blacklist)}: ` +
          'compact the blacklist (expired keys) in the console, or replace the lock with one of larger memory; the lock was not changed.'
        );
      case 'EXPIRED':
        return `The lock refused the emergency opening: ${err.message}.`;
      case 'WRONG_DOOR':
        return `The lock refused the update (${err.message}): visit the lock of door ${task.doorId}.`;
      default:
        return `The lock refused ${step} (${err.code}: ${err.message}): the lock was not changed; sync the PPD and visit again.`;
    }
  }
  if (err instanceof SessionError) {
    switch (err.code) {
      case 'DEVICE_PROOF':
        return (
          `The lock does not hold the key of door ${task.doorId} (key version ${task.authKeyVersion}): it was initialised ` +
          'by another site or its key was changed since the round was made; sync the PPD, or reset the lock to factory.'
        );
      case 'REFUSED':
        return (
          `The lock refused to authenticate (${err.message}); after repeated failures it waits ${LOCKOUT_MS / 1000} s: ` +
          'wait and try again; if it keeps refusing, sync the PPD for a fresh round.'
        );
      default:
        return `The lock's answers made no sense during ${step} (${err.message}): visit again; if it persists, the lock needs service.`;
    }
  }
  if (err instanceof LockMessageError)
    return `The lock's answer made no sense during ${step} (${err.message}): visit again; if it persists, the lock needs service.`;
  throw err;
}

/** Visits the lock on `requester`'s line with the task `chooseTask` picks for it. */
export async function visitLock(
  requester: SerialRequester,
  chooseTask: (lock: LockIdentity) => LockTask | undefined,
  opts: VisitOptions,
): Promise<VisitResult> {
  let identity: LockIdentity | undefined;
  let task: LockTask | undefined;
  let mismatch: string | undefined;
  let badIdentity: LockMessageError | undefined;
  const nowS = () => Math.floor(opts.now() / 1000);

  let session: SessionClient | undefined;
  let failure: unknown;
  try {
    session = await openSession(requester, {
      label: LOCK_SESSION_LABEL,
      signal: opts.signal,
      keyFor: (bytes) => {
        try {
          identity = decodeLockIdentity(bytes);
        } catch (err) {
          if (!(err instanceof LockMessageError)) throw err;
          badIdentity = err;
          return undefined;
        }
        task = chooseTask(identity);
        if (!task) return undefined;
        const pick = keyForLock(identity, task);
        if ('mismatch' in pick) {
          mismatch = pick.mismatch;
          return undefined;
        }
        return pick.key;
      },
    });
  } catch (err) {
    failure = err;
  }
  if (badIdentity)
    throw new LockVisitError('PROTOCOL', `the lock's identity makes no sense: ${badIdentity.message}`);
  if (!task) {
    if (identity)
      throw new LockVisitError('NO_TASK', `nothing to do at lock ${identity.serial} in this round`);
    if (failure instanceof SessionError && failure.code === 'REFUSED')
      throw new LockVisitError(
        'LOCKED_OUT',
        `The lock refuses to authenticate for now (after ${LOCKOUT_FAILURES} failed attempts in a row it waits ${LOCKOUT_MS / 1000} s): wait and try again.`,
        { cause: failure },
      );
    const why = failure instanceof Error ? failure.message : String(failure);
    throw new LockVisitError(
      'NO_LOCK',
      `no lock answered on the line (${why}): check the cable and wake the lock`,
      {
        cause: failure,
      },
    );
  }

  const chosen = task;
  let report: LockReport | null = null;
  let drift: number | null = null;
  const audit: LockAuditRecord[] = [];
  const result = (outcome: VisitResult['outcome'], error: string | null): VisitResult => ({
    roundId: opts.roundId,
    doorId: chosen.doorId,
    visitedAt: nowS(),
    outcome,
    error: error === null ? null : error.slice(0, 500),
    lock: report,
    clockDriftSeconds: drift,
    audit,
  });
  if (mismatch) return result('failed', mismatch);
  if (!session) return result('failed', explain(failure, 'authentication', chosen, null, 0));

  const s = session;
  const call = async (req: LockRequest): Promise<LockResponse> => {
    const answer = decodeLockResponse(await s.call(encodeLockRequest(req), { signal: opts.signal }));
    if (answer.type === 'error') throw new LockRefused(answer.code, answer.message);
    if (answer.type !== req.type)
      throw new LockMessageError('BAD_MESSAGE', `a ${answer.type} answer to ${req.type}`);
    return answer;
  };
  const update = chosen.update && encodeLockUpdate(chosen.update);
  const chunks = update ? Math.ceil(update.length / UPDATE_CHUNK_BYTES) : 0;
  const total = 5 + chunks + (chosen.emergency ? 1 : 0);
  let done = 1;
  const progress = (n = 1) => {
    done += n;
    opts.onProgress?.(Math.min(done, total), total);
  };
  opts.onProgress?.(done, total);

  const collect = async () => {
    for (let from = 1; ;) {
      const r = (await call({ type: 'read-audit', fromSeq: from, max: AUDIT_BATCH })) as Extract<
        LockResponse,
        { type: 'read-audit' }
      >;
      audit.push(...r.records);
      const last = r.records.at(-1);
      if (!r.more || !last) return;
      from = last.seq + 1;
    }
  };
  const status = async () => {
    report = ((await call({ type: 'status' })) as Extract<LockResponse, { type: 'status' }>).report;
  };

  let step = 'reading the lock status';
  try {
    await status();
    progress();
    step = 'setting the clock';
    drift = (
      (await call({ type: 'set-time', ppdNow: nowS() })) as Extract<LockResponse, { type: 'set-time' }>
    ).driftSeconds;
    progress();
    if (update) {
      step = 'the update';
      const begin = (await call({
        type: 'begin-update',
        transferId: transferIdOf(update),
        totalBytes: update.length,
      })) as Extract<LockResponse, { type: 'begin-update' }>;
      let at = begin.resumeAt;
      progress(Math.floor(at / UPDATE_CHUNK_BYTES));
      while (at < update.length) {
        const bytes = update.subarray(at, at + UPDATE_CHUNK_BYTES);
        const r = (await call({ type: 'chunk', offset: at, bytes })) as Extract<
          LockResponse,
          { type: 'chunk' }
        >;
        if (r.received !== at + bytes.length)
          throw new LockMessageError(
            'BAD_MESSAGE',
            `the lock has ${r.received} bytes, ${at + bytes.length} were sent`,
          );
        at = r.received;
        progress();
      }
      step = 'committing the update';
      report = ((await call({ type: 'commit' })) as Extract<LockResponse, { type: 'commit' }>).report;
    }
    if (chosen.emergency) {
      step = 'the emergency opening';
      await call({ type: 'emergency-open', opening: chosen.emergency });
      progress();
    }
    step = 'collecting the audit trail';
    await collect();
    progress();
    step = 'reading the lock status';
    await status();
    progress();
  } catch (err) {
    const message = explain(
      err,
      step,
      chosen,
      report,
      new Set(chosen.update?.blacklist.entries.map((e) => e.credentialId)).size,
    );
    if (err instanceof LockRefused && audit.length === 0) {
      // The session still stands: bring back the audit trail and what the lock holds now.
      try {
        await collect();
        await status();
      } catch {
        // what was collected stays; the failure above is what the technician needs to know
      }
    }
    return result('failed', message);
  }
  return result(chosen.emergency ? 'emergency-opened' : update ? 'updated' : 'collected', null);
}
