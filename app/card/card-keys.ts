import { createHash, hkdfSync } from 'node:crypto';
import { an10922Aes128 } from '../crypto/index.js';
import { checkKeyVersion } from './card-info.js';
import { SITE_TAG_BYTES } from './format-limits.js';
import { LINTEL_AID, aidBytes } from './card-layout.js';

/**
 * Card keys, from the site master key (docs/card-format.md, "Key derivation"):
 *
 * 1. a site key per purpose and key version: HKDF-SHA256 (RFC 5869) of the 32-byte site master key,
 *    empty salt, info = `lintel/card/v1|site=<site uuid, lower case>|key=<purpose>|version=<N>`, 16 bytes;
 * 2. diversified per card (NXP AN10922, AES-128): M = UID (7 bytes) ‖ AID (3 bytes, least significant
 *    first, as DESFire sends it; 00 00 00 for the PICC master key) ‖ system identifier "Lintel"
 *    (6 ASCII bytes), 16 bytes in all.
 *
 * Each device gets only the site keys of its role (a lock: `lock`; an update point: `update`; the
 * encoder: all), so a stolen lock can read cards and append audit records but not rewrite access.
 */

/** What each key is for (the HKDF label's `key=` part). */
export const CARD_KEY_PURPOSES = ['picc-master', 'app-master', 'lock', 'update', 'uid-read'] as const;
/** What each key is for. */
export type CardKeyPurpose = (typeof CARD_KEY_PURPOSES)[number];

/** AN10922's "system identifier": names the system the keys belong to, so they differ from any other's. */
export const DIVERSIFICATION_SYSTEM_ID = Buffer.from('Lintel', 'ascii');

/**
 * DESFire EV2 UIDs are 7 bytes. A card personalised with random ID shows a fresh 4-byte ID at every
 * activation; its real UID comes only from GetCardUID after authenticating, with the one key that is
 * not diversified (`uid-read`, see {@link siteUidKey}).
 */
export const CARD_UID_BYTES = 7;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function normaliseSiteId(siteId: string): string {
  const id = siteId.toLowerCase();
  if (!UUID.test(id)) throw new RangeError(`the site id must be a UUID, not ${JSON.stringify(siteId)}`);
  return id;
}

/** The HKDF info string of one card key. */
export function cardKeyLabel(siteId: string, purpose: CardKeyPurpose, keyVersion: number): string {
  return `lintel/card/v1|site=${normaliseSiteId(siteId)}|key=${purpose}|version=${checkKeyVersion(keyVersion)}`;
}

/** The site-wide key of one purpose and version, before diversification (what a lock or update point holds). */
export function siteCardKey(
  siteMasterKey: Uint8Array,
  siteId: string,
  purpose: CardKeyPurpose,
  keyVersion: number,
): Buffer {
  if (siteMasterKey.length !== 32) throw new RangeError('the site master key must be 32 bytes');
  if (!CARD_KEY_PURPOSES.includes(purpose))
    throw new RangeError(`unknown card key purpose ${String(purpose)}`);
  const info = Buffer.from(cardKeyLabel(siteId, purpose, keyVersion), 'utf8');
  return Buffer.from(hkdfSync('sha256', siteMasterKey, Buffer.alloc(0), info, 16));
}

/**
 * The site's UID-read key (key 3 of the Lintel application): the one card key that is not diversified,
 * since it is what finds out a random-ID card's UID, which every other key needs. It grants no file
 * access at all, so holding it reveals UIDs and nothing else (the privacy random ID protects is then
 * only as good as this key's custody: readers and locks hold it, like their own keys).
 */
export function siteUidKey(siteMasterKey: Uint8Array, siteId: string, keyVersion: number): Buffer {
  return siteCardKey(siteMasterKey, siteId, 'uid-read', keyVersion);
}

/** The AN10922 diversification input of a card: UID ‖ AID ‖ system identifier. */
export function diversificationInput(uid: Uint8Array, aid: number): Buffer {
  if (uid.length !== CARD_UID_BYTES) {
    throw new RangeError(
      `a card UID must be ${CARD_UID_BYTES} bytes, not ${uid.length}: read a random-ID card's UID first (revealUid)`,
    );
  }
  return Buffer.concat([uid, aidBytes(aid), DIVERSIFICATION_SYSTEM_ID]);
}

/** A site key diversified for one card and application (AID 0 for the PICC master key). */
export function diversifyCardKey(siteKey: Uint8Array, uid: Uint8Array, aid: number): Buffer {
  return an10922Aes128(siteKey, diversificationInput(uid, aid));
}

/**
 * A short, non-secret name of the site that a card's info file carries: the first 8 bytes of
 * SHA-256("lintel/site-tag/v1|" ‖ site uuid). From the site id alone, so a reader can be told its
 * site's tag without any key, and the tag says nothing about the keys.
 */
export function siteTag(siteId: string): Buffer {
  const digest = createHash('sha256')
    .update(`lintel/site-tag/v1|${normaliseSiteId(siteId)}`, 'utf8')
    .digest();
  return digest.subarray(0, SITE_TAG_BYTES);
}

/** Every key of one card, and what they were derived for. */
export interface CardKeys {
  uid: Buffer;
  siteTag: Buffer;
  keyVersion: number;
  /** PICC master key (key 0 of AID 000000). */
  piccMaster: Buffer;
  /** Application master key (key 0 of the Lintel application). */
  appMaster: Buffer;
  /** Key 1: locks and readers read access data and blacklist, append audit records. */
  lock: Buffer;
  /** Key 2: the encoder and update points write access data and blacklist, collect the audit trail. */
  update: Buffer;
  /** Key 3: the site's UID-read key, the same on every card (not diversified): opens GetCardUID only. */
  uidRead: Buffer;
}

/** All keys of the card with `uid`, for a site and key version. */
export function deriveCardKeys(
  siteMasterKey: Uint8Array,
  siteId: string,
  keyVersion: number,
  uid: Uint8Array,
): CardKeys {
  diversificationInput(uid, 0); // refuses a UID of the wrong length before any key is derived
  const key = (purpose: CardKeyPurpose, aid: number) =>
    diversifyCardKey(siteCardKey(siteMasterKey, siteId, purpose, keyVersion), uid, aid);
  return {
    uid: Buffer.from(uid),
    siteTag: siteTag(siteId),
    keyVersion,
    piccMaster: key('picc-master', 0),
    appMaster: key('app-master', LINTEL_AID),
    lock: key('lock', LINTEL_AID),
    update: key('update', LINTEL_AID),
    uidRead: siteUidKey(siteMasterKey, siteId, keyVersion),
  };
}

/** Wipes the keys (best effort: JavaScript may hold copies, but this one goes). */
export function wipeCardKeys(keys: CardKeys): void {
  for (const k of [keys.piccMaster, keys.appMaster, keys.lock, keys.update, keys.uidRead]) k.fill(0);
}
