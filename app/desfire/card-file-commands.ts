import { dataFileCost, freeMemory, recordFileCost } from './card-memory.js';
import {
  fail,
  needMasterUnless,
  ok,
  selectedApp,
  type CardContext,
  type CommandResult,
} from './card-context.js';
import { KeySettingsFlag, type Application, type CardFile } from './card-state.js';
import { readU16, readU24 } from './bytes.js';
import { accessOf, commModeOf, encodeFileSettings, type FileSettings } from './file-settings.js';
import { Status } from './status.js';

/** File management: GetFileIDs, GetFileSettings, CreateStdDataFile, CreateBackupDataFile, CreateCyclicRecordFile, DeleteFile. */

/** Highest file number. */
export const MAX_FILE_NO = 31;

/** The selected application, or the status refusing a file command at PICC level. */
function appOrRefuse(ctx: CardContext): Application | CommandResult {
  return selectedApp(ctx) ?? fail(Status.PERMISSION_DENIED);
}

function isResult(x: Application | CommandResult): x is CommandResult {
  return 'status' in x;
}

/** GetFileIDs (0x6F): the file numbers of the selected application, ascending. */
export function getFileIds(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  const app = appOrRefuse(ctx);
  if (isResult(app)) return app;
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeDirectoryList);
  if (refused) return refused;
  return ok(Buffer.from([...app.files.keys()].sort((a, b) => a - b)));
}

/** The settings of a file as GetFileSettings reports them. */
export function settingsOf(file: CardFile): FileSettings {
  const comm = commModeOf(file.comm);
  const access = accessOf(file.access);
  if (file.type !== 'cyclic') return { type: file.type, comm, access, size: file.data.length };
  const { recordSize, maxRecords } = file;
  return { type: 'cyclic', comm, access, recordSize, maxRecords, currentRecords: file.records.length };
}

/** GetFileSettings (0xF5). */
export function getFileSettings(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 1) return fail(Status.LENGTH_ERROR);
  const app = appOrRefuse(ctx);
  if (isResult(app)) return app;
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeDirectoryList);
  if (refused) return refused;
  const file = app.files.get(data[0]!);
  return file ? ok(encodeFileSettings(settingsOf(file))) : fail(Status.FILE_NOT_FOUND);
}

/** A file about to be created: what it costs, and how to make it (only once the memory is there). */
interface NewFile {
  cost: number;
  make: () => CardFile;
}

/**
 * The checks every CreateXxxFile shares, then the file is added: file number 0..31, only the
 * communication bits in the file option (EV2's additional access rights are not emulated), no
 * duplicate, enough memory.
 */
function addFile(ctx: CardContext, data: Buffer, length: number, parse: () => NewFile | null): CommandResult {
  const app = appOrRefuse(ctx);
  if (isResult(app)) return app;
  if (data.length !== length) return fail(Status.LENGTH_ERROR);
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeCreateDelete);
  if (refused) return refused;
  const fileNo = data[0]!;
  const file = fileNo <= MAX_FILE_NO && (data[1]! & ~0x03) === 0 ? parse() : null;
  if (!file) return fail(Status.PARAMETER_ERROR);
  if (app.files.has(fileNo)) return fail(Status.DUPLICATE_ERROR);
  if (freeMemory(ctx.state) < file.cost) return fail(Status.OUT_OF_EEPROM);
  app.files.set(fileNo, file.make());
  return ok();
}

/** CreateStdDataFile (0xCD) and CreateBackupDataFile (0xCB): FileNo ‖ option ‖ access(2) ‖ size(3). */
export function createDataFile(type: 'std' | 'backup') {
  return (ctx: CardContext, data: Buffer): CommandResult =>
    addFile(ctx, data, 7, () => {
      const size = readU24(data, 4);
      if (size === 0) return null;
      const make = (): CardFile => ({
        type,
        comm: data[1]!,
        access: readU16(data, 2),
        data: Buffer.alloc(size),
      });
      return { cost: dataFileCost(type, size), make };
    });
}

/**
 * CreateCyclicRecordFile (0xC0): FileNo ‖ option ‖ access(2) ‖ recordSize(3) ‖ maxRecords(3).
 * MaxNoOfRecords counts the spare record the card writes the next record into, so it is at least 2
 * and the file holds at most MaxNoOfRecords - 1 committed records.
 */
export function createCyclicRecordFile(ctx: CardContext, data: Buffer): CommandResult {
  return addFile(ctx, data, 10, () => {
    const recordSize = readU24(data, 4);
    const maxRecords = readU24(data, 7);
    if (recordSize === 0 || maxRecords < 2) return null;
    const make = (): CardFile => ({
      type: 'cyclic',
      comm: data[1]!,
      access: readU16(data, 2),
      recordSize,
      maxRecords,
      records: [],
    });
    return { cost: recordFileCost(recordSize, maxRecords), make };
  });
}

/** DeleteFile (0xDF): the file and its uncommitted writes go; its memory is free again. */
export function deleteFile(ctx: CardContext, data: Buffer): CommandResult {
  const app = appOrRefuse(ctx);
  if (isResult(app)) return app;
  if (data.length !== 1) return fail(Status.LENGTH_ERROR);
  const refused = needMasterUnless(ctx, KeySettingsFlag.freeCreateDelete);
  if (refused) return refused;
  if (!app.files.delete(data[0]!)) return fail(Status.FILE_NOT_FOUND);
  ctx.transaction.forget(data[0]!);
  return ok();
}
