import type { Application, RecordFile } from './card-state.js';
import { Status } from './status.js';

/**
 * The uncommitted writes of the selected application. Backup data files and record files write
 * here; CommitTransaction copies it into the persistent state in one step and AbortTransaction, a
 * change of application or leaving the field drop it. A card pulled mid-transaction therefore keeps
 * the old data or the new, never half. Reads see the committed state, as on the card.
 */
export class Transaction {
  private readonly backups = new Map<number, Buffer>();
  private readonly records = new Map<number, { cleared: boolean; record: Buffer | null }>();

  /** Whether anything waits for a commit. */
  get empty(): boolean {
    return this.backups.size === 0 && this.records.size === 0;
  }

  /** Writes into the pending copy of a backup data file, made from the committed content on first write. */
  writeBackup(fileNo: number, committed: Buffer, offset: number, data: Uint8Array): void {
    let copy = this.backups.get(fileNo);
    if (!copy) {
      copy = Buffer.from(committed);
      this.backups.set(fileNo, copy);
    }
    copy.set(data, offset);
  }

  /**
   * Writes into the new record of a record file: the first WriteRecord of a transaction opens a
   * zero-filled record, later ones in the same transaction add to it. After a ClearRecordFile in the
   * same transaction the file takes no write (PERMISSION_DENIED) until the clear is committed.
   */
  writeRecord(fileNo: number, file: RecordFile, offset: number, data: Uint8Array): number {
    const entry = this.records.get(fileNo) ?? { cleared: false, record: null };
    if (entry.cleared) return Status.PERMISSION_DENIED;
    entry.record ??= Buffer.alloc(file.recordSize);
    entry.record.set(data, offset);
    this.records.set(fileNo, entry);
    return Status.OPERATION_OK;
  }

  /** Marks a record file for clearing at commit; drops a record written before it in this transaction. */
  clearRecords(fileNo: number): void {
    this.records.set(fileNo, { cleared: true, record: null });
  }

  /** Applies every pending write to `app`. A cyclic file full with maxRecords - 1 records loses its oldest. */
  commit(app: Application): void {
    for (const [fileNo, copy] of this.backups) {
      const file = app.files.get(fileNo);
      if (file?.type === 'backup') file.data = copy;
    }
    for (const [fileNo, entry] of this.records) {
      const file = app.files.get(fileNo);
      if (file?.type !== 'cyclic') continue;
      if (entry.cleared) file.records = [];
      if (entry.record) {
        file.records.push(entry.record);
        while (file.records.length > file.maxRecords - 1) file.records.shift();
      }
    }
    this.abort();
  }

  /** Drops every pending write. */
  abort(): void {
    this.backups.clear();
    this.records.clear();
  }

  /** Drops the pending writes of one file (it is being deleted). */
  forget(fileNo: number): void {
    this.backups.delete(fileNo);
    this.records.delete(fileNo);
  }
}
