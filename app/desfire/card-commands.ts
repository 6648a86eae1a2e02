import type { CardContext, CommandResult } from './card-context.js';
import {
  abortTransaction,
  announcedLength,
  clearRecordFile,
  commitTransaction,
  DATA_HEADER,
  dataMode,
  readData,
  readRecords,
  writeData,
  writeRecord,
} from './card-data-commands.js';
import {
  createCyclicRecordFile,
  createDataFile,
  deleteFile,
  getFileIds,
  getFileSettings,
} from './card-file-commands.js';
import { changeKey, changeKeySettings, getKeySettings, getKeyVersion } from './card-key-commands.js';
import {
  createApplication,
  deleteApplication,
  formatPicc,
  getApplicationIds,
  getCardUid,
  getFreeMemory,
  getVersion,
  selectApplication,
} from './card-picc-commands.js';
import type { Protection } from './card-secure-channel.js';
import { Cmd } from './command-codes.js';

/**
 * The native commands the emulator answers (AuthenticateEV2First/NonFirst and the additional frame
 * are handled by the emulator itself). Data commands exist twice: the native codes chain with
 * additional frames of the card's frame size; EV2's ISO-chaining codes (0xAD, 0x8D, 0xAB, 0x8B) take
 * a whole short APDU because ISO/IEC 14443-4 chaining, below the APDU, carries them on a real card.
 */
export interface CommandSpec {
  protection: Protection;
  run: (ctx: CardContext, data: Buffer) => CommandResult;
  /** Frames of up to a short APDU instead of the card's native frame size. */
  isoChaining?: boolean;
}

const mac: Protection = { kind: 'mac' };
const readDataP: Protection = { kind: 'file', header: DATA_HEADER, mode: dataMode('read', 'data') };
const writeDataP: Protection = {
  kind: 'file',
  header: DATA_HEADER,
  mode: dataMode('write', 'data'),
  bodyLength: announcedLength,
};
const readRecordsP: Protection = { kind: 'file', header: DATA_HEADER, mode: dataMode('read', 'record') };
const writeRecordP: Protection = {
  kind: 'file',
  header: DATA_HEADER,
  mode: dataMode('write', 'record'),
  bodyLength: announcedLength,
};

/** Command code → how it is protected and who answers it. */
export const COMMANDS: ReadonlyMap<number, CommandSpec> = new Map<number, CommandSpec>([
  [Cmd.GET_VERSION, { protection: mac, run: getVersion }],
  [Cmd.GET_CARD_UID, { protection: { kind: 'full', header: 0 }, run: getCardUid }],
  [Cmd.GET_APPLICATION_IDS, { protection: mac, run: getApplicationIds }],
  [Cmd.CREATE_APPLICATION, { protection: mac, run: createApplication }],
  [Cmd.DELETE_APPLICATION, { protection: mac, run: deleteApplication }],
  [Cmd.SELECT_APPLICATION, { protection: { kind: 'select' }, run: selectApplication }],
  [Cmd.FORMAT_PICC, { protection: mac, run: formatPicc }],
  [Cmd.GET_FREE_MEMORY, { protection: mac, run: getFreeMemory }],
  [Cmd.GET_KEY_SETTINGS, { protection: mac, run: getKeySettings }],
  [Cmd.CHANGE_KEY_SETTINGS, { protection: { kind: 'full', header: 0 }, run: changeKeySettings }],
  [Cmd.GET_KEY_VERSION, { protection: mac, run: getKeyVersion }],
  [Cmd.CHANGE_KEY, { protection: { kind: 'full', header: 1 }, run: changeKey }],
  [Cmd.GET_FILE_IDS, { protection: mac, run: getFileIds }],
  [Cmd.GET_FILE_SETTINGS, { protection: mac, run: getFileSettings }],
  [Cmd.CREATE_STD_DATA_FILE, { protection: mac, run: createDataFile('std') }],
  [Cmd.CREATE_BACKUP_DATA_FILE, { protection: mac, run: createDataFile('backup') }],
  [Cmd.CREATE_CYCLIC_RECORD_FILE, { protection: mac, run: createCyclicRecordFile }],
  [Cmd.DELETE_FILE, { protection: mac, run: deleteFile }],
  [Cmd.READ_DATA, { protection: readDataP, run: readData }],
  [Cmd.READ_DATA_ISO, { protection: readDataP, run: readData, isoChaining: true }],
  [Cmd.WRITE_DATA, { protection: writeDataP, run: writeData }],
  [Cmd.WRITE_DATA_ISO, { protection: writeDataP, run: writeData, isoChaining: true }],
  [Cmd.READ_RECORDS, { protection: readRecordsP, run: readRecords }],
  [Cmd.READ_RECORDS_ISO, { protection: readRecordsP, run: readRecords, isoChaining: true }],
  [Cmd.WRITE_RECORD, { protection: writeRecordP, run: writeRecord }],
  [Cmd.WRITE_RECORD_ISO, { protection: writeRecordP, run: writeRecord, isoChaining: true }],
  [Cmd.CLEAR_RECORD_FILE, { protection: mac, run: clearRecordFile }],
  [Cmd.COMMIT_TRANSACTION, { protection: mac, run: commitTransaction }],
  [Cmd.ABORT_TRANSACTION, { protection: mac, run: abortTransaction }],
]);
