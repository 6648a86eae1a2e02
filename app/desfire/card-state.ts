/**
 * The persistent state of an emulated DESFire EV2 card: what survives leaving the field. Everything
 * volatile (authentication, the session, chained frames, the uncommitted transaction) lives in the
 * emulator itself, so a snapshot of this state is the card as a simulator keeps it in a file.
 */

/** The three memory sizes DESFire EV2 comes in. */
export type CardSize = '2k' | '4k' | '8k';

/** An AES-128 key and its version byte. */
export interface KeySlot {
  key: Buffer;
  version: number;
}

/** A standard or backup data file. */
export interface DataFile {
  type: 'std' | 'backup';
  /** The communication-settings byte as created (bits 1..0). */
  comm: number;
  /** The 16-bit access rights. */
  access: number;
  /** The committed content; its length is the file size. */
  data: Buffer;
}

/** A cyclic record file. */
export interface RecordFile {
  type: 'cyclic';
  comm: number;
  access: number;
  recordSize: number;
  /** MaxNoOfRecords as created: one of them is always the spare that takes the next write. */
  maxRecords: number;
  /** Committed records, oldest first; at most maxRecords - 1 of them. */
  records: Buffer[];
}

/** Any file the emulator creates. */
export type CardFile = DataFile | RecordFile;

/** An application (a DESFire "DF") with its AES keys and files. */
export interface Application {
  aid: number;
  /** Key settings byte 1 (change-key right in bits 7..4, then configuration/create/list/change-master flags). */
  keySettings: number;
  keys: KeySlot[];
  files: Map<number, CardFile>;
}

/** The whole persistent card. */
export interface CardState {
  /** The 7-byte UID burnt in at manufacturing. */
  uid: Buffer;
  size: CardSize;
  /** Personalised with random ID: anticollision shows a fresh 4-byte ID at every activation. */
  randomId: boolean;
  /** PICC key settings (bit 3 configuration changeable, 2 free create, 1 free directory list, 0 master key changeable). */
  piccKeySettings: number;
  piccKey: KeySlot;
  /** Applications in creation order. */
  applications: Map<number, Application>;
}

/** Key settings of a blank card and of a new application's default: every flag set, key 0 changes keys. */
export const DEFAULT_KEY_SETTINGS = 0x0f;

/** Key-settings flags (low nibble of key settings byte 1). */
export const KeySettingsFlag = {
  masterKeyChangeable: 0x01,
  freeDirectoryList: 0x02,
  freeCreateDelete: 0x04,
  configurationChangeable: 0x08,
} as const;

/** A blank card: AES-128 all-zero PICC master key, version 0, no applications. */
export function blankState(uid: Buffer, size: CardSize, randomId: boolean): CardState {
  return {
    uid,
    size,
    randomId,
    piccKeySettings: DEFAULT_KEY_SETTINGS,
    // Deviation: real cards ship with a DES all-zero PICC master key. The emulator knows only AES.
    piccKey: { key: Buffer.alloc(16), version: 0 },
    applications: new Map(),
  };
}
