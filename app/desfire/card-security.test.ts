import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DesfireCard } from './card-emulator.js';
import { DesfireClient } from './desfire-client.js';
import type { CommMode } from './file-settings.js';
import { DesfireError } from './status.js';
import { connect, hex, toHex, ZERO_KEY } from './test-support.js';

/** Tampered answers, tampered and replayed commands. */

const AID = 0x5ec0de;
const access = { read: 1, write: 1, readWrite: 1, change: 0 };

/** One card for the properties: files 1 (MAC) and 2 (full) with content, a record file 3 (full). */
async function securedCard(): Promise<DesfireCard> {
  const card = new DesfireCard({ uid: hex('04010203040506') });
  const c = connect(card);
  await c.createApplication(AID, { keySettings: 0x0f, keyCount: 2 });
  await c.selectApplication(AID);
  await c.createStdDataFile(1, { comm: 'mac', access, size: 100 });
  await c.createStdDataFile(2, { comm: 'full', access, size: 100 });
  await c.createCyclicRecordFile(3, { comm: 'full', access, recordSize: 8, maxRecords: 3 });
  await c.authenticateEv2First(1, ZERO_KEY);
  await c.writeData(1, 0, Buffer.alloc(100, 0x11), 'mac');
  await c.writeData(2, 0, Buffer.alloc(100, 0x22), 'full');
  await c.writeRecord(3, 0, Buffer.alloc(8, 0x33), 'full');
  await c.commitTransaction();
  card.powerOff();
  return card;
}

/** A client whose transport flips one bit of the data of one answer once `armed` is set. */
function tampering(card: DesfireCard, pick: 'first' | 'last', bit: number) {
  const state = { armed: false, done: false };
  const client = new DesfireClient(async (apdu) => {
    const r = Buffer.from(card.transceive(apdu));
    const data = r.length - 2;
    const last = r[r.length - 1] === 0x00;
    if (state.armed && !state.done && data > 0 && (pick === 'first' || last)) {
      state.done = true;
      r[Math.floor(bit / 8) % data]! ^= 1 << (bit % 8);
    }
    return r;
  });
  return { client, state };
}

type Operation = (c: DesfireClient) => Promise<unknown>;
const operations: [string, Operation][] = [
  ['ReadData (MAC)', (c) => c.readData(1, 0, 0, 'mac')],
  ['ReadData (full)', (c) => c.readData(2, 0, 0, 'full')],
  ['ReadRecords (full)', (c) => c.readRecords(3, 0, 0, 'full')],
  ['WriteData (MAC-only answer)', (c) => c.writeData(2, 0, hex('22'), 'full')],
  ['GetVersion (MAC over three frames)', (c) => c.getVersion()],
  ['GetCardUID (full)', (c) => c.getCardUid()],
  ['GetFileSettings (MAC)', (c) => c.getFileSettings(2)],
  ['GetKeyVersion (MAC)', (c) => c.getKeyVersion(1)],
];

describe('a tampered answer', () => {
  let card: DesfireCard;
  beforeAll(async () => {
    card = await securedCard();
  });

  it.each(operations)('%s: any flipped data bit gives RESPONSE_MAC and no data', async (_name, run) => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(8 * 256),
        fc.constantFrom('first' as const, 'last' as const),
        async (bit, pick) => {
          card.powerOff();
          const { client, state } = tampering(card, pick, bit);
          await client.selectApplication(AID);
          await client.authenticateEv2First(1, ZERO_KEY);
          state.armed = true;
          const outcome = await run(client).then(
            () => 'resolved',
            (e: unknown) => (e instanceof DesfireError ? e.code : String(e)),
          );
          expect(state.done).toBe(true);
          expect(outcome).toBe('RESPONSE_MAC');
          expect(client.authenticated).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a flipped status-word bit is refused too (an error status or an ISO status), never data', async () => {
    for (let bit = 0; bit < 16; bit++) {
      card.powerOff();
      const client = new DesfireClient(async (apdu) => {
        const r = Buffer.from(card.transceive(apdu));
        if (apdu[1] === 0xbd) r[r.length - 2 + (bit >> 3)]! ^= 1 << (bit & 7);
        return r;
      });
      await client.selectApplication(AID);
      await client.authenticateEv2First(1, ZERO_KEY);
      await expect(client.readData(1, 0, 4, 'mac')).rejects.toBeInstanceOf(DesfireError);
    }
  });

  it('an answer replayed from an earlier exchange fails its MAC (the counter moved)', async () => {
    card.powerOff();
    let saved: Uint8Array | null = null;
    let replay = false;
    const client = new DesfireClient(async (apdu) => {
      const r = card.transceive(apdu);
      if (apdu[1] === 0xbd && !replay) saved = r;
      return replay && apdu[1] === 0xbd ? saved! : r;
    });
    await client.selectApplication(AID);
    await client.authenticateEv2First(1, ZERO_KEY);
    await client.readData(1, 0, 4, 'mac');
    replay = true;
    await expect(client.readData(1, 0, 4, 'mac')).rejects.toMatchObject({ code: 'RESPONSE_MAC' });
  });
});

describe('a tampered or replayed command', () => {
  it.each(['mac', 'full'] as CommMode[])(
    '%s: a flipped bit in the command data is refused and nothing changes',
    async (comm) => {
      const card = await securedCard();
      const fileNo = comm === 'mac' ? 1 : 2;
      await fc.assert(
        fc.asyncProperty(fc.nat(8 * 64), async (bit) => {
          card.powerOff();
          const before = JSON.stringify(card.snapshot());
          let armed = false;
          const client = new DesfireClient(async (apdu) => {
            const a = Buffer.from(apdu);
            if (armed && a[1] === 0x3d) {
              const lc = a[4]!;
              a[5 + (Math.floor(bit / 8) % lc)]! ^= 1 << (bit % 8);
            }
            return card.transceive(a);
          });
          await client.selectApplication(AID);
          await client.authenticateEv2First(1, ZERO_KEY);
          armed = true;
          await expect(client.writeData(fileNo, 0, hex('DEADBEEF'), comm)).rejects.toBeInstanceOf(
            DesfireError,
          );
          expect(JSON.stringify(card.snapshot())).toBe(before);
        }),
        { numRuns: 60 },
      );
    },
  );

  it.each(['mac', 'full'] as CommMode[])(
    '%s: a command sent again after the counter moved is refused',
    async (comm) => {
      const card = await securedCard();
      const fileNo = comm === 'mac' ? 1 : 2;
      const sent: Buffer[] = [];
      const client = new DesfireClient(async (apdu) => {
        sent.push(Buffer.from(apdu));
        return card.transceive(apdu);
      });
      await client.selectApplication(AID);
      await client.authenticateEv2First(1, ZERO_KEY);
      await client.writeData(fileNo, 0, hex('AAAAAAAA'), comm);
      const captured = sent.at(-1)!;
      await client.writeData(fileNo, 0, hex('BBBBBBBB'), comm);
      expect(toHex(card.transceive(captured))).toBe('911E');
      // In a new session the old command is no better.
      await client.authenticateEv2First(1, ZERO_KEY);
      expect(toHex(card.transceive(captured))).toBe('911E');
      await client.authenticateEv2First(1, ZERO_KEY);
      expect(toHex(await client.readData(fileNo, 0, 4, comm))).toBe('BBBBBBBB');
    },
  );
});
