import type { CardAccessData } from '../../app/card/access-data.js';
import type { CardBlacklist } from '../../app/card/blacklist-fragment.js';
import { deriveCardKeys, type CardKeys } from '../../app/card/card-keys.js';
import { formatCard, writeCard } from '../../app/card/lintel-card.js';
import { DAY_TYPES, type DayType, type TimePeriodRules } from '../../app/contract/schedule-schemas.js';
import { DesfireCard, DesfireClient } from '../../app/desfire/index.js';
import type { DoorTablesData } from '../../app/store/access-compiler.js';

/**
 * Test support shared by the control unit's and the offline lock's tests: a site (master key, id),
 * a door's compiled tables, and real cards formatted and written by app/card on the DESFire
 * emulator, as the encoder writes them.
 */

export const SITE_ID = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
export const MASTER = Buffer.alloc(32, 0x5a);
export const DOOR = 1;
export const TIME_ZONE = 'Europe/Madrid';
/** Wednesday 2 December 2026, 11:00 in Madrid (10:00 UTC). */
export const WED_11 = Date.UTC(2026, 11, 2, 10, 0, 0);
/** The same day, 21:00 in Madrid. */
export const WED_21 = Date.UTC(2026, 11, 2, 20, 0, 0);

/** A time period's rules: `intervalsOf(d)` on each day type `d`. */
export const rulesOf = (intervalsOf: (d: DayType) => { start: number; end: number }[]): TimePeriodRules =>
  Object.fromEntries(DAY_TYPES.map((d) => [d, intervalsOf(d)])) as TimePeriodRules;

const WORKING_DAYS: readonly DayType[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** Period 1: working days 08:00–18:00 (or, `always`, every day all day). */
export function officeHours(always = false): DoorTablesData['periods'] {
  const rules = rulesOf((d) =>
    always ? [{ start: 0, end: 1440 }] : WORKING_DAYS.includes(d) ? [{ start: 480, end: 1080 }] : [],
  );
  return [{ id: 1, rules }];
}

/** {@link DOOR}'s compiled tables. */
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

let uidCounter = 0x10;
/** A fresh 7-byte NXP UID. */
export const newUid = () => Buffer.from([0x04, 0x11, 0x22, 0x33, 0x44, 0x55, uidCounter++ & 0xff]);

/** All keys of a card of the test site (the encoder's). */
export const cardKeys = (uid: Buffer, master: Buffer = MASTER, site = SITE_ID): CardKeys =>
  deriveCardKeys(master, site, 1, uid);
export const connect = (card: DesfireCard) => new DesfireClient(async (apdu) => card.transceive(apdu));

/** A formatted card of the site (another site's with `master` and `siteId`), written with access data and a blacklist fragment. */
export async function makeCard(
  access: CardAccessData,
  blacklist: CardBlacklist = { highestSeq: 0, entries: [] },
  o: { uid?: Buffer; randomId?: boolean; master?: Buffer; siteId?: string } = {},
): Promise<{ card: DesfireCard; uid: Buffer }> {
  const uid = o.uid ?? newUid();
  const card = new DesfireCard({ uid, size: '2k', randomId: o.randomId ?? false });
  const keys = cardKeys(uid, o.master, o.siteId);
  await formatCard(connect(card), keys);
  await writeCard(connect(card), keys, { access, blacklist });
  card.powerOff();
  return { card, uid };
}
