import type { LockAuditRecord, VisitResult } from '../ppd/round.js';
import type { NewAccessEvent, StoredAccessEvent } from '../store/event-repo.js';
import {
  LockRepo,
  factoryLock,
  type LockState,
  type RoundDoor,
  type VisitRecord,
} from '../store/lock-repo.js';
import { saveOfflineLockPublicKey } from '../store/mobile-repo.js';
import type { Db } from '../store/sqlite.js';
import type { EventLog } from './event-log.js';

/**
 * Importing what a PPD brought back (ppd.sync). Every result of one sync goes in ONE transaction: each
 * lock's state from its report, the visit, and its audit records as access events. Each (lock, seq) is
 * imported once: records at or below the lock's imported mark are dropped, and a visit already imported
 * (a PPD that lost the ack brings it again) is skipped whole. The caller publishes after the commit and
 * only then lets the PPD forget the results.
 */

/** Shortest interval (seconds) between two settings of a clock over which a drift rate is measured. */
const MIN_RATE_INTERVAL = 3600;

/** What one visit changes: the lock's new state and the audit records new to the Service. */
export interface VisitImport {
  lock: LockState;
  fresh: LockAuditRecord[];
}

/**
 * The lock's state after a visit and the audit records to import. A lock whose serial changed (swapped
 * on the door) numbers its records afresh, so its mark starts again from 0. A visit that could not read
 * the lock changes nothing but imports what records it carried.
 */
export function applyVisit(
  before: LockState,
  result: VisitResult,
  carried: RoundDoor | undefined,
): VisitImport {
  const report = result.lock;
  const swapped = report !== null && before.serial !== null && report.serial !== before.serial;
  const mark = swapped ? 0 : before.auditSeq;
  const fresh: LockAuditRecord[] = [];
  let last = mark;
  for (const r of [...result.audit].sort((a, b) => a.seq - b.seq)) {
    if (r.seq <= last) continue;
    fresh.push(r);
    last = r.seq;
  }
  if (!report) return { lock: { ...before, auditSeq: last }, fresh };

  const at = result.visitedAt;
  const applied =
    carried?.revision !== null && carried?.revision !== undefined && report.revision === carried.revision;
  const configDigest = applied
    ? carried.configDigest
    : report.revision === before.revision && !swapped
      ? before.configDigest
      : null;
  const cardKeyVersion =
    applied && carried.cardKeyVersion !== null
      ? carried.cardKeyVersion
      : swapped
        ? null
        : before.cardKeyVersion;

  let { driftRate, clockSetAt } = before;
  let clockOffsetSeconds: number;
  let clockDriftSeconds: number;
  if (result.clockDriftSeconds !== null) {
    // Set now: what it gained since it was last set, over that interval, is its rate.
    clockDriftSeconds = result.clockDriftSeconds;
    if (!swapped && before.clockSetAt !== null && at - before.clockSetAt >= MIN_RATE_INTERVAL)
      driftRate = (result.clockDriftSeconds - (before.clockOffsetSeconds ?? 0)) / (at - before.clockSetAt);
    clockOffsetSeconds = 0;
    clockSetAt = at;
  } else {
    clockDriftSeconds = report.clock - at;
    clockOffsetSeconds = clockDriftSeconds;
  }
  if (swapped) driftRate = null;

  return {
    lock: {
      doorId: before.doorId,
      serial: report.serial,
      firmware: report.firmware,
      keyVersion: report.keyVersion,
      cardKeyVersion: report.keyVersion === 0 ? null : cardKeyVersion,
      revision: report.revision,
      configDigest: report.keyVersion === 0 ? null : configDigest,
      blacklistSeq: report.blacklistSeq,
      blacklistSize: report.blacklistSize,
      blacklistCapacity: report.blacklistCapacity,
      battery: report.battery,
      clockDriftSeconds,
      clockOffsetSeconds,
      driftRate,
      clockSetAt,
      lastVisitAt: at,
      initialisedAt:
        report.keyVersion === 0 ? null : before.keyVersion === 0 || swapped ? at : before.initialisedAt,
      auditSeq: last,
    },
    fresh,
  };
}

/** Where a lock's records came from, for their events. */
export interface AuditOrigin {
  doorId: number;
  doorName: string;
  lockSerial: string | null;
  ppdSerial: string;
  roundId: string;
  /** The holder of each credential the records name (as the database has them now). */
  holders: ReadonlyMap<number, number>;
}

/**
 * A lock's audit record as an access event: granted / denied (with the lock's reason) as access events,
 * everything else (emergency opening, update, clock set, low battery, blacklist merged, office mode) as a
 * device event whose reason is the lock's event. Each names its door, and says which lock, which record,
 * which PPD and round brought it.
 */
export function auditEvent(r: LockAuditRecord, o: AuditOrigin): NewAccessEvent {
  const detail: Record<string, unknown> = {
    door: o.doorName,
    lock: o.lockSerial,
    seq: r.seq,
    ppd: o.ppdSerial,
    round: o.roundId,
    ...(r.detail !== null ? { note: r.detail } : {}),
  };
  const base = {
    at: new Date(r.at * 1000).toISOString(),
    doorId: o.doorId,
    credentialId: r.credentialId,
    userId: r.credentialId === null ? null : (o.holders.get(r.credentialId) ?? null),
    source: `PPD ${o.ppdSerial}`,
    detail,
  };
  if (r.event === 'granted') return { ...base, kind: 'access-granted', reason: null };
  if (r.event === 'denied') return { ...base, kind: 'access-denied', reason: r.reason ?? 'unknown' };
  return { ...base, kind: 'device', reason: r.event };
}

/** What one sync imported. */
export interface SyncImport {
  visits: VisitRecord[];
  /** The events stored (publish them after the commit). */
  events: StoredAccessEvent[];
  /** The doors whose lock state changed. */
  doors: number[];
  /** The rounds the visits belong to. */
  rounds: string[];
  /** Audit records imported. */
  auditImported: number;
}

/** Imports the results of one sync in one transaction; publishes nothing (the caller does, after). */
export function importResults(
  db: Db,
  eventLog: EventLog,
  results: readonly VisitResult[],
  o: { ppdSerial: string; now: Date },
): SyncImport {
  const repo = new LockRepo(db);
  return db.transaction((): SyncImport => {
    const out: SyncImport = { visits: [], events: [], doors: [], rounds: [], auditImported: 0 };
    const rows: NewAccessEvent[] = [];
    const holderOf = db.prepare('SELECT cardholder_id FROM credential WHERE id = ?').pluck();
    for (const result of results) {
      const visitedAt = new Date(result.visitedAt * 1000).toISOString();
      if (repo.visitImported(result.roundId, result.doorId, visitedAt)) continue;
      const door = repo.offlineDoor(result.doorId);
      const carried = repo.round(result.roundId)?.doors.find((d) => d.doorId === result.doorId);
      const before = door?.lock ?? factoryLock(result.doorId);
      const { lock, fresh } = applyVisit(before, result, carried);
      // A door deleted (or no longer offline) since: its visit and records are kept, its lock state is not.
      if (door) {
        repo.saveLock(lock, o.now);
        if (result.lock?.publicKey) saveOfflineLockPublicKey(db, result.doorId, result.lock.publicKey);
        out.doors.push(result.doorId);
      }
      const doorName = door?.doorName ?? `door ${result.doorId}`;
      const holders = new Map<number, number>();
      for (const r of fresh)
        if (r.credentialId !== null && !holders.has(r.credentialId)) {
          const holder = holderOf.get(r.credentialId) as number | null | undefined;
          if (holder !== null && holder !== undefined) holders.set(r.credentialId, holder);
        }
      const origin: AuditOrigin = {
        doorId: result.doorId,
        doorName,
        lockSerial: result.lock?.serial ?? before.serial,
        ppdSerial: o.ppdSerial,
        roundId: result.roundId,
        holders,
      };
      rows.push(...fresh.map((r) => auditEvent(r, origin)));
      const visit: VisitRecord = {
        roundId: result.roundId,
        doorId: result.doorId,
        doorName,
        ppdSerial: o.ppdSerial,
        visitedAt,
        outcome: result.outcome,
        error: result.error,
        lockSerial: result.lock?.serial ?? null,
        auditImported: fresh.length,
      };
      repo.addVisit(visit, o.now);
      out.visits.push(visit);
      out.auditImported += fresh.length;
      if (!out.rounds.includes(result.roundId)) out.rounds.push(result.roundId);
    }
    out.events = eventLog.store(rows);
    return out;
  })();
}
