import {
  fail,
  fileAccess,
  ok,
  selectedApp,
  type CardContext,
  type CommandResult,
  type FileOperation,
} from './card-context.js';
import type { CardFile, DataFile, RecordFile } from './card-state.js';
import { readU24 } from './bytes.js';
import type { CommMode } from './file-settings.js';
import { Status } from './status.js';

/**
 * Data commands: ReadData, WriteData, ReadRecords, WriteRecord, ClearRecordFile, CommitTransaction,
 * AbortTransaction. Each data command starts with a 7-byte header FileNo ‖ a(3) ‖ b(3), always in
 * clear; the rest travels in the mode `dataMode` gives.
 */

/** The header of ReadData, WriteData, ReadRecords and WriteRecord. */
export const DATA_HEADER = 7;

type FileKind = 'data' | 'record';

function fileOfKind(file: CardFile, kind: FileKind): boolean {
  return kind === 'record' ? file.type === 'cyclic' : file.type !== 'cyclic';
}

/** The mode a data command travels in (the file's rights decide), or the status refusing it. */
export function dataMode(op: FileOperation, kind: FileKind) {
  return (ctx: CardContext, header: Buffer): CommMode | number => {
    const app = selectedApp(ctx);
    if (!app) return Status.PERMISSION_DENIED;
    const file = app.files.get(header[0]!);
    if (!file) return Status.FILE_NOT_FOUND;
    if (!fileOfKind(file, kind)) return Status.PERMISSION_DENIED;
    return fileAccess(file, op, ctx.session);
  };
}

/** The plain data length a write announces in its header (third field). */
export function announcedLength(header: Buffer): number {
  return readU24(header, 4);
}

function dataFile(ctx: CardContext, fileNo: number): DataFile {
  // dataMode has checked the file exists and has this kind before the handler runs.
  return selectedApp(ctx)!.files.get(fileNo) as DataFile;
}

function recordFile(ctx: CardContext, fileNo: number): RecordFile {
  return selectedApp(ctx)!.files.get(fileNo) as RecordFile;
}

/** ReadData (0xBD, and 0xAD): FileNo ‖ offset ‖ length (0: to the end). Backup files read their committed data. */
export function readData(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== DATA_HEADER) return fail(Status.LENGTH_ERROR);
  const file = dataFile(ctx, data[0]!);
  const offset = readU24(data, 1);
  const size = file.data.length;
  const length = readU24(data, 4) || size - offset;
  if (offset >= size || offset + length > size) return fail(Status.BOUNDARY_ERROR);
  return ok(Buffer.from(file.data.subarray(offset, offset + length)));
}

/** WriteData (0x3D, and 0x8D): FileNo ‖ offset ‖ length ‖ data. Standard files at once, backup files at commit. */
export function writeData(ctx: CardContext, data: Buffer): CommandResult {
  const length = data.length >= DATA_HEADER ? readU24(data, 4) : -1;
  if (length < 1 || data.length !== DATA_HEADER + length) return fail(Status.LENGTH_ERROR);
  const fileNo = data[0]!;
  const file = dataFile(ctx, fileNo);
  const offset = readU24(data, 1);
  if (offset + length > file.data.length) return fail(Status.BOUNDARY_ERROR);
  const bytes = data.subarray(DATA_HEADER);
  if (file.type === 'std') file.data.set(bytes, offset);
  else ctx.transaction.writeBackup(fileNo, file.data, offset, bytes);
  return ok();
}

/**
 * ReadRecords (0xBB, and 0xAB): FileNo ‖ RecNo ‖ count (0: all from RecNo back). RecNo counts back
 * from the newest committed record (0 = newest); the answer gives the chosen records oldest first,
 * in the order they were written.
 */
export function readRecords(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== DATA_HEADER) return fail(Status.LENGTH_ERROR);
  const { records } = recordFile(ctx, data[0]!);
  const newest = readU24(data, 1);
  const available = records.length - newest;
  const count = readU24(data, 4) || available;
  if (available < 1 || count > available) return fail(Status.BOUNDARY_ERROR);
  return ok(Buffer.concat(records.slice(available - count, available)));
}

/** WriteRecord (0x3B, and 0x8B): FileNo ‖ offset in the record ‖ length ‖ data, into the transaction's new record. */
export function writeRecord(ctx: CardContext, data: Buffer): CommandResult {
  const length = data.length >= DATA_HEADER ? readU24(data, 4) : -1;
  if (length < 1 || data.length !== DATA_HEADER + length) return fail(Status.LENGTH_ERROR);
  const fileNo = data[0]!;
  const file = recordFile(ctx, fileNo);
  const offset = readU24(data, 1);
  if (offset + length > file.recordSize) return fail(Status.BOUNDARY_ERROR);
  const status = ctx.transaction.writeRecord(fileNo, file, offset, data.subarray(DATA_HEADER));
  return { status };
}

/** ClearRecordFile (0xEB): needs the Read&Write right; takes effect at commit. */
export function clearRecordFile(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 1) return fail(Status.LENGTH_ERROR);
  const mode = dataMode('readWrite', 'record')(ctx, data);
  if (typeof mode === 'number') return fail(mode);
  ctx.transaction.clearRecords(data[0]!);
  return ok();
}

/**
 * CommitTransaction (0xC7) with EV2's optional option byte: 0x00 only, since no TransactionMAC file
 * is emulated (asking for TMC/TMV gets PARAMETER_ERROR). Committing nothing succeeds.
 */
export function commitTransaction(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length > 1) return fail(Status.LENGTH_ERROR);
  if (data.length === 1 && data[0] !== 0) return fail(Status.PARAMETER_ERROR);
  const app = selectedApp(ctx);
  if (app) ctx.transaction.commit(app);
  return ok();
}

/** AbortTransaction (0xA7): every uncommitted write of the selected application is dropped. */
export function abortTransaction(ctx: CardContext, data: Buffer): CommandResult {
  if (data.length !== 0) return fail(Status.LENGTH_ERROR);
  ctx.transaction.abort();
  return ok();
}
