import { siteCardKey } from '../card/card-keys.js';
import type { LockCardKeys, LockTask, LockUpdate } from '../ppd/round.js';
import { DOOR, doorTables, MASTER, SITE_ID, TIME_ZONE, WED_11 } from '../../test/helpers/door-cards.js';

/**
 * Test support for the offline lock (not used by the lock itself): the site, door and cards of
 * test/helpers/door-cards.ts, the card keys a lock holds, a lock's update and a PPD's task for it.
 */

export * from '../../test/helpers/door-cards.js';
export const OTHER_DOOR = 2;
/** The lock key a test site gives its locks (version 1). */
export const LOCK_KEY = '5e'.repeat(16);

const hex = (b: Buffer) => b.toString('hex');

/** The card keys a lock of the test site holds. */
export function lockCardKeys(master = MASTER, site = SITE_ID): LockCardKeys {
  return {
    siteId: site,
    keyVersion: 1,
    lock: hex(siteCardKey(master, site, 'lock', 1)),
    uidRead: hex(siteCardKey(master, site, 'uid-read', 1)),
  };
}

/** An update that initialises (or reloads) a lock for {@link DOOR}. */
export function lockUpdate(over: Partial<LockUpdate> = {}): LockUpdate {
  return {
    doorId: DOOR,
    revision: 3,
    timeZone: TIME_ZONE,
    tables: doorTables(),
    blacklist: { latestSeq: 0, entries: [] },
    cardKeys: lockCardKeys(),
    newLockKey: { key: LOCK_KEY, version: 1 },
    ...over,
  };
}

/** A blacklist of `n` entries (credential ids from 10,000), sequence 1…n. */
export function blacklistOf(
  n: number,
  expiresAt = Math.floor(WED_11 / 1000) + 365 * 86_400,
): LockUpdate['blacklist'] {
  return {
    latestSeq: n,
    entries: Array.from({ length: n }, (_, i) => ({ seq: i + 1, credentialId: 10_000 + i, expiresAt })),
  };
}

/** A task for the lock of {@link DOOR}. */
export function lockTask(over: Partial<LockTask> = {}): LockTask {
  return {
    doorId: DOOR,
    doorName: 'Store room',
    authKey: LOCK_KEY,
    authKeyVersion: 1,
    ...over,
  };
}
