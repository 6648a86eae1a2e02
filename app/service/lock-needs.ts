import { createHash } from 'node:crypto';
import type { LockVisitReason } from '../contract/methods/locks.js';
import { DoorTablesData } from '../contract/methods/sync.js';
import type { DoorTablesData as DoorTables } from '../store/access-compiler.js';
import type { LockState } from '../store/lock-repo.js';

/**
 * Why an offline lock needs a visit (the contract's LockVisitReason), from what its last visit found
 * and the site as it is now. Pure: locks.list and the tests call it with any clock.
 */

/** Below this battery level (percent) the lock asks for a visit. */
export const LOW_BATTERY = 20;

/** How far (seconds) a lock's clock may have drifted before it asks for a visit. */
export const CLOCK_TOLERANCE_SECONDS = 60;

/**
 * The drift rate assumed until two settings of its clock measured the lock's own: 20 ppm, a common
 * 32 kHz watch crystal's tolerance (1.7 s a day, so a minute in about five weeks).
 */
export const DEFAULT_DRIFT_RATE = 20e-6;

/** What the site holds now, against which a lock is compared. */
export interface SiteNow {
  /** {@link configDigest} of the door's tables now. */
  configDigest: Buffer;
  /** The site's newest blacklist sequence number. */
  blacklistSeq: number;
  /** How many entries the site's blacklist holds. */
  blacklistSize: number;
  /** The card key version locks are given now. */
  cardKeyVersion: number;
  /** The lock key version locks are given now. */
  lockKeyVersion: number;
  /** Epoch seconds. */
  now: number;
}

/**
 * What a door's configuration is, as a digest: its tables without their revision (which moves with any
 * change anywhere in the site) or blacklist sequence (the `blacklist` reason tracks that), and the site
 * time zone. Two compilations of an unchanged door give the same digest, so an unrelated change (a key
 * issued elsewhere) does not send a technician to every lock.
 */
export function configDigest(tables: DoorTables, timeZone: string): Buffer {
  const parsed = DoorTablesData.parse(tables);
  const { revision: _revision, blacklistSeq: _seq, ...config } = parsed;
  return createHash('sha256')
    .update(JSON.stringify({ ...config, timeZone }), 'utf8')
    .digest();
}

/**
 * The lock's clock minus the true time now, as best known: what was left of the drift after its last
 * visit, plus its rate (measured, else {@link DEFAULT_DRIFT_RATE}) over the time since. Null for a lock
 * never visited. Positive: it runs fast.
 */
export function estimatedDrift(lock: LockState, now: number): number | null {
  if (lock.lastVisitAt === null) return null;
  const since = Math.max(0, now - lock.lastVisitAt);
  const rate = lock.driftRate ?? DEFAULT_DRIFT_RATE;
  return (lock.clockOffsetSeconds ?? 0) + rate * since;
}

/** Why the lock needs a visit, in the contract's order; empty: it does not. */
export function lockNeeds(lock: LockState, site: SiteNow): LockVisitReason[] {
  const needs: LockVisitReason[] = [];
  const full = lock.blacklistCapacity !== null && site.blacklistSize > lock.blacklistCapacity;
  if (lock.keyVersion === 0) {
    needs.push('never-initialised');
  } else {
    if (!lock.configDigest || !lock.configDigest.equals(site.configDigest)) needs.push('configuration');
    if (site.blacklistSeq > lock.blacklistSeq) needs.push('blacklist');
    const drift = estimatedDrift(lock, site.now);
    if (drift !== null && Math.abs(drift) > CLOCK_TOLERANCE_SECONDS) needs.push('clock');
  }
  if (lock.battery !== null && lock.battery < LOW_BATTERY) needs.push('battery');
  if (full) needs.push('blacklist-full');
  if (
    lock.keyVersion !== 0 &&
    (lock.keyVersion < site.lockKeyVersion ||
      (lock.cardKeyVersion !== null && lock.cardKeyVersion !== site.cardKeyVersion))
  )
    needs.push('keys');
  return needs;
}
