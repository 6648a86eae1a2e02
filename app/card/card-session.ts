import { allZero } from './bytes.js';
import { CardError } from './card-error.js';
import { decodeCardInfo, type CardInfo } from './card-info.js';
import type { CardKeys } from './card-keys.js';
import { FILE_NO, LINTEL_AID, PICC_AID, PICC_MASTER_KEY_NO } from './card-layout.js';
import { isDesfire, type CardRun } from './card-run.js';
import { CardFormatError } from './format-error.js';

/**
 * The steps the card operations share: recognising the card, opening the Lintel application with
 * the checks that tell a stranger's card from another site's from this site's, and authenticating.
 */

/** The factory key of a blank card (AES-128 all zero; see docs/card-format.md, deviations). */
export const DEFAULT_KEY = Buffer.alloc(16);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/**
 * SelectApplication(PICC) and GetVersion: refuses what is not DESFire EV2 or newer (Lintel needs AuthenticateEV2First) and answers
 * the UID, or null when the card hides it (random ID: GetVersion then gives zeros).
 */
export async function detectCard(run: CardRun): Promise<Buffer | null> {
  run.step('detect');
  let version;
  try {
    // SelectApplication first: it ends any session the card still has from an earlier operation (which
    // the client may not know of), so both sides start from the same, unauthenticated state.
    await run.cmd((c) => c.selectApplication(PICC_AID));
    version = await run.cmd((c) => c.getVersion());
  } catch (err) {
    if (!isDesfire(err)) throw err;
    throw new CardError('NOT_DESFIRE', 'This is not a MIFARE DESFire card: Lintel uses DESFire EV2 cards.', {
      cause: err,
    });
  }
  const hw = version.hardware;
  // NXP (vendor 04), type 01 = DESFire, major version 0x12 = EV2 (EV3 is 0x30 and up; EV1 is 0x01).
  if (hw.vendorId !== 0x04 || hw.type !== 0x01 || hw.majorVersion < 0x12) {
    throw new CardError(
      'NOT_DESFIRE',
      `This card (type ${hw.type}, version ${hw.majorVersion}.${hw.minorVersion}) is not a DESFire EV2 or newer: ` +
        'Lintel needs EV2 secure messaging. Use a DESFire EV2 card.',
    );
  }
  return allZero(version.uid) ? null : Buffer.from(version.uid);
}

/**
 * Checks the keys were derived for this card's UID. A random-ID card does not show it (null): its keys
 * were derived from the UID revealUid read, and keys of another card would not authenticate anyway.
 */
export function checkUid(keys: CardKeys, uid: Buffer | null): void {
  if (uid === null) return;
  if (!uid.equals(keys.uid)) {
    throw new CardError(
      'WRONG_KEYS',
      `The keys were derived for card ${hex(keys.uid)}, but this is card ${hex(uid)}: present the right card.`,
    );
  }
}

/** The application ids on the card, or null when the PICC does not list them without a key. */
export async function applicationIds(run: CardRun): Promise<number[] | null> {
  await run.cmd((c) => c.selectApplication(PICC_AID));
  try {
    return await run.cmd((c) => c.getApplicationIds());
  } catch (err) {
    if (isDesfire(err, 'AUTHENTICATION_ERROR', 'PERMISSION_DENIED')) return null;
    throw err;
  }
}

/** What the card info file says, or why it says nothing. */
export type InfoRead =
  | { state: 'ok'; info: CardInfo }
  /** The file is missing or was never written: formatting was interrupted. */
  | { state: 'unwritten' }
  /** The file is not free to read: not Lintel's application. */
  | { state: 'foreign' };

/** Reads the card info file of the selected Lintel application, without a key. */
export async function readInfo(run: CardRun): Promise<InfoRead> {
  let bytes: Uint8Array;
  try {
    bytes = await run.cmd((c) => c.readData(FILE_NO.info, 0, 0, 'plain'));
  } catch (err) {
    if (isDesfire(err, 'FILE_NOT_FOUND')) return { state: 'unwritten' };
    if (isDesfire(err, 'AUTHENTICATION_ERROR', 'PERMISSION_DENIED')) return { state: 'foreign' };
    throw err;
  }
  try {
    return { state: 'ok', info: decodeCardInfo(bytes) };
  } catch (err) {
    if (err instanceof CardFormatError && err.code === 'EMPTY') return { state: 'unwritten' };
    if (err instanceof CardFormatError && err.code === 'UNKNOWN_VERSION') {
      throw new CardError(
        'UNSUPPORTED_FORMAT',
        `This card's format version ${bytes[0]} is newer than this Lintel reads: update Lintel on this station.`,
        { cause: err },
      );
    }
    throw new CardError(
      'CORRUPT',
      `The card info on this card is damaged (${err instanceof Error ? err.message : String(err)}): ` +
        'erase and format the card again.',
      { cause: err },
    );
  }
}

/** Refuses a card info of another site, or of another key version than the keys offered. */
export function checkInfo(keys: CardKeys, info: CardInfo): void {
  if (!info.siteTag.equals(keys.siteTag)) {
    throw new CardError(
      'OTHER_SITE',
      `This card belongs to another Lintel site (site tag ${hex(info.siteTag)}): it cannot be used here.`,
    );
  }
  if (info.keyVersion !== keys.keyVersion) {
    throw new CardError(
      'WRONG_KEYS',
      `This card is keyed under key version ${info.keyVersion}, but the keys offered are version ` +
        `${keys.keyVersion}: use the keys of version ${info.keyVersion}.`,
    );
  }
}

/**
 * Selects the Lintel application of this site's card and checks its card info, before any key is
 * tried: a stranger's card is NOT_LINTEL, a blank or half-formatted one NOT_FORMATTED, another site's
 * OTHER_SITE, another key version WRONG_KEYS.
 */
export async function openLintelApp(run: CardRun, keys: CardKeys): Promise<CardInfo> {
  checkUid(keys, await detectCard(run));
  try {
    await run.cmd((c) => c.selectApplication(LINTEL_AID));
  } catch (err) {
    if (!isDesfire(err, 'APPLICATION_NOT_FOUND')) throw err;
    const aids = await applicationIds(run);
    if (aids !== null && aids.length === 0) {
      throw new CardError(
        'NOT_FORMATTED',
        'This card is blank (or its formatting was interrupted): format it first.',
      );
    }
    throw new CardError(
      'NOT_LINTEL',
      'This card belongs to another system: it carries no Lintel application. Use a Lintel card.',
    );
  }
  const read = await readInfo(run);
  if (read.state === 'foreign') {
    throw new CardError(
      'NOT_LINTEL',
      "This card's application under the Lintel AID is not Lintel's: use a Lintel card.",
    );
  }
  if (read.state === 'unwritten') {
    throw new CardError('NOT_FORMATTED', 'The formatting of this card was interrupted: format it again.');
  }
  checkInfo(keys, read.info);
  return read.info;
}

/**
 * Authenticates with one key of the Lintel application. A card that names this site and key version
 * in its info but refuses the key was not issued by this site (its info was copied or forged).
 */
export async function authenticateApp(run: CardRun, keyNo: number, key: Buffer): Promise<void> {
  run.step('authenticate');
  try {
    await run.cmd((c) => c.authenticateEv2First(keyNo, key));
  } catch (err) {
    if (!isDesfire(err, 'AUTHENTICATION_ERROR', 'NO_SUCH_KEY', 'PERMISSION_DENIED')) throw err;
    throw new CardError(
      'OTHER_SITE',
      "This card claims to belong to this site but does not accept the site's keys: it was not issued here " +
        '(or it was tampered with). Keep it aside and report it.',
      { cause: err },
    );
  }
}

/**
 * Authenticates with the PICC master key, trying this site's key and the factory key (the one the
 * key version suggests first: a card pulled during formatting or erasing may hold either). Answers
 * which one worked, or null when neither did.
 */
export async function authenticatePicc(run: CardRun, keys: CardKeys): Promise<'site' | 'default' | null> {
  run.step('authenticate');
  await run.cmd((c) => c.selectApplication(PICC_AID));
  const version = await run.cmd((c) => c.getKeyVersion(PICC_MASTER_KEY_NO));
  const site = { which: 'site' as const, key: keys.piccMaster };
  const factory = { which: 'default' as const, key: DEFAULT_KEY };
  for (const { which, key } of version === keys.keyVersion ? [site, factory] : [factory, site]) {
    try {
      await run.cmd((c) => c.authenticateEv2First(PICC_MASTER_KEY_NO, key));
      return which;
    } catch (err) {
      if (!isDesfire(err, 'AUTHENTICATION_ERROR')) throw err;
    }
  }
  return null;
}

/**
 * Selects the Lintel application and reads its card info; null when the card has none. A card info of
 * another site is refused here (OTHER_SITE), before any key is tried on the card.
 */
export async function lintelAppInfo(
  run: CardRun,
  keys: CardKeys,
  aids: number[] | null,
): Promise<InfoRead | null> {
  if (aids !== null && !aids.includes(LINTEL_AID)) return null;
  try {
    await run.cmd((c) => c.selectApplication(LINTEL_AID));
  } catch (err) {
    if (isDesfire(err, 'APPLICATION_NOT_FOUND')) return null;
    throw err;
  }
  const read = await readInfo(run);
  if (read.state === 'ok') checkInfo(keys, read.info);
  return read;
}
