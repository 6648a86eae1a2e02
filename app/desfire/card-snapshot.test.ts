import { describe, expect, it } from 'vitest';
import { DesfireCard } from './card-emulator.js';
import { allRights, connect, hex, toHex, ZERO_KEY } from './test-support.js';

/** The persistent state as JSON: complete, free of anything volatile, and validated on the way back. */

const K = hex('0F0E0D0C0B0A09080706050403020100');

async function personalised(): Promise<DesfireCard> {
  const card = new DesfireCard({ uid: hex('04AABBCCDDEEFF'), size: '8k', randomId: true });
  const c = connect(card);
  await c.createApplication(0x000a0b, { keySettings: 0x0b, keyCount: 2 });
  await c.selectApplication(0x000a0b);
  await c.authenticateEv2First(0, ZERO_KEY);
  await c.createStdDataFile(0, { comm: 'full', access: allRights(1), size: 20 });
  await c.createBackupDataFile(1, { comm: 'mac', access: allRights(1), size: 8 });
  await c.createCyclicRecordFile(2, { comm: 'plain', access: allRights(1), recordSize: 3, maxRecords: 3 });
  await c.changeKey(1, K, 5, ZERO_KEY);
  await c.authenticateEv2First(1, K);
  await c.writeData(0, 0, hex('48656C6C6F'), 'full');
  await c.writeData(1, 0, hex('0102'), 'mac');
  await c.writeRecord(2, 0, hex('AABBCC'), 'plain');
  await c.commitTransaction();
  await c.writeData(1, 0, hex('FFFF'), 'mac'); // left uncommitted
  return card;
}

describe('snapshot and restore', () => {
  it('is plain JSON and restores to the same card', async () => {
    const card = await personalised();
    const json = JSON.parse(JSON.stringify(card.snapshot()));
    const restored = DesfireCard.restore(json);
    expect(restored.snapshot()).toEqual(card.snapshot());
    const c = connect(restored);
    await c.selectApplication(0x000a0b);
    await c.authenticateEv2First(1, K);
    expect(toHex(await c.readData(0, 0, 5, 'full'))).toBe('48656C6C6F');
    expect(toHex(await c.readRecords(2, 0, 0, 'plain'))).toBe('AABBCC');
    expect(toHex(await c.getCardUid())).toBe('04AABBCCDDEEFF');
    expect(restored.activation.uid[0]).toBe(0x08);
  });

  it('holds no session, frames or uncommitted writes', async () => {
    const card = await personalised();
    const snapshot = card.snapshot();
    const backup = snapshot.applications[0]!.files.find((f) => f.fileNo === 1);
    expect(backup).toMatchObject({ type: 'backup', data: '0102000000000000' });
    expect(Object.keys(snapshot).sort()).toEqual([
      'applications',
      'format',
      'picc',
      'randomId',
      'size',
      'uid',
    ]);
    // A restored card has no session: a plain GetKeyVersion gets a plain answer.
    const restored = DesfireCard.restore(snapshot);
    expect(toHex(restored.transceive(hex('906400000100 00')))).toBe('009100');
  });

  it('refuses what is not a card', async () => {
    const good = (await personalised()).snapshot();
    const bad = (change: (s: Record<string, unknown>) => void) => {
      const s = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      change(s);
      return () => DesfireCard.restore(s);
    };
    type Apps = { aid: number; files: { fileNo: number; records?: string[]; data?: string }[] }[];
    expect(bad((s) => (s.format = 'other'))).toThrow(RangeError);
    expect(bad((s) => (s.uid = 'zz'))).toThrow(RangeError);
    expect(bad((s) => (s.applications as Apps).push({ ...(s.applications as Apps)[0]! }))).toThrow(/twice/);
    expect(
      bad((s) => ((s.applications as Apps)[0]!.files[2]!.records = ['aabbcc', 'aabbcc', 'aabbcc'])),
    ).toThrow(/records/);
    expect(bad((s) => ((s.applications as Apps)[0]!.files[0]!.data = '00'.repeat(9000)))).toThrow(
      /more data/,
    );
    expect(() => DesfireCard.restore(null)).toThrow(RangeError);
  });
});
