import { describe, expect, it } from 'vitest';
import type { DesfireCard } from './card-emulator.js';
import { DesfireClient } from './desfire-client.js';
import type { CommMode, FileAccess } from './file-settings.js';
import type { DesfireErrorCode } from './status.js';
import { allRights, cardAndClient, connect, hex, toHex, ZERO_KEY } from './test-support.js';

/** Data and record files in every communication mode, transactions, access rights, chained frames. */

async function rejects(p: Promise<unknown>, code: DesfireErrorCode): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'DesfireError', code });
}

const AID = 0x4c4e54;
const modes: CommMode[] = ['plain', 'mac', 'full'];
/** Rights of the files in most tests: key 1 reads and writes, key 0 changes. */
const key1: FileAccess = { read: 1, write: 1, readWrite: 1, change: 0 };

/** A card with an application of 4 keys, selected, a session with `keyNo`, counting frames. */
async function setUp(
  keyNo = 1,
  frameSize = 59,
): Promise<{ card: DesfireCard; client: DesfireClient; frames: string[] }> {
  const { card, client: setup } = cardAndClient({ frameSize });
  await setup.createApplication(AID, { keySettings: 0x0f, keyCount: 4 });
  const frames: string[] = [];
  const client = new DesfireClient(
    async (apdu) => {
      const r = card.transceive(apdu);
      frames.push(`${apdu[1]!.toString(16)}>${toHex(r.subarray(-2))}`);
      return r;
    },
    { frameSize },
  );
  await client.selectApplication(AID);
  await client.authenticateEv2First(keyNo, ZERO_KEY);
  return { card, client, frames };
}

const pattern = (n: number, seed = 1) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

describe.each(modes)('files in %s mode', (comm) => {
  it('standard data file: written at once, read back, settings reported', async () => {
    const { client } = await setUp(0);
    await client.createStdDataFile(3, { comm, access: key1, size: 40 });
    expect(await client.getFileSettings(3)).toEqual({ type: 'std', comm, access: key1, size: 40 });
    expect(await client.getFileIds()).toEqual([3]);
    await client.authenticateEv2First(1, ZERO_KEY);
    await client.writeData(3, 5, hex('0102030405'), comm);
    expect(toHex(await client.readData(3, 4, 7, comm))).toBe('00010203040500');
    expect(await client.readData(3, 0, 0, comm)).toHaveLength(40);
    await rejects(client.readData(3, 36, 5, comm), 'BOUNDARY_ERROR');
    await client.authenticateEv2First(1, ZERO_KEY);
    await rejects(client.writeData(3, 39, hex('0102'), comm), 'BOUNDARY_ERROR');
  });

  it('long writes and reads travel in additional frames both ways', async () => {
    const { client, frames } = await setUp(0, 32);
    await client.createStdDataFile(0, { comm, access: key1, size: 300 });
    await client.authenticateEv2First(1, ZERO_KEY);
    const data = pattern(300);
    frames.length = 0;
    await client.writeData(0, 0, data, comm);
    expect(frames.filter((f) => f.startsWith('af>')).length).toBeGreaterThanOrEqual(9);
    frames.length = 0;
    expect(Buffer.from(await client.readData(0, 0, 0, comm)).equals(data)).toBe(true);
    expect(frames.at(-1)).toBe('af>9100');
    expect(frames.length).toBeGreaterThanOrEqual(10);
  });

  it('backup data file: the old data until CommitTransaction; abort and power loss keep it', async () => {
    const { card, client } = await setUp(0);
    await client.createBackupDataFile(4, { comm, access: key1, size: 16 });
    await client.authenticateEv2First(1, ZERO_KEY);
    const first = pattern(16, 1);
    await client.writeData(4, 0, first, comm);
    expect(await client.readData(4, 0, 16, comm)).toEqual(Buffer.alloc(16));
    await client.commitTransaction();
    expect(await client.readData(4, 0, 16, comm)).toEqual(first);

    await client.writeData(4, 0, pattern(16, 2), comm);
    await client.abortTransaction();
    await client.commitTransaction();
    expect(await client.readData(4, 0, 16, comm)).toEqual(first);

    await client.writeData(4, 0, pattern(16, 3), comm);
    card.powerOff(); // the card leaves the field mid-transaction
    const reader = connect(card);
    await reader.selectApplication(AID);
    await reader.authenticateEv2First(1, ZERO_KEY);
    expect(await reader.readData(4, 0, 16, comm)).toEqual(first);
    await reader.commitTransaction(); // nothing left to commit
    expect(await reader.readData(4, 0, 16, comm)).toEqual(first);
  });

  it('cyclic record file: keeps maxRecords - 1 records, overwrites the oldest, reads newest-relative', async () => {
    const { client } = await setUp(0);
    await client.createCyclicRecordFile(5, { comm, access: key1, recordSize: 4, maxRecords: 4 });
    await client.authenticateEv2First(1, ZERO_KEY);
    await rejects(client.readRecords(5, 0, 0, comm), 'BOUNDARY_ERROR'); // empty
    await client.authenticateEv2First(1, ZERO_KEY);
    for (let n = 1; n <= 5; n++) {
      await client.writeRecord(5, 0, Buffer.of(n, n), comm);
      await client.writeRecord(5, 2, Buffer.of(0xa0 + n), comm); // same record, same transaction
      await client.commitTransaction();
    }
    // Records 1 and 2 were overwritten: 3 remain, oldest first.
    expect(toHex(await client.readRecords(5, 0, 0, comm))).toBe('0303A300' + '0404A400' + '0505A500');
    expect(toHex(await client.readRecords(5, 0, 1, comm))).toBe('0505A500');
    expect(toHex(await client.readRecords(5, 1, 0, comm))).toBe('0303A300' + '0404A400');
    expect(toHex(await client.readRecords(5, 1, 2, comm))).toBe('0303A300' + '0404A400');
    await rejects(client.readRecords(5, 1, 3, comm), 'BOUNDARY_ERROR');
    await client.authenticateEv2First(0, ZERO_KEY);
    expect(await client.getFileSettings(5)).toEqual({
      type: 'cyclic',
      comm,
      access: key1,
      recordSize: 4,
      maxRecords: 4,
      currentRecords: 3,
    });
    await client.authenticateEv2First(1, ZERO_KEY);
    await rejects(client.writeRecord(5, 3, Buffer.of(1, 2), comm), 'BOUNDARY_ERROR');
  });

  it('record writes wait for the commit; ClearRecordFile too, and takes no write before it', async () => {
    const { client } = await setUp(0);
    await client.createCyclicRecordFile(6, { comm, access: key1, recordSize: 2, maxRecords: 3 });
    await client.authenticateEv2First(1, ZERO_KEY);
    await client.writeRecord(6, 0, hex('AAAA'), comm);
    await client.abortTransaction();
    await client.writeRecord(6, 0, hex('BBBB'), comm);
    await client.commitTransaction();
    expect(toHex(await client.readRecords(6, 0, 0, comm))).toBe('BBBB');
    await client.clearRecordFile(6);
    expect(toHex(await client.readRecords(6, 0, 0, comm))).toBe('BBBB');
    await rejects(client.writeRecord(6, 0, hex('CCCC'), comm), 'PERMISSION_DENIED');
    await client.authenticateEv2First(1, ZERO_KEY);
    await client.clearRecordFile(6);
    await client.commitTransaction();
    await rejects(client.readRecords(6, 0, 0, comm), 'BOUNDARY_ERROR');
  });
});

describe('transactions without a session', () => {
  it('free-access backup and record files commit, abort and lose power in plain too', async () => {
    const { card, client } = cardAndClient();
    await client.createApplication(AID, { keySettings: 0x0f, keyCount: 1 });
    await client.selectApplication(AID);
    await client.createBackupDataFile(1, { comm: 'full', access: allRights(0xe), size: 4 });
    await client.createCyclicRecordFile(2, {
      comm: 'full',
      access: allRights(0xe),
      recordSize: 2,
      maxRecords: 2,
    });
    await client.writeData(1, 0, hex('01020304'), 'plain');
    await client.writeRecord(2, 0, hex('0A0B'), 'plain');
    await client.commitTransaction();
    await client.writeData(1, 0, hex('FFFF'), 'plain');
    await client.abortTransaction();
    await client.writeRecord(2, 0, hex('0C0D'), 'plain');
    card.powerOff();
    const next = connect(card);
    await next.selectApplication(AID);
    expect(toHex(await next.readData(1, 0, 0, 'plain'))).toBe('01020304');
    expect(toHex(await next.readRecords(2, 0, 0, 'plain'))).toBe('0A0B');
    await next.writeRecord(2, 0, hex('0C0D'), 'plain');
    await next.commitTransaction();
    expect(toHex(await next.readRecords(2, 0, 0, 'plain'))).toBe('0C0D'); // maxRecords 2: one record kept
  });
});

describe('access rights', () => {
  const split: FileAccess = { read: 1, write: 2, readWrite: 3, change: 0 };

  it('only the keys the rights name read or write; refused commands change nothing', async () => {
    const { card, client } = await setUp(0);
    await client.createStdDataFile(7, { comm: 'full', access: split, size: 8 });
    await client.authenticateEv2First(2, ZERO_KEY);
    await client.writeData(7, 0, hex('0102030405060708'), 'full');
    await rejects(client.readData(7, 0, 8, 'full'), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(1, ZERO_KEY);
    const before = JSON.stringify(card.snapshot());
    await rejects(client.writeData(7, 0, hex('FF'), 'full'), 'AUTHENTICATION_ERROR');
    expect(JSON.stringify(card.snapshot())).toBe(before);
    await client.authenticateEv2First(1, ZERO_KEY);
    expect(toHex(await client.readData(7, 0, 8, 'full'))).toBe('0102030405060708');
    await client.authenticateEv2First(3, ZERO_KEY);
    await client.writeData(7, 0, hex('AA'), 'full');
    expect(toHex(await client.readData(7, 0, 1, 'full'))).toBe('AA');
  });

  it('no session: a keyed file answers AUTHENTICATION_ERROR; 0xF everywhere answers PERMISSION_DENIED', async () => {
    const { client } = await setUp(0);
    await client.createStdDataFile(8, { comm: 'mac', access: split, size: 8 });
    await client.createStdDataFile(9, {
      comm: 'mac',
      access: { read: 0xf, write: 0xf, readWrite: 0xf, change: 0 },
      size: 8,
    });
    await client.selectApplication(AID);
    await rejects(client.readData(8, 0, 8, 'plain'), 'AUTHENTICATION_ERROR');
    await rejects(client.readData(9, 0, 8, 'plain'), 'PERMISSION_DENIED');
    await rejects(client.readData(8, 0, 8, 'mac'), 'NOT_AUTHENTICATED');
    await rejects(client.readData(10, 0, 8, 'plain'), 'FILE_NOT_FOUND');
    await rejects(client.readRecords(8, 0, 1, 'plain'), 'PERMISSION_DENIED'); // not a record file
  });

  it('free access (0xE) reads and writes in plain, also inside a session with a key that has no right', async () => {
    const { client } = await setUp(0);
    await client.createStdDataFile(10, {
      comm: 'full',
      access: { read: 0xe, write: 0xe, readWrite: 2, change: 0 },
      size: 4,
    });
    await client.authenticateEv2First(1, ZERO_KEY);
    await client.writeData(10, 0, hex('CAFE'), 'plain');
    expect(toHex(await client.readData(10, 0, 2, 'plain'))).toBe('CAFE');
    expect(client.authenticated).toBe(true);
    // Key 2 holds Read&Write: with it the file's own mode (full) applies.
    await client.authenticateEv2First(2, ZERO_KEY);
    expect(toHex(await client.readData(10, 0, 2, 'full'))).toBe('CAFE');
    await client.selectApplication(AID);
    expect(toHex(await client.readData(10, 0, 2, 'plain'))).toBe('CAFE');
  });

  it('ClearRecordFile needs the Read&Write right', async () => {
    const { client } = await setUp(0);
    await client.createCyclicRecordFile(11, {
      comm: 'plain',
      access: { read: 1, write: 1, readWrite: 2, change: 0 },
      recordSize: 1,
      maxRecords: 2,
    });
    await client.authenticateEv2First(1, ZERO_KEY);
    await rejects(client.clearRecordFile(11), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(2, ZERO_KEY);
    await client.clearRecordFile(11);
  });

  it('DeleteFile needs the master key unless create/delete is free, and drops pending writes', async () => {
    const { card, client } = await setUp(0);
    await client.createBackupDataFile(12, { comm: 'plain', access: allRights(0xe), size: 4 });
    await client.writeData(12, 0, hex('01'), 'plain');
    await client.deleteFile(12);
    await client.commitTransaction();
    await rejects(client.getFileSettings(12), 'FILE_NOT_FOUND');
    await rejects(client.deleteFile(12), 'FILE_NOT_FOUND');
    expect(card.snapshot().applications[0]!.files).toEqual([]);
  });
});

describe('frame limits', () => {
  it('native WriteData takes at most a frame per APDU; EV2 ISO-chaining 0x8D a whole short APDU', async () => {
    const { card, client } = await setUp(0);
    await client.createStdDataFile(13, { comm: 'plain', access: allRights(0xe), size: 200 });
    await client.selectApplication(AID);
    const body = (ins: string) => hex(`90${ins}0000` + '9D' + '0D000000960000' + '55'.repeat(150) + '00');
    expect(toHex(card.transceive(body('3D')))).toBe('917E');
    expect(toHex(card.transceive(body('8D')))).toBe('9100');
    expect(toHex(await client.readData(13, 0, 1, 'plain'))).toBe('55');
  });
});
