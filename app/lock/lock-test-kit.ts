import type { CardAccessData } from '../card/access-data.js';
import type { CardBlacklist } from '../card/blacklist-fragment.js';
import { deriveCardKeys, siteCardKey, type CardKeys } from '../card/card-keys.js';
import { formatCard, writeCard } from '../card/lintel-card.js';
import type { DayType } from '../contract/schedule-schemas.js';
import { DesfireCard, DesfireClient } from '../desfire/index.js';
import type { LockCardKeys, LockTask, LockUpdate } from '../ppd/round.js';
import type { DoorTablesData } from '../store/access-compiler.js';

/**
 * Test support for the offline lock (not used by the lock itself): a site, its card keys as a lock
 * holds them, a door's tables, and real cards formatted and written by app/card on the DESFire
 * emulator, as the encoder writes them.
 */

export const SITE_ID = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
export const MASTER = Buffer.alloc(32, 0x5a);
export const DOOR = 1;
export const OTHER_DOOR = 2;
export const TIME_ZONE = 'Europe/Madrid';
/** Wednesday 2 December 2026, 11:00 in Madrid (10:00 UTC). */
export const WED_11 = Date.UTC(2026, 11, 2, 10, 0, 0);
/** The same day, 21:00 in Madrid. */
export const WED_21 = Date.UTC(2026, 11, 2, 20, 0, 0);
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

const DAY_TYPES: DayType[] = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'holiday',
  'special1',
  'special2',
  'special3',
];

/** Period 1: working days 08:00–18:00. */
export function officeHours(): DoorTablesData['periods'] {
  const rules = Object.fromEntries(
    DAY_TYPES.map((d) => [
      d,
      ['mon', 'tue', 'wed', 'thu', 'fri'].includes(d) ? [{ start: 480, end: 1080 }] : [],
    ]),
  ) as DoorTablesData['periods'][number]['rules'];
  return [{ id: 1, rules }];
}

/** A door's compiled tables. */
export function doorTables(over: Partial<DoorTablesData['door']> = {}, revision = 1): DoorTablesData {
  return {
    revision,
    door: {
      doorId: DOOR,
      zoneIds: [7],
      openMode: 'standard',
      auth: { mode: 'card' },
      openSeconds: 4,
      extendedOpenSeconds: 12,
      ...over,
    },
    periods: officeHours(),
    calendar: { id: 1, days: [] },
    blacklistSeq: 0,
  };
}

/** Access data for a credential with a right on {@link DOOR} in office hours. */
export function accessOf(credentialId: number, over: Partial<CardAccessData> = {}): CardAccessData {
  return {
    credentialId,
    userId: 100 + credentialId,
    validFrom: null,
    validUntil: null,
    revalidation: null,
    rights: [{ kind: 'door', id: DOOR, periodId: 1 }],
    flags: { pinRequired: false, office: false, privacyOverride: false, extendedOpening: false },
    issuedAt: Math.floor(WED_11 / 1000) - 86_400,
    ...over,
  };
}

let uidCounter = 0x20;
/** A fresh 7-byte NXP UID. */
export const newUid = () => Buffer.from([0x04, 0x51, 0x22, 0x33, 0x44, 0x55, uidCounter++ & 0xff]);

/** All keys of a card of the test site (the encoder's). */
export const cardKeys = (uid: Buffer, master = MASTER, site = SITE_ID): CardKeys =>
  deriveCardKeys(master, site, 1, uid);
export const connect = (card: DesfireCard) => new DesfireClient(async (apdu) => card.transceive(apdu));

/** A formatted card of the site, written with access data and a blacklist fragment. */
export async function makeCard(
  access: CardAccessData,
  blacklist: CardBlacklist = { highestSeq: 0, entries: [] },
  o: { uid?: Buffer; randomId?: boolean } = {},
): Promise<{ card: DesfireCard; uid: Buffer }> {
  const uid = o.uid ?? newUid();
  const card = new DesfireCard({ uid, size: '2k', randomId: o.randomId ?? false });
  const keys = cardKeys(uid);
  await formatCard(connect(card), keys);
  await writeCard(connect(card), keys, { access, blacklist });
  card.powerOff();
  return { card, uid };
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
