import type { CommMode, FileAccess } from '../desfire/file-settings.js';
import {
  ACCESS_DATA_FILE_BYTES,
  AUDIT_FILE_RECORDS,
  AUDIT_RECORD_BYTES,
  BLACKLIST_FILE_BYTES,
  CARD_INFO_FILE_BYTES,
  DESFIRE_BLOCK_BYTES,
  blocksOf,
} from './format-limits.js';

/**
 * The Lintel DESFire application: where each file lives, which key may do what, and how much memory it
 * takes. docs/card-format.md explains the choices for a security reviewer and a firmware engineer.
 */

/**
 * The application id. AN10787 reserves AIDs whose first nibble is F for MIFARE Classic application ids
 * mapped into DESFire (registered through NXP's MAD registry); every other AID is the issuer's own
 * choice. 0x4C4E54 ("LNT" in ASCII, most significant byte first) is outside the F range; we found no
 * public listing of it in use. Nothing registers such AIDs, so a collision is possible: a card that
 * carries another system's app under this AID is told apart by its card info file (not a Lintel
 * encoding → NOT_LINTEL) or its factory PICC key, and Lintel deletes an application under this AID
 * only on a card whose PICC master key is already the site's.
 */
export const LINTEL_AID = 0x4c4e54;
/** The PICC (card-level) application. */
export const PICC_AID = 0x000000;

/** An AID as DESFire sends it (and as the key diversification input carries it): least significant byte first. */
export function aidBytes(aid: number): Buffer {
  if (!Number.isInteger(aid) || aid < 0 || aid > 0xffffff) throw new RangeError(`AID ${aid} is not 3 bytes`);
  return Buffer.from([aid & 0xff, (aid >> 8) & 0xff, (aid >> 16) & 0xff]);
}

/** Key numbers inside the Lintel application. */
export const KEY_NO = {
  /** Changes keys and the card info; nothing else (it never reads access data). */
  appMaster: 0,
  /** Offline locks and readers: read access data and blacklist, append audit records. */
  lock: 1,
  /** Encoder and update points: write access data and blacklist, read and clear the audit trail. */
  update: 2,
  /** Not diversified, no file rights: authenticates for GetCardUID on a random-ID card (card-keys.ts). */
  uidRead: 3,
} as const;
/** Application keys (all AES-128). */
export const APP_KEY_COUNT = 4;
/** The PICC master key is key 0 of AID 000000. */
export const PICC_MASTER_KEY_NO = 0;

/** Access right "free": no authentication. */
export const FREE = 0xe;
/** Access right "never". */
export const NEVER = 0xf;

/**
 * Application key settings (DESFire key settings byte): 0x09 =
 * bits 7-4 = 0: only the application master key changes keys;
 * bit 3 = 1: the settings may be changed (by the app master key), so a later format version can migrate;
 * bit 2 = 0: creating and deleting files needs the app master key;
 * bit 1 = 0: listing files and their settings needs the app master key (the layout is public, but no
 *            reason to hand it to any reader);
 * bit 0 = 1: the app master key can be changed (key rotation).
 */
export const APP_KEY_SETTINGS = 0x09;

/**
 * The PICC key settings Lintel leaves as they come (0x0F): GetApplicationIDs without a key, which
 * AN10787 asks for and inspectCard uses; creating other applications without the PICC key, so a site
 * can share the card with, say, a canteen purse. Deleting the Lintel application still needs the PICC
 * master key or the Lintel app master key.
 */
export const PICC_KEY_SETTINGS = 0x0f;

/** File numbers. */
export const FILE_NO = { info: 0, access: 1, blacklist: 2, audit: 3 } as const;
/** One of the application's files. */
export type CardFileName = keyof typeof FILE_NO;

/** One file as formatCard creates it. */
export type CardFileSpec = {
  name: CardFileName;
  fileNo: number;
  comm: CommMode;
  access: FileAccess;
} & ({ type: 'std' | 'backup'; size: number } | { type: 'cyclic'; recordSize: number; maxRecords: number });

/** The files, in the order formatCard creates them. */
export const CARD_FILES: readonly CardFileSpec[] = [
  {
    // Read by anyone (plain: a free-read file cannot be encrypted), written only with the app master key.
    name: 'info',
    fileNo: FILE_NO.info,
    type: 'std',
    comm: 'plain',
    access: { read: FREE, write: KEY_NO.appMaster, readWrite: KEY_NO.appMaster, change: KEY_NO.appMaster },
    size: CARD_INFO_FILE_BYTES,
  },
  {
    // Backup file: a rewrite takes effect at CommitTransaction, together with the blacklist, or not at all.
    name: 'access',
    fileNo: FILE_NO.access,
    type: 'backup',
    comm: 'full',
    access: { read: KEY_NO.lock, write: KEY_NO.update, readWrite: KEY_NO.update, change: KEY_NO.appMaster },
    size: ACCESS_DATA_FILE_BYTES,
  },
  {
    name: 'blacklist',
    fileNo: FILE_NO.blacklist,
    type: 'backup',
    comm: 'full',
    access: { read: KEY_NO.lock, write: KEY_NO.update, readWrite: KEY_NO.update, change: KEY_NO.appMaster },
    size: BLACKLIST_FILE_BYTES,
  },
  {
    // Locks append (write) but cannot read or clear: a lock cannot erase what other locks logged. The
    // update key reads and clears (ClearRecordFile needs the read-write right). Full: door ids and times
    // say where the holder went.
    name: 'audit',
    fileNo: FILE_NO.audit,
    type: 'cyclic',
    comm: 'full',
    access: { read: KEY_NO.update, write: KEY_NO.lock, readWrite: KEY_NO.update, change: KEY_NO.appMaster },
    recordSize: AUDIT_RECORD_BYTES,
    maxRecords: AUDIT_FILE_RECORDS,
  },
];

/** A file's spec by name. */
export function cardFile(name: CardFileName): CardFileSpec {
  return CARD_FILES.find((f) => f.name === name)!;
}

/**
 * The memory model of the budget below. NXP publishes the 32-byte allocation unit and that a backup
 * file holds two copies, not the bookkeeping per application and file (the full data sheet is under
 * NDA); these are deliberately pessimistic guesses for it, and the budget keeps two blocks of margin
 * on top. formatCard also asks the card (GetFreeMemory) before it creates anything.
 */
export const DESFIRE_2K_BYTES = 2048;
/** Assumed bookkeeping of one application: two blocks, plus one block per key (16-byte AES key, version). */
export function applicationOverheadBytes(keyCount: number): number {
  return 2 * DESFIRE_BLOCK_BYTES + keyCount * DESFIRE_BLOCK_BYTES;
}
/** Assumed bookkeeping of one file (its settings). */
export const FILE_OVERHEAD_BYTES = DESFIRE_BLOCK_BYTES;

/** What one file's data takes: whole blocks, twice for a backup file (its mirror). */
export function fileDataBytes(f: CardFileSpec): number {
  if (f.type === 'cyclic') return blocksOf(f.recordSize * f.maxRecords);
  return f.type === 'backup' ? 2 * blocksOf(f.size) : blocksOf(f.size);
}

/** What one file takes: its data, plus its bookkeeping. */
export function fileMemoryBytes(f: CardFileSpec): number {
  return fileDataBytes(f) + FILE_OVERHEAD_BYTES;
}

/**
 * The files' data alone, without any bookkeeping: a card reporting less free memory certainly cannot
 * hold the application, so formatCard refuses it before changing anything.
 */
export function applicationDataBytes(): number {
  return CARD_FILES.reduce((sum, f) => sum + fileDataBytes(f), 0);
}

/** The whole application's memory under the model above. */
export function applicationMemoryBytes(): number {
  return applicationOverheadBytes(APP_KEY_COUNT) + CARD_FILES.reduce((sum, f) => sum + fileMemoryBytes(f), 0);
}
