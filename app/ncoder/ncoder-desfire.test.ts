import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers/rejection.js';
import { DesfireCard } from '../desfire/card-emulator.js';
import { DesfireClient } from '../desfire/desfire-client.js';
import { MemoryHidBus } from './hid-memory.js';
import { NcoderError } from './ncoder-errors.js';
import { NcoderLink } from './ncoder-link.js';
import { NcoderSimulator } from './ncoder-simulator.js';

/** The whole chain with real parts: DesfireClient → NcoderLink → HID reports → simulator → DESFire emulator. */
async function readyLink() {
  const sim = new NcoderSimulator();
  const bus = new MemoryHidBus();
  bus.plug(sim.descriptor, (end) => sim.connect(end));
  const keys = new Map<string, Uint8Array>();
  const link = new NcoderLink({ devices: bus, pairingKey: (s) => keys.get(s), scanIntervalMs: 20 });
  link.start();
  await link.whenState('unpaired');
  await link.pair((serial, key) => void keys.set(serial, key));
  return { sim, link };
}

const AID = 0x4c4e54;
const zeroKey = new Uint8Array(16);
const access = { read: 0, write: 0, readWrite: 0, change: 0 };

describe('a DESFire EV2 card through the NCoder', () => {
  it('answers a DesfireClient: version, authentication, an application and a file', async () => {
    const { sim, link } = await readyLink();
    const card = new DesfireCard({ size: '4k' });
    sim.place(card);
    const read = await link.withCard(async (c) => {
      expect([...c.activation.uid]).toEqual([...card.activation.uid]);
      const client = new DesfireClient(c.transceive);
      const version = await client.getVersion();
      expect(version).toBeDefined();
      await client.authenticateEv2First(0, zeroKey);
      await client.createApplication(AID, { keySettings: 0x0f, keyCount: 1 });
      await client.selectApplication(AID);
      await client.authenticateEv2First(0, zeroKey);
      await client.createBackupDataFile(1, { comm: 'full', access, size: 64 });
      await client.writeData(1, 0, new Uint8Array(64).fill(0x5a), 'full');
      await client.commitTransaction();
      return client.readData(1, 0, 64, 'full');
    });
    expect([...read]).toEqual(new Array(64).fill(0x5a));
    expect(card.snapshot().applications.map((a) => a.aid)).toEqual([AID]);
    await link.stop();
  });

  it('a card pulled away mid-transaction: CARD_REMOVED, and nothing uncommitted stays on it', async () => {
    const { sim, link } = await readyLink();
    const card = new DesfireCard({ size: '2k' });
    sim.place(card);
    await link.withCard(async (c) => {
      const client = new DesfireClient(c.transceive);
      await client.authenticateEv2First(0, zeroKey);
      await client.createApplication(AID, { keySettings: 0x0f, keyCount: 1 });
      await client.selectApplication(AID);
      await client.authenticateEv2First(0, zeroKey);
      await client.createBackupDataFile(1, { comm: 'full', access, size: 32 });
      await client.commitTransaction();
    });
    const err = await rejectionOf(
      link.withCard(async (c) => {
        const client = new DesfireClient(c.transceive);
        await client.selectApplication(AID);
        await client.authenticateEv2First(0, zeroKey);
        await client.writeData(1, 0, new Uint8Array(32).fill(0xee), 'full');
        sim.remove(); // before the commit
        await client.commitTransaction();
      }),
      NcoderError,
    );
    expect(err.code).toBe('CARD_REMOVED');
    sim.place(card);
    const after = await link.withCard(async (c) => {
      const client = new DesfireClient(c.transceive);
      await client.selectApplication(AID);
      await client.authenticateEv2First(0, zeroKey);
      return client.readData(1, 0, 32, 'full');
    });
    expect([...after]).toEqual(new Array(32).fill(0));
    await link.stop();
  });
});
