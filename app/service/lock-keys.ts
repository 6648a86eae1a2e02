import { createHash, hkdfSync } from 'node:crypto';
import { siteCardKey, siteUidKey } from '../card/card-keys.js';
import type { LockCardKeys } from '../ppd/round.js';
import { CARD_KEY_VERSION } from './encoder-handlers.js';

/**
 * The keys of offline locks and the PPD, from the site master key (docs/ppd.md):
 *
 * - each lock's own key (what the PPD and the lock prove to each other with): HKDF-SHA256 of the
 *   32-byte site master key, empty salt, info = `lintel/lock-key/v1|site=<site uuid>|door=<id>|version=<N>`,
 *   16 bytes (as readerScbk in device-sync.ts). A lock never initialised holds the factory key
 *   (FACTORY_LOCK_KEY, version 0); its first update carries version {@link LOCK_KEY_VERSION}.
 * - the card keys a lock holds: the site-level `lock` key and the UID-read key of the current card key
 *   version, never the master or update keys (a stolen lock reads cards and appends audit records only).
 * - the PPD's site tag: a non-secret 16-byte name of the site the PPD keeps from its pairing, so it can
 *   tell this site from another before any key is tried.
 */

/** The lock key version the Service loads into locks (rotation bumps it: the `keys` visit reason). */
export const LOCK_KEY_VERSION = 1;

/** One lock's key. */
export function lockKey(master: Uint8Array, siteId: string, doorId: number, version: number): Buffer {
  if (master.length !== 32) throw new RangeError('the site master key must be 32 bytes');
  if (!Number.isInteger(version) || version < 1 || version > 255)
    throw new RangeError(`lock key version ${version} is not 1..255 (0 is the factory key)`);
  const info = `lintel/lock-key/v1|site=${siteId.toLowerCase()}|door=${doorId}|version=${version}`;
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), Buffer.from(info, 'utf8'), 16));
}

/** The card keys an offline lock holds (site-level, the current card key version). */
export function lockCardKeys(master: Uint8Array, siteId: string): LockCardKeys {
  return {
    siteId,
    keyVersion: CARD_KEY_VERSION,
    lock: siteCardKey(master, siteId, 'lock', CARD_KEY_VERSION).toString('hex'),
    uidRead: siteUidKey(master, siteId, CARD_KEY_VERSION).toString('hex'),
  };
}

/** The 16-byte tag a PPD keeps of the site it is paired with (from the site id alone: not a secret). */
export function ppdSiteTag(siteId: string): Buffer {
  return createHash('sha256')
    .update(`lintel/ppd-site-tag/v1|${siteId.toLowerCase()}`, 'utf8')
    .digest()
    .subarray(0, 16);
}
