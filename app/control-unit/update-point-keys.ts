import { diversifyCardKey, siteTag, type CardKeys } from '../card/card-keys.js';
import { LINTEL_AID } from '../card/card-layout.js';
import type { CardKeySet } from '../devices/protocol.js';

/**
 * The card keys of an update point (a control unit's wall reader): the site-level lock, update and
 * UID-read keys from the replica, diversified for one card. A control unit never holds the PICC or
 * application master keys (only the encoder does), so the CardKeys it builds have none: reading
 * `piccMaster` or `appMaster` throws, so a format, erase or key change through these keys fails
 * before a single card command instead of sending a wrong key to the card.
 */

/** Raised when code asks an update point's keys for a master key it does not hold. */
export class MasterKeyNotHeldError extends Error {
  override readonly name = 'MasterKeyNotHeldError';
  constructor(which: string) {
    super(
      `this device holds no ${which} key: only the encoder holds the master keys, and only it and update points the update key`,
    );
  }
}

const hex = (h: string) => Buffer.from(h, 'hex');

/** The site's UID-read key (not diversified): what reveals a random-ID card's real UID. */
export function uidReadKey(set: CardKeySet): Buffer {
  return hex(set.uidRead);
}

/**
 * The site-level card keys a door device holds (an update point: lock, update and UID-read; an offline
 * lock: lock and UID-read only), as 32 hex digits each.
 */
export interface DeviceCardKeySet {
  siteId: string;
  keyVersion: number;
  lock: string;
  update?: string;
  uidRead: string;
}

/**
 * The keys a door device uses for the card with `uid` (its real, 7-byte UID): what it holds,
 * diversified for the card. A key it does not hold (the master keys, and the update key of an offline
 * lock) throws MasterKeyNotHeldError when read, before a single card command.
 */
export function deviceCardKeys(set: DeviceCardKeySet, uid: Uint8Array): CardKeys {
  const keys: Partial<CardKeys> = {
    uid: Buffer.from(uid),
    siteTag: siteTag(set.siteId),
    keyVersion: set.keyVersion,
    lock: diversifyCardKey(hex(set.lock), uid, LINTEL_AID),
    uidRead: hex(set.uidRead),
  };
  if (set.update !== undefined) keys.update = diversifyCardKey(hex(set.update), uid, LINTEL_AID);
  const missing = (name: 'piccMaster' | 'appMaster' | 'update', which: string) =>
    Object.defineProperty(keys, name, {
      enumerable: false,
      get: () => {
        throw new MasterKeyNotHeldError(which);
      },
    });
  missing('piccMaster', 'PICC master');
  missing('appMaster', 'application master');
  if (set.update === undefined) missing('update', 'card update');
  return keys as CardKeys;
}

/** The keys an update point uses for the card with `uid` (its real, 7-byte UID). */
export function updatePointKeys(set: CardKeySet, uid: Uint8Array): CardKeys {
  return deviceCardKeys(set, uid);
}

/** Wipes the keys an update point derived for one card (best effort). */
export function wipeUpdatePointKeys(keys: CardKeys): void {
  const held = Object.keys(keys).includes('update') ? [keys.update] : [];
  for (const k of [keys.lock, ...held, keys.uidRead]) k.fill(0);
}
