import { createHash } from 'node:crypto';
import type { DoorTablesData } from '../store/access-compiler.js';
import type { LockState, RoundDoor } from '../store/lock-repo.js';
import {
  FACTORY_LOCK_KEY,
  Round,
  type EmergencyOpening,
  type LockCardKeys,
  type LockTask,
  type LockUpdate,
} from '../ppd/round.js';
import { configDigest } from './lock-needs.js';

/**
 * Building a round: one {@link LockTask} per offline lock asked for. Pure (keys come in derived), so
 * the rules are tested without a PPD:
 *
 * - the lock is authenticated with the key it holds: its own key at its version, or the factory key;
 * - its update carries its door's tables, the site time zone and the WHOLE blacklist (a lock fed only
 *   by cards may have gaps no card can close), applied whole or not at all by the lock;
 * - a lock never initialised, or holding older keys, also gets the lock key of the current version and
 *   the site's lock-level card keys (never the master or update keys);
 * - a lock whose known capacity the site blacklist no longer fits gets no update (the whole update would
 *   be refused at the door): the visit still collects its audit trail and may open it in an emergency;
 * - at most one emergency opening, valid for 24 h.
 */

/** How long an emergency opening loaded into a PPD stays usable. */
export const EMERGENCY_VALID_SECONDS = 24 * 3600;

/** The site's whole blacklist as a lock holds it. */
export interface RoundBlacklist {
  latestSeq: number;
  entries: { seq: number; credentialId: number; expiresAt: number }[];
}

/** What every task of a round shares. */
export interface RoundSite {
  siteId: string;
  timeZone: string;
  blacklist: RoundBlacklist;
  /** The lock-level card keys of the current card key version. */
  cardKeys: LockCardKeys;
  lockKeyVersion: number;
  /** A lock's key (hex) at a version ≥ 1. */
  lockKey: (doorId: number, version: number) => string;
  /** The mobile group key wrapped for the lock on a door (mobile-repo wrappedGroupKeyFor), if any. */
  mobileKey?: (doorId: number) => LockUpdate['mobileKey'] | null;
}

/** One door to visit, with its lock's state and its tables compiled now. */
export interface DoorToVisit {
  doorId: number;
  doorName: string;
  lock: LockState;
  tables: DoorTablesData;
}

/** A task and what it carries, for the round's record. */
export interface BuiltTask {
  task: LockTask;
  carried: Omit<RoundDoor, 'position'>;
}

/** Whether the site's blacklist fits the lock (unknown capacity: assumed to). */
export function blacklistFits(lock: LockState, blacklist: RoundBlacklist): boolean {
  return lock.blacklistCapacity === null || blacklist.entries.length <= lock.blacklistCapacity;
}

/** The update's mobile key, when the group key was wrapped for this lock. */
function mobileKeyOf(doorId: number, site: RoundSite): Pick<LockUpdate, 'mobileKey'> {
  const mobileKey = site.mobileKey?.(doorId);
  return mobileKey ? { mobileKey } : {};
}

/** The task for one lock. */
export function buildLockTask(door: DoorToVisit, site: RoundSite, emergency?: EmergencyOpening): BuiltTask {
  const { lock } = door;
  const factory = lock.keyVersion === 0;
  const authKey = factory ? FACTORY_LOCK_KEY : site.lockKey(door.doorId, lock.keyVersion);
  const newKey = factory || lock.keyVersion < site.lockKeyVersion;
  const newCardKeys = newKey || lock.cardKeyVersion !== site.cardKeys.keyVersion;
  const carried: BuiltTask['carried'] = {
    doorId: door.doorId,
    revision: null,
    configDigest: null,
    blacklistSeq: null,
    newKeyVersion: null,
    cardKeyVersion: null,
  };
  let update: LockUpdate | undefined;
  if (blacklistFits(lock, site.blacklist)) {
    update = {
      doorId: door.doorId,
      revision: door.tables.revision,
      timeZone: site.timeZone,
      tables: door.tables,
      blacklist: { latestSeq: site.blacklist.latestSeq, entries: site.blacklist.entries },
      ...(newCardKeys ? { cardKeys: site.cardKeys } : {}),
      ...mobileKeyOf(door.doorId, site),
      ...(newKey
        ? {
            newLockKey: {
              key: site.lockKey(door.doorId, site.lockKeyVersion),
              version: site.lockKeyVersion,
            },
          }
        : {}),
    };
    carried.revision = door.tables.revision;
    carried.configDigest = configDigest(door.tables, site.timeZone);
    carried.blacklistSeq = site.blacklist.latestSeq;
    carried.newKeyVersion = newKey ? site.lockKeyVersion : null;
    carried.cardKeyVersion = newCardKeys ? site.cardKeys.keyVersion : null;
  }
  const task: LockTask = {
    doorId: door.doorId,
    doorName: door.doorName.slice(0, 200),
    authKey,
    authKeyVersion: lock.keyVersion,
    ...(update ? { update } : {}),
    ...(emergency ? { emergency } : {}),
  };
  return { task, carried };
}

/** The emergency opening for a round loaded at `now` (epoch seconds). */
export function emergencyOpening(
  by: { operatorId: number; operatorName: string },
  reason: string,
  now: number,
): EmergencyOpening {
  return {
    operatorId: by.operatorId,
    operatorName: by.operatorName.slice(0, 200),
    reason,
    validUntil: now + EMERGENCY_VALID_SECONDS,
  };
}

/** A whole round, validated by the schema the PPD validates it with (which also fixes its key order). */
export function buildRound(r: {
  roundId: string;
  siteId: string;
  createdAt: number;
  createdBy: string;
  doors: readonly DoorToVisit[];
  site: RoundSite;
  emergency?: { doorId: number; opening: EmergencyOpening };
}): { round: Round; carried: RoundDoor[] } {
  const built = r.doors.map((d) =>
    buildLockTask(d, r.site, r.emergency?.doorId === d.doorId ? r.emergency.opening : undefined),
  );
  const round = Round.parse({
    roundId: r.roundId,
    siteId: r.siteId,
    createdAt: r.createdAt,
    createdBy: r.createdBy.slice(0, 200),
    tasks: built.map((b) => b.task),
  });
  return { round, carried: built.map((b, position) => ({ ...b.carried, position })) };
}

/** The round's bytes as stored sealed (JSON of the parsed round), and their SHA-256. */
export function roundBytes(round: Round): { bytes: Buffer; digest: Buffer } {
  const bytes = Buffer.from(JSON.stringify(round), 'utf8');
  return { bytes, digest: createHash('sha256').update(bytes).digest() };
}

/** The canonical form of what a round was asked for: a cut load resumes only for the same request. */
export function roundRequest(
  doorIds: readonly number[],
  emergency?: { doorId: number; reason: string },
): string {
  return JSON.stringify({
    doors: [...new Set(doorIds)].sort((a, b) => a - b),
    emergency: emergency ? { doorId: emergency.doorId, reason: emergency.reason } : null,
  });
}
