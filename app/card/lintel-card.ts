import type { DesfireClient } from '../desfire/index.js';
import { encodeAccessData, type CardAccessData } from './access-data.js';
import { encodeAuditRecord, type CardAuditRecord } from './audit-record.js';
import { encodeBlacklistFragment, type CardBlacklist } from './blacklist-fragment.js';
import { CardError } from './card-error.js';
import { accessOf, blacklistOf, readAccessBytes, readAudit, readBlacklistBytes } from './card-files.js';
import type { CardInfo } from './card-info.js';
import type { CardKeys } from './card-keys.js';
import { FILE_NO, KEY_NO, LINTEL_AID, PICC_AID, PICC_MASTER_KEY_NO } from './card-layout.js';
import { isDesfire, runCardOperation, type CardOperationOptions, type CardRun } from './card-run.js';
import {
  DEFAULT_KEY,
  applicationIds,
  authenticateApp,
  detectCard,
  openLintelApp,
  readInfo,
} from './card-session.js';
import { CardFormatError } from './format-error.js';

/**
 * The high-level card operations over a DesfireClient: what the encoder, the update points and (for
 * the audit trail) the offline locks do with a Lintel card. formatCard and eraseCard live in their
 * own modules and are re-exported here. Every operation reports progress, honours an AbortSignal
 * between card commands until it sends CommitTransaction, and fails only with a CardError.
 */
export { formatCard, type FormatOptions, type FormatResult } from './format-card.js';
export { eraseCard, type EraseResult } from './erase-card.js';
export type { CardOperationOptions, CardStep } from './card-run.js';

/** What a card is, as far as can be told without keys. `uid` is null when the card hides it (random ID). */
export type CardInspection =
  /** No applications, and the factory PICC master key. */
  | { kind: 'blank'; uid: Buffer | null }
  | { kind: 'lintel'; uid: Buffer | null; siteTag: Buffer; formatVersion: number; keyVersion: number }
  /**
   * What a card pulled during formatting looks like: a Lintel application whose card info is missing,
   * or no applications but a PICC master key that is not the factory key. formatCard with the right
   * site's keys finishes it (other keys are refused).
   */
  | { kind: 'unfinished'; uid: Buffer | null }
  /** A DESFire card of another system: other applications, no Lintel application. */
  | { kind: 'foreign'; uid: Buffer | null; aids: number[] | null };

/** What writeCard puts on the card, in one transaction. */
export interface CardContent {
  access: CardAccessData;
  blacklist: CardBlacklist;
}

/** Everything readCard finds on a card. Access data and blacklist are null on a card formatted but never written. */
export interface CardReading {
  /** The real UID, from GetCardUID inside the session. */
  uid: Buffer;
  info: CardInfo;
  access: CardAccessData | null;
  blacklist: CardBlacklist | null;
  /** Oldest first. */
  audit: CardAuditRecord[];
}

/** Tells blank, Lintel, half-formatted and foreign cards apart, reading only the free card info file. */
export async function inspectCard(
  client: DesfireClient,
  options: CardOperationOptions = {},
): Promise<CardInspection> {
  return runCardOperation(client, options, 'nothing was changed', async (run) => {
    const uid = await detectCard(run);
    try {
      await run.cmd((c) => c.selectApplication(LINTEL_AID));
      const read = await readInfo(run);
      if (read.state === 'ok') {
        // formatCard writes the card info before it changes the application keys (master key last): an
        // application that still opens with the factory master key was pulled half-way (a harmless try).
        if (await opensWithFactoryKey(run)) return { kind: 'unfinished', uid };
        return { kind: 'lintel', uid, ...read.info };
      }
      if (read.state === 'unwritten') return { kind: 'unfinished', uid };
      return { kind: 'foreign', uid, aids: await applicationIds(run) };
    } catch (err) {
      if (!isDesfire(err, 'APPLICATION_NOT_FOUND')) throw err;
    }
    const aids = await applicationIds(run);
    if (aids === null || aids.length > 0) return { kind: 'foreign', uid, aids };
    // No applications: blank if the factory key opens it (a harmless try), else someone took the card
    // master key: a format of ours pulled early, or another system's empty card.
    try {
      await run.cmd((c) => c.authenticateEv2First(PICC_MASTER_KEY_NO, DEFAULT_KEY));
      return { kind: 'blank', uid };
    } catch (err) {
      if (!isDesfire(err, 'AUTHENTICATION_ERROR')) throw err;
      return { kind: 'unfinished', uid };
    }
  });
}

/** Whether the selected Lintel application's master key is still the factory key. */
async function opensWithFactoryKey(run: CardRun): Promise<boolean> {
  try {
    await run.cmd((c) => c.authenticateEv2First(KEY_NO.appMaster, DEFAULT_KEY));
    return true;
  } catch (err) {
    if (isDesfire(err, 'AUTHENTICATION_ERROR')) return false;
    throw err;
  }
}

/**
 * The real UID of a card that shows a random ID, read with GetCardUID after authenticating with the
 * site's UID-read key (key 3, not diversified), or, on a blank card, with the factory PICC key. A card
 * pulled during formatting may still have the factory key 3. Throws RANDOM_UID when none opens it (a
 * random-ID card of another system or site).
 */
export async function revealUid(
  client: DesfireClient,
  uidKey: Uint8Array,
  options: CardOperationOptions = {},
): Promise<Buffer> {
  return runCardOperation(client, options, 'nothing was changed', async (run) => {
    run.step('detect');
    const attempts: [number, number, Uint8Array][] = [
      [LINTEL_AID, KEY_NO.uidRead, uidKey],
      [LINTEL_AID, KEY_NO.uidRead, DEFAULT_KEY],
      [PICC_AID, PICC_MASTER_KEY_NO, DEFAULT_KEY],
    ];
    for (const [aid, keyNo, key] of attempts) {
      try {
        await run.cmd((c) => c.selectApplication(aid));
        await run.cmd((c) => c.authenticateEv2First(keyNo, key));
        return Buffer.from(await run.cmd((c) => c.getCardUid()));
      } catch (err) {
        if (!isDesfire(err, 'APPLICATION_NOT_FOUND', 'AUTHENTICATION_ERROR', 'NO_SUCH_KEY')) throw err;
      }
    }
    throw new CardError(
      'RANDOM_UID',
      "This card hides its UID (random ID) and does not open with this site's UID key: it is not a card of this site.",
    );
  });
}

/** Encodes content before any card command: refusals (over a limit) come before the card is touched. */
function encodeContent(content: CardContent): { access: Buffer; blacklist: Buffer } {
  try {
    return {
      access: encodeAccessData(content.access),
      blacklist: encodeBlacklistFragment(content.blacklist),
    };
  } catch (err) {
    if (err instanceof CardFormatError) throw new CardError('INVALID_CONTENT', err.message, { cause: err });
    throw err;
  }
}

/** Opens this site's card and authenticates with the update key. */
async function openForUpdate(run: CardRun, keys: CardKeys): Promise<CardInfo> {
  const info = await openLintelApp(run, keys);
  await authenticateApp(run, KEY_NO.update, keys.update);
  return info;
}

/**
 * Writes access data and blacklist fragment in one transaction: both backup files change at
 * CommitTransaction, or neither does (a card pulled before it keeps its old content). The `commit`
 * step is reported just before CommitTransaction is sent; a CardError after it has `commitSent`.
 */
export async function writeCard(
  client: DesfireClient,
  keys: CardKeys,
  content: CardContent,
  options: CardOperationOptions = {},
): Promise<{ committed: true }> {
  const bytes = encodeContent(content);
  return runCardOperation(
    client,
    options,
    'nothing was written, the card keeps its old content',
    async (run) => {
      await openForUpdate(run, keys);
      run.step('write');
      // Whole files, padding included: a shorter new encoding must not leave old bytes behind it.
      await run.cmd((c) => c.writeData(FILE_NO.access, 0, bytes.access, 'full'));
      await run.cmd((c) => c.writeData(FILE_NO.blacklist, 0, bytes.blacklist, 'full'));
      await run.commit();
      return { committed: true as const };
    },
  );
}

/** Reads and decodes everything on this site's card (with the update key, which reads every file). */
export async function readCard(
  client: DesfireClient,
  keys: CardKeys,
  options: CardOperationOptions = {},
): Promise<CardReading> {
  return runCardOperation(client, options, 'nothing was changed', async (run) => {
    const info = await openForUpdate(run, keys);
    const access = accessOf(await readAccessBytes(run));
    const blacklist = blacklistOf(await readBlacklistBytes(run));
    const uid = Buffer.from(await run.cmd((c) => c.getCardUid()));
    // Last: an empty record file answers with an error, which ends the session.
    const audit = await readAudit(run);
    return { uid, info, access, blacklist, audit };
  });
}

/** What an offline lock reads from a card: its info, access data and blacklist fragment (null when never written). */
export interface LockReading {
  info: CardInfo;
  access: CardAccessData | null;
  blacklist: CardBlacklist | null;
}

/**
 * An offline lock's read: access data and blacklist fragment with the lock key (which may read them
 * and append audit records, nothing more). The lock then decides and appends with {@link appendAudit}.
 */
export async function readForLock(
  client: DesfireClient,
  keys: CardKeys,
  options: CardOperationOptions = {},
): Promise<LockReading> {
  return runCardOperation(client, options, 'nothing was changed', async (run) => {
    const info = await openLintelApp(run, keys);
    await authenticateApp(run, KEY_NO.lock, keys.lock);
    const access = accessOf(await readAccessBytes(run));
    const blacklist = blacklistOf(await readBlacklistBytes(run));
    return { info, access, blacklist };
  });
}

/** Reads the card back and compares it, byte for byte, with what `content` encodes to. */
export async function verifyCard(
  client: DesfireClient,
  keys: CardKeys,
  content: CardContent,
  options: CardOperationOptions = {},
): Promise<void> {
  const bytes = encodeContent(content);
  return runCardOperation(client, options, 'nothing was changed', async (run) => {
    await openForUpdate(run, keys);
    run.step('verify');
    const access = await readAccessBytes(run);
    const blacklist = await readBlacklistBytes(run);
    const differs = [
      Buffer.from(access).equals(bytes.access) ? null : 'access data',
      Buffer.from(blacklist).equals(bytes.blacklist) ? null : 'blacklist fragment',
    ].filter((x) => x !== null);
    if (differs.length > 0) {
      // Say whether the card holds something Lintel wrote (an older version) or damage.
      accessOf(access);
      blacklistOf(blacklist);
      throw new CardError(
        'VERIFY_MISMATCH',
        `The card does not hold what was written (${differs.join(' and ')} differ): write the card again.`,
      );
    }
  });
}

/**
 * An update point's collection: reads the audit trail and clears it in one transaction, so records
 * are never lost (a card pulled before the commit keeps them, and the next collection reads them again
 * — the Service drops the duplicates by their content).
 */
export async function collectAudit(
  client: DesfireClient,
  keys: CardKeys,
  options: CardOperationOptions = {},
): Promise<CardAuditRecord[]> {
  return runCardOperation(
    client,
    options,
    'nothing was cleared, the card keeps its audit trail',
    async (run) => {
      await openForUpdate(run, keys);
      const records = await readAudit(run);
      if (records.length === 0) return records;
      run.step('write');
      await run.cmd((c) => c.clearRecordFile(FILE_NO.audit));
      await run.commit();
      return records;
    },
  );
}

/**
 * An offline lock's append: one audit record, with the lock key (which may append but not read or
 * clear). When the file is full the card drops its oldest record.
 */
export async function appendAudit(
  client: DesfireClient,
  keys: CardKeys,
  record: CardAuditRecord,
  options: CardOperationOptions = {},
): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = encodeAuditRecord(record);
  } catch (err) {
    if (err instanceof CardFormatError) throw new CardError('INVALID_CONTENT', err.message, { cause: err });
    throw err;
  }
  return runCardOperation(client, options, 'no record was added', async (run) => {
    await openLintelApp(run, keys);
    await authenticateApp(run, KEY_NO.lock, keys.lock);
    run.step('write');
    await run.cmd((c) => c.writeRecord(FILE_NO.audit, 0, bytes, 'full'));
    await run.commit();
  });
}
