import { describe, expect, it } from 'vitest';
import { CAPACITY_BYTES } from './card-memory.js';
import { DesfireCard } from './card-emulator.js';
import { DesfireClient } from './desfire-client.js';
import type { DesfireErrorCode } from './status.js';
import { allRights, cardAndClient, connect, hex, toHex, ZERO_KEY } from './test-support.js';

/** PICC level: version, applications, key settings, FormatPICC, memory, additional frames. */

async function rejects(p: Promise<unknown>, code: DesfireErrorCode): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'DesfireError', code });
}

/** Both ways management commands travel: plain without a session, MAC mode with one. */
const sessions = [
  ['plain (no session)', async (_c: DesfireClient) => {}],
  ['MAC mode (PICC master key session)', async (c: DesfireClient) => c.authenticateEv2First(0, ZERO_KEY)],
] as const;

describe.each(sessions)('PICC-level commands in %s', (_name, open) => {
  it('GetVersion reports an EV2 of the card size, its UID and storage', async () => {
    for (const size of ['2k', '4k', '8k'] as const) {
      const { client } = cardAndClient({ uid: hex('04112233445566'), size });
      await open(client);
      const v = await client.getVersion();
      expect(v.hardware).toMatchObject({ vendorId: 4, type: 1, majorVersion: 0x12 });
      expect(v.software.majorVersion).toBe(0x12);
      expect(toHex(v.uid)).toBe('04112233445566');
      expect(v.storageBytes).toBe(CAPACITY_BYTES[size]);
      expect(v.batch).toHaveLength(5);
    }
  });

  it('creates, lists, selects and deletes applications', async () => {
    const { client } = cardAndClient();
    await open(client);
    expect(await client.getApplicationIds()).toEqual([]);
    await client.createApplication(0xf00001, { keySettings: 0x0f, keyCount: 3 });
    await client.createApplication(0x000002, { keySettings: 0x0f, keyCount: 1 });
    await rejects(client.createApplication(0x000002, { keySettings: 0x0f, keyCount: 1 }), 'DUPLICATE_ERROR');
    await open(client);
    expect(await client.getApplicationIds()).toEqual([0xf00001, 0x000002]);
    expect(await client.getKeySettings()).toEqual({ settings: 0x0f, keyCount: 1, keyType: 'aes' });
    expect(await client.getKeyVersion(0)).toBe(0);
    await rejects(client.getKeyVersion(1), 'NO_SUCH_KEY');
    await client.authenticateEv2First(0, ZERO_KEY);
    await client.deleteApplication(0x000002);
    expect(await client.getApplicationIds()).toEqual([0xf00001]);
    await client.selectApplication(0xf00001);
    expect(await client.getKeySettings()).toEqual({ settings: 0x0f, keyCount: 3, keyType: 'aes' });
    await rejects(client.selectApplication(0x123456), 'APPLICATION_NOT_FOUND');
  });
});

describe('application directory rights', () => {
  it('DeleteApplication needs the PICC master key, or the application master key while selected', async () => {
    const { client } = cardAndClient();
    await client.createApplication(0x000001, { keySettings: 0x0f, keyCount: 2 });
    await rejects(client.deleteApplication(0x000001), 'AUTHENTICATION_ERROR');
    await client.selectApplication(0x000001);
    await client.authenticateEv2First(1, ZERO_KEY);
    await rejects(client.deleteApplication(0x000001), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(0, ZERO_KEY);
    await client.deleteApplication(0x000001);
    expect(client.authenticated).toBe(false);
    expect(await client.getApplicationIds()).toEqual([]);
  });

  it('without "free create" and "free directory", the PICC master key is needed for both', async () => {
    const { card, client } = cardAndClient();
    await client.authenticateEv2First(0, ZERO_KEY);
    await client.changeKeySettings(0x09); // configuration changeable, master key changeable, nothing free
    card.powerOff();
    const other = connect(card);
    await rejects(
      other.createApplication(0x000001, { keySettings: 0x0f, keyCount: 1 }),
      'AUTHENTICATION_ERROR',
    );
    await rejects(other.getApplicationIds(), 'AUTHENTICATION_ERROR');
    await rejects(other.getKeySettings(), 'AUTHENTICATION_ERROR');
    expect(card.snapshot().applications).toEqual([]);
    await other.authenticateEv2First(0, ZERO_KEY);
    await other.createApplication(0x000001, { keySettings: 0x0f, keyCount: 1 });
    expect(await other.getApplicationIds()).toEqual([1]);
    expect(await other.getKeySettings()).toMatchObject({ settings: 0x09 });
  });

  it('refuses application settings the emulator does not model (DES keys, ISO file IDs, 15 keys)', async () => {
    const card = new DesfireCard();
    for (const keySett2 of ['03', '23', '8F', 'A1', '80']) {
      expect(toHex(card.transceive(hex(`90CA000005010000 0F${keySett2} 00`)))).toBe('919E');
    }
  });

  it('FormatPICC needs the PICC master key and removes every application', async () => {
    const { client } = cardAndClient();
    await client.createApplication(0x000001, { keySettings: 0x0f, keyCount: 1 });
    await rejects(client.formatPicc(), 'AUTHENTICATION_ERROR');
    await client.authenticateEv2First(0, ZERO_KEY);
    await client.formatPicc();
    expect(await client.getApplicationIds()).toEqual([]);
    expect(await client.getFreeMemory()).toBe(CAPACITY_BYTES['4k']);
  });
});

describe('memory', () => {
  it('counts applications and files in 32-byte blocks, backup files twice, and gives memory back', async () => {
    const { client } = cardAndClient({ size: '2k' });
    expect(await client.getFreeMemory()).toBe(2048);
    await client.createApplication(0x000001, { keySettings: 0x0f, keyCount: 2 });
    expect(await client.getFreeMemory()).toBe(2048 - 32 - 64);
    await client.selectApplication(0x000001);
    await client.createStdDataFile(0, { comm: 'plain', access: allRights(0xe), size: 33 });
    expect(await client.getFreeMemory()).toBe(2048 - 96 - 64);
    await client.createBackupDataFile(1, { comm: 'plain', access: allRights(0xe), size: 32 });
    expect(await client.getFreeMemory()).toBe(2048 - 96 - 64 - 64);
    await client.createCyclicRecordFile(2, {
      comm: 'plain',
      access: allRights(0xe),
      recordSize: 10,
      maxRecords: 4,
    });
    expect(await client.getFreeMemory()).toBe(2048 - 96 - 64 - 64 - 64);
    await client.deleteFile(1);
    expect(await client.getFreeMemory()).toBe(2048 - 96 - 64 - 64);
  });

  it('answers OUT_OF_EEPROM on a full 2K card and changes nothing', async () => {
    const { card, client } = cardAndClient({ size: '2k' });
    await client.createApplication(0x000001, { keySettings: 0x0f, keyCount: 1 });
    await client.selectApplication(0x000001);
    const free = await client.getFreeMemory();
    await client.createStdDataFile(0, { comm: 'plain', access: allRights(0xe), size: free });
    expect(await client.getFreeMemory()).toBe(0);
    const before = JSON.stringify(card.snapshot());
    await rejects(
      client.createStdDataFile(1, { comm: 'plain', access: allRights(0xe), size: 1 }),
      'OUT_OF_EEPROM',
    );
    await client.selectApplication(0);
    await rejects(client.createApplication(0x000002, { keySettings: 0x0f, keyCount: 1 }), 'OUT_OF_EEPROM');
    expect(JSON.stringify(card.snapshot())).toBe(before);
  });

  it('holds at most 28 applications (COUNT_ERROR), and lists them over additional frames', async () => {
    const { card, client } = cardAndClient({ size: '8k' });
    for (let aid = 1; aid <= 28; aid++)
      await client.createApplication(aid, { keySettings: 0x0f, keyCount: 1 });
    await rejects(client.createApplication(29, { keySettings: 0x0f, keyCount: 1 }), 'COUNT_ERROR');
    const frames: string[] = [];
    const watched = new DesfireClient(async (apdu) => {
      const r = card.transceive(apdu);
      frames.push(`${r.length - 2}:${toHex(r.subarray(-2))}`);
      return r;
    });
    expect(await watched.getApplicationIds()).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
    expect(frames).toEqual(['59:91AF', '25:9100']); // 84 bytes in 59-byte frames
  });
});

describe('GetVersion frames', () => {
  it('come as 7, 7 and 14 bytes, the MAC riding on the last frame in a session', async () => {
    const card = new DesfireCard();
    const frames: number[] = [];
    const client = new DesfireClient(async (apdu) => {
      const r = card.transceive(apdu);
      frames.push(r.length - 2);
      return r;
    });
    await client.getVersion();
    await client.authenticateEv2First(0, ZERO_KEY);
    frames.length = 0;
    await client.getVersion();
    expect(frames).toEqual([7, 7, 22]);
  });
});
