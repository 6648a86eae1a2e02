import type { DesfireClient } from '../desfire/index.js';
import { CardError } from './card-error.js';
import { encodeCardInfo } from './card-info.js';
import type { CardKeys } from './card-keys.js';
import {
  APP_KEY_COUNT,
  APP_KEY_SETTINGS,
  CARD_FILES,
  FILE_NO,
  KEY_NO,
  LINTEL_AID,
  PICC_AID,
  PICC_MASTER_KEY_NO,
  applicationDataBytes,
  type CardFileSpec,
} from './card-layout.js';
import { isDesfire, runCardOperation, type CardOperationOptions, type CardRun } from './card-run.js';
import {
  DEFAULT_KEY,
  applicationIds,
  authenticatePicc,
  checkInfo,
  checkUid,
  detectCard,
  lintelAppInfo,
  readInfo,
} from './card-session.js';

/**
 * formatCard: a blank DESFire EV2 card becomes a Lintel card of this site. The order is what makes
 * it resumable (a card pulled at any point can be formatted again, and nothing else can claim it
 * half-way):
 *
 * 1. authenticate the PICC with the factory key and change it to the site's diversified PICC
 *    master key first: from then on only this site can finish (or undo) the card;
 * 2. create the application and its files, and write the card info, under the application's factory
 *    master key;
 * 3. change keys 1 and 2, then key 0 last: an application whose master key is the site's is complete
 *    (everything else happened before), one whose master key is still the factory key is a leftover
 *    of an interrupted format, which step 2 deletes and makes again.
 */

/** formatCard's options. */
export interface FormatOptions extends CardOperationOptions {
  /** Format a card that carries other applications (they stay; Lintel takes the PICC master key). */
  shareWithOtherApplications?: boolean;
}

/** What formatCard did. */
export interface FormatResult {
  /** The card already was a complete Lintel card of this site and key version: nothing was changed. */
  alreadyFormatted: boolean;
}

async function createFile(run: CardRun, f: CardFileSpec): Promise<void> {
  const o = { comm: f.comm, access: f.access };
  if (f.type === 'cyclic') {
    await run.cmd((c) =>
      c.createCyclicRecordFile(f.fileNo, { ...o, recordSize: f.recordSize, maxRecords: f.maxRecords }),
    );
  } else if (f.type === 'backup') {
    await run.cmd((c) => c.createBackupDataFile(f.fileNo, { ...o, size: f.size }));
  } else {
    await run.cmd((c) => c.createStdDataFile(f.fileNo, { ...o, size: f.size }));
  }
}

/**
 * Which key the existing Lintel application's master key is: the site's (the format completed),
 * the factory key (an interrupted format), or neither (WRONG_KEYS).
 */
async function appMasterKey(run: CardRun, keys: CardKeys): Promise<'site' | 'default'> {
  await run.cmd((c) => c.selectApplication(LINTEL_AID));
  for (const [which, key] of [
    ['site', keys.appMaster],
    ['default', DEFAULT_KEY],
  ] as const) {
    try {
      await run.cmd((c) => c.authenticateEv2First(KEY_NO.appMaster, key));
      return which;
    } catch (err) {
      if (!isDesfire(err, 'AUTHENTICATION_ERROR')) throw err;
    }
  }
  throw new CardError(
    'WRONG_KEYS',
    "The Lintel application on this card accepts neither this site's keys nor the factory key: " +
      'it was keyed under another key version. Erase it with the keys it was made with.',
  );
}

/** Steps 2 and 3: the application, its files, the card info, then its keys (master key last). */
async function buildApplication(run: CardRun, keys: CardKeys): Promise<void> {
  const free = await run.cmd((c) => c.getFreeMemory());
  if (free < applicationDataBytes()) {
    throw new CardError(
      'FULL',
      `The card has ${free} bytes free; the Lintel application needs at least ${applicationDataBytes()}: ` +
        'use a blank card (or remove other applications with the tools of their issuer).',
    );
  }
  await run.cmd((c) =>
    c.createApplication(LINTEL_AID, { keySettings: APP_KEY_SETTINGS, keyCount: APP_KEY_COUNT }),
  );
  await run.cmd((c) => c.selectApplication(LINTEL_AID));
  await run.cmd((c) => c.authenticateEv2First(KEY_NO.appMaster, DEFAULT_KEY));
  for (const f of CARD_FILES) await createFile(run, f);
  const info = encodeCardInfo({ siteTag: keys.siteTag, keyVersion: keys.keyVersion });
  await run.cmd((c) => c.writeData(FILE_NO.info, 0, info, 'plain'));
  const v = keys.keyVersion;
  await run.cmd((c) => c.changeKey(KEY_NO.lock, keys.lock, v, DEFAULT_KEY));
  await run.cmd((c) => c.changeKey(KEY_NO.update, keys.update, v, DEFAULT_KEY));
  await run.cmd((c) => c.changeKey(KEY_NO.uidRead, keys.uidRead, v, DEFAULT_KEY));
  await run.cmd((c) => c.changeKey(KEY_NO.appMaster, keys.appMaster, v));
}

/** Checks the finished card: the site's app master key opens it and its info is this site's. */
async function verifyFormat(run: CardRun, keys: CardKeys): Promise<void> {
  run.step('verify');
  await run.cmd((c) => c.selectApplication(LINTEL_AID));
  const read = await readInfo(run);
  if (read.state !== 'ok')
    throw new CardError('VERIFY_MISMATCH', 'The card info did not read back: format again.');
  checkInfo(keys, read.info);
  await run.cmd((c) => c.authenticateEv2First(KEY_NO.appMaster, keys.appMaster));
}

/**
 * Makes a blank (or half-formatted) card a Lintel card of the site the keys belong to. A complete
 * Lintel card of this site is left as it is (`alreadyFormatted`). The abort signal is honoured between
 * commands; a cancelled format leaves a card that formatCard finishes and eraseCard undoes.
 */
export async function formatCard(
  client: DesfireClient,
  keys: CardKeys,
  options: FormatOptions = {},
): Promise<FormatResult> {
  const leaves = 'the card may be half formatted; format it again to finish, or erase it';
  return runCardOperation(client, options, leaves, async (run) => {
    checkUid(keys, await detectCard(run));
    const aids = await applicationIds(run);
    const existing = await lintelAppInfo(run, keys, aids);
    const others = (aids ?? []).filter((aid) => aid !== LINTEL_AID);
    if (existing?.state === 'foreign') {
      throw new CardError(
        'NOT_LINTEL',
        'Another system uses the Lintel AID on this card: it cannot be formatted.',
      );
    }
    if ((others.length > 0 || aids === null) && !options.shareWithOtherApplications) {
      throw new CardError(
        'NOT_BLANK',
        'This card carries applications of another system. Format it only if the card may be shared ' +
          '(shareWithOtherApplications); Lintel would then hold its card master key.',
      );
    }

    const picc = await authenticatePicc(run, keys);
    if (picc === null) {
      throw new CardError(
        existing ? 'OTHER_SITE' : 'NOT_LINTEL',
        existing
          ? "This card's Lintel application belongs to another site (its card master key is not this site's)."
          : "This card's master key is neither the factory key nor this site's: it belongs to another system.",
      );
    }
    if (picc === 'default' && existing) {
      // formatCard changes the PICC key before it creates the application: this one is not ours.
      throw new CardError(
        'NOT_LINTEL',
        'Another system put an application under the Lintel AID on this card.',
      );
    }

    run.step('format');
    if (picc === 'default') {
      await run.cmd((c) => c.changeKey(PICC_MASTER_KEY_NO, keys.piccMaster, keys.keyVersion));
      await run.cmd((c) => c.authenticateEv2First(PICC_MASTER_KEY_NO, keys.piccMaster));
    }
    if (existing) {
      if ((await appMasterKey(run, keys)) === 'site') {
        if (existing.state !== 'ok') {
          // Cannot happen through formatCard (the info is written before the keys change); repair it.
          const info = encodeCardInfo({ siteTag: keys.siteTag, keyVersion: keys.keyVersion });
          await run.cmd((c) => c.writeData(FILE_NO.info, 0, info, 'plain'));
        }
        await verifyFormat(run, keys);
        return { alreadyFormatted: existing.state === 'ok' };
      }
      // A leftover of an interrupted format: start the application again.
      await run.cmd((c) => c.selectApplication(PICC_AID));
      await run.cmd((c) => c.authenticateEv2First(PICC_MASTER_KEY_NO, keys.piccMaster));
      await run.cmd((c) => c.deleteApplication(LINTEL_AID));
    }
    await buildApplication(run, keys);
    await verifyFormat(run, keys);
    return { alreadyFormatted: false };
  });
}
