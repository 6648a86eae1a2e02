import { randomBytes } from 'node:crypto';
import type { Transceive } from './client-channel.js';
import { ClientCore } from './client-core.js';
import * as parse from './client-parse.js';
import * as req from './client-requests.js';
import { Cmd } from './command-codes.js';
import { decodeFileSettings, type CommMode, type FileAccess, type FileSettings } from './file-settings.js';
import { DesfireError } from './status.js';
import { decodeVersion, type CardVersion } from './version.js';

/** Client options. */
export interface DesfireClientOptions {
  /** Most command data bytes per frame; longer commands chain. Default 59, the emulator's default. */
  frameSize?: number;
  /** Random source for RndA; tests inject one to replay published exchanges. */
  random?: (length: number) => Uint8Array;
}

/** What GetKeySettings reports. */
export type KeySettings = ReturnType<typeof parse.parseKeySettings>;

/**
 * A DESFire EV2 client over any transport that carries ISO 7816-4 APDUs (a PC/SC reader, the
 * NCoder, the card emulator). It keeps the EV2 session (AuthenticateEV2First/NonFirst, CmdCtr, TI),
 * MACs and encrypts commands in the mode given, checks every answer's MAC in constant time before
 * using it (RESPONSE_MAC), refuses answers of the wrong shape (MALFORMED_RESPONSE) and never logs.
 * Any failure ends the session, as it does on the card. Data commands use the native codes (0xBD,
 * 0x3D, 0xBB, 0x3B), which chain with additional frames on every DESFire. One client per activation:
 * after the card leaves the field, make a new one.
 */
export class DesfireClient {
  private readonly core: ClientCore;

  constructor(transceive: Transceive, options: DesfireClientOptions = {}) {
    const frameSize = options.frameSize ?? 59;
    req.check(req.inRange(frameSize, 250) && frameSize >= 16, 'frameSize must be 16..250');
    this.core = new ClientCore(transceive, frameSize, options.random ?? ((n: number) => randomBytes(n)));
  }

  /** Whether an EV2 session is open. */
  get authenticated(): boolean {
    return this.core.session !== null;
  }

  /** A management command: MAC mode inside a session, plain outside; checks the answer is empty. */
  private async management(
    ins: number,
    header: Uint8Array,
    name: string,
    endsSession = false,
  ): Promise<void> {
    parse.parseEmpty(await this.core.command(ins, { header, mode: this.core.macMode, endsSession }), name);
  }

  /** A management query: MAC mode inside a session, plain outside. */
  private query(ins: number, header?: Uint8Array): Promise<Buffer> {
    return this.core.command(ins, { header, mode: this.core.macMode });
  }

  /** GetVersion: hardware and software versions, UID (zeros on a random-ID card), batch, production date. */
  async getVersion(): Promise<CardVersion> {
    return decodeVersion(await this.query(Cmd.GET_VERSION));
  }

  /** SelectApplication; AID 0 is the PICC level. The AID goes LSB first. Ends the session. */
  async selectApplication(aid: number): Promise<void> {
    const header = req.aidBytes(aid, true);
    const raw = await this.core.command(Cmd.SELECT_APPLICATION, { header, mode: 'plain', endsSession: true });
    parse.parseEmpty(raw, 'SelectApplication');
    this.core.aid = aid;
  }

  /** AuthenticateEV2First with an AES key of the selected level: a new session (fresh TI, CmdCtr 0). */
  async authenticateEv2First(keyNo: number, key: Uint8Array): Promise<void> {
    req.checkKeyNo(keyNo);
    req.checkKey(key);
    await this.core.authenticateFirst(keyNo, key);
  }

  /** AuthenticateEV2NonFirst: new session keys for another key, same TI and CmdCtr. Needs a session. */
  async authenticateEv2NonFirst(keyNo: number, key: Uint8Array): Promise<void> {
    req.checkKeyNo(keyNo);
    req.checkKey(key);
    await this.core.authenticateNonFirst(keyNo, key);
  }

  /** GetCardUID: the real UID (also of a random-ID card), encrypted on the way. Needs a session. */
  async getCardUid(): Promise<Uint8Array> {
    return parse.parseCardUid(await this.core.command(Cmd.GET_CARD_UID, { mode: 'full' }));
  }

  /** GetApplicationIDs (PICC level). */
  async getApplicationIds(): Promise<number[]> {
    return parse.parseApplicationIds(await this.query(Cmd.GET_APPLICATION_IDS));
  }

  /** CreateApplication with AES keys (all zero, version 0 on the card). */
  async createApplication(aid: number, o: { keySettings: number; keyCount: number }): Promise<void> {
    await this.management(Cmd.CREATE_APPLICATION, req.createApplicationFields(aid, o), 'CreateApplication');
  }

  /** DeleteApplication; deleting the selected application returns to the PICC level and ends the session. */
  async deleteApplication(aid: number): Promise<void> {
    const selected = aid === this.core.aid;
    await this.management(Cmd.DELETE_APPLICATION, req.aidBytes(aid, false), 'DeleteApplication', selected);
    if (selected) this.core.aid = 0;
  }

  /** FormatPICC: removes every application (PICC master key session). */
  async formatPicc(): Promise<void> {
    await this.management(Cmd.FORMAT_PICC, new Uint8Array(0), 'FormatPICC');
  }

  /** GetKeySettings of the selected level. */
  async getKeySettings(): Promise<KeySettings> {
    return parse.parseKeySettings(await this.query(Cmd.GET_KEY_SETTINGS));
  }

  /** ChangeKeySettings of the selected level (master key session, full mode). */
  async changeKeySettings(settings: number): Promise<void> {
    req.check(req.inRange(settings), 'key settings are a byte');
    const raw = await this.core.command(Cmd.CHANGE_KEY_SETTINGS, { data: Buffer.of(settings), mode: 'full' });
    parse.parseEmpty(raw, 'ChangeKeySettings');
  }

  /** GetKeyVersion. */
  async getKeyVersion(keyNo: number): Promise<number> {
    req.checkKeyNo(keyNo);
    return parse.parseKeyVersion(await this.query(Cmd.GET_KEY_VERSION, Buffer.of(keyNo)));
  }

  /**
   * ChangeKey (full mode). Changing the session's own key sends the new key and ends the session;
   * changing another key needs `oldKey` (see client-requests changeKeyCryptogram). At PICC level the
   * key number carries the AES key type (0x80).
   */
  async changeKey(keyNo: number, newKey: Uint8Array, newVersion: number, oldKey?: Uint8Array): Promise<void> {
    req.checkKeyNo(keyNo);
    req.checkKey(newKey);
    const session = this.core.session;
    if (!session) throw DesfireError.client('NOT_AUTHENTICATED', 'ChangeKey needs a session');
    const own = keyNo === session.keyNo;
    const data = req.changeKeyCryptogram(own, newKey, newVersion, oldKey);
    const header = Buffer.of(this.core.aid === 0 ? 0x80 | keyNo : keyNo);
    const raw = await this.core.command(Cmd.CHANGE_KEY, { header, data, mode: 'full', endsSession: own });
    parse.parseEmpty(raw, 'ChangeKey');
  }

  /** GetFileIDs of the selected application. */
  async getFileIds(): Promise<number[]> {
    return parse.parseFileIds(await this.query(Cmd.GET_FILE_IDS));
  }

  /** GetFileSettings. */
  async getFileSettings(fileNo: number): Promise<FileSettings> {
    req.checkFileNo(fileNo);
    return decodeFileSettings(await this.query(Cmd.GET_FILE_SETTINGS, Buffer.of(fileNo)));
  }

  /** CreateStdDataFile: written at once. */
  async createStdDataFile(
    fileNo: number,
    o: { comm: CommMode; access: FileAccess; size: number },
  ): Promise<void> {
    const fields = req.createFileFields(fileNo, o.comm, o.access, [o.size]);
    await this.management(Cmd.CREATE_STD_DATA_FILE, fields, 'CreateStdDataFile');
  }

  /** CreateBackupDataFile: writes take effect at CommitTransaction. */
  async createBackupDataFile(
    fileNo: number,
    o: { comm: CommMode; access: FileAccess; size: number },
  ): Promise<void> {
    const fields = req.createFileFields(fileNo, o.comm, o.access, [o.size]);
    await this.management(Cmd.CREATE_BACKUP_DATA_FILE, fields, 'CreateBackupDataFile');
  }

  /**
   * CreateCyclicRecordFile. maxRecords counts the card's spare record (the one the next WriteRecord
   * fills), so the file keeps at most maxRecords - 1 committed records; it must be at least 2.
   */
  async createCyclicRecordFile(
    fileNo: number,
    o: { comm: CommMode; access: FileAccess; recordSize: number; maxRecords: number },
  ): Promise<void> {
    req.check(o.maxRecords >= 2, 'a cyclic record file has at least 2 records');
    const fields = req.createFileFields(fileNo, o.comm, o.access, [o.recordSize, o.maxRecords]);
    await this.management(Cmd.CREATE_CYCLIC_RECORD_FILE, fields, 'CreateCyclicRecordFile');
  }

  /** DeleteFile. */
  async deleteFile(fileNo: number): Promise<void> {
    req.checkFileNo(fileNo);
    await this.management(Cmd.DELETE_FILE, Buffer.of(fileNo), 'DeleteFile');
  }

  /**
   * ReadData; length 0 reads to the end of the file. `comm` is how the card answers: the file's mode
   * when the session key holds the right, plain when only free access (0xE) grants it.
   */
  async readData(fileNo: number, offset: number, length: number, comm: CommMode): Promise<Uint8Array> {
    const header = req.dataHeader(fileNo, offset, length);
    return parse.parseReadData(await this.core.command(Cmd.READ_DATA, { header, mode: comm }), length);
  }

  /** WriteData; long data goes in additional frames. Backup files need CommitTransaction. */
  async writeData(fileNo: number, offset: number, data: Uint8Array, comm: CommMode): Promise<void> {
    req.check(data.length > 0, 'nothing to write');
    const header = req.dataHeader(fileNo, offset, data.length);
    parse.parseEmpty(await this.core.command(Cmd.WRITE_DATA, { header, data, mode: comm }), 'WriteData');
  }

  /** WriteRecord into the transaction's new record, at `offset` within it. Needs CommitTransaction. */
  async writeRecord(fileNo: number, offset: number, data: Uint8Array, comm: CommMode): Promise<void> {
    req.check(data.length > 0, 'nothing to write');
    const header = req.dataHeader(fileNo, offset, data.length);
    parse.parseEmpty(await this.core.command(Cmd.WRITE_RECORD, { header, data, mode: comm }), 'WriteRecord');
  }

  /**
   * ReadRecords: `first` counts back from the newest committed record (0 = newest), `count` records
   * (0 = all from there back to the oldest). The card answers them oldest first, in the order they
   * were written, concatenated (split them by the record size from GetFileSettings).
   */
  async readRecords(fileNo: number, first: number, count: number, comm: CommMode): Promise<Uint8Array> {
    const header = req.dataHeader(fileNo, first, count);
    return this.core.command(Cmd.READ_RECORDS, { header, mode: comm });
  }

  /** ClearRecordFile (Read&Write right); takes effect at CommitTransaction. */
  async clearRecordFile(fileNo: number): Promise<void> {
    req.checkFileNo(fileNo);
    await this.management(Cmd.CLEAR_RECORD_FILE, Buffer.of(fileNo), 'ClearRecordFile');
  }

  /** CommitTransaction (without EV2's TMC/TMV option). */
  async commitTransaction(): Promise<void> {
    await this.management(Cmd.COMMIT_TRANSACTION, new Uint8Array(0), 'CommitTransaction');
  }

  /** AbortTransaction. */
  async abortTransaction(): Promise<void> {
    await this.management(Cmd.ABORT_TRANSACTION, new Uint8Array(0), 'AbortTransaction');
  }

  /** GetFreeMemory in bytes. */
  async getFreeMemory(): Promise<number> {
    return parse.parseFreeMemory(await this.query(Cmd.GET_FREE_MEMORY));
  }
}
