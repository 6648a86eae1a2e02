import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResponseApdu } from './apdu.js';
import { DesfireCard } from './card-emulator.js';
import * as parse from './client-parse.js';
import { Cmd } from './command-codes.js';
import { DesfireClient } from './desfire-client.js';
import { decodeFileSettings } from './file-settings.js';
import { unpadMethod2 } from './secure-messaging.js';
import { DesfireError } from './status.js';
import { allRights, connect, toHex, ZERO_KEY } from './test-support.js';
import { decodeVersion } from './version.js';

/** Arbitrary input at both ends: the card never throws and only a success changes it; the client only throws DesfireError. */

const AID = 0x00f022;

/** Three starting points: blank; an application with files, selected; the same inside a session. */
async function startingCard(kind: number): Promise<DesfireCard> {
  const card = new DesfireCard({ size: '2k' });
  if (kind === 0) return card;
  const c = connect(card);
  await c.createApplication(AID, { keySettings: 0x0f, keyCount: 3 });
  await c.selectApplication(AID);
  await c.createStdDataFile(1, { comm: 'plain', access: allRights(0xe), size: 64 });
  await c.createBackupDataFile(2, { comm: 'mac', access: allRights(0), size: 32 });
  await c.createCyclicRecordFile(3, {
    comm: 'full',
    access: { ...allRights(1), read: 0xe },
    recordSize: 4,
    maxRecords: 3,
  });
  if (kind === 2) await c.authenticateEv2First(0, ZERO_KEY);
  return card;
}

/** Bytes that are often meaningful: small numbers (file and key numbers, offsets), flag-like values, or anything. */
const byteish = fc.oneof(
  fc.integer({ min: 0, max: 4 }),
  fc.constantFrom(0x0e, 0x0f, 0x80, 0x81, 0x83, 0xee, 0xff),
  fc.integer({ min: 0, max: 255 }),
);
/** Each command with the data length it takes. */
const natural: [number, number][] = [
  [Cmd.CREATE_APPLICATION, 5],
  [Cmd.DELETE_APPLICATION, 3],
  [Cmd.SELECT_APPLICATION, 3],
  [Cmd.GET_APPLICATION_IDS, 0],
  [Cmd.GET_VERSION, 0],
  [Cmd.GET_FREE_MEMORY, 0],
  [Cmd.FORMAT_PICC, 0],
  [Cmd.GET_KEY_SETTINGS, 0],
  [Cmd.CHANGE_KEY_SETTINGS, 1],
  [Cmd.GET_KEY_VERSION, 1],
  [Cmd.CHANGE_KEY, 33],
  [Cmd.GET_CARD_UID, 0],
  [Cmd.GET_FILE_IDS, 0],
  [Cmd.GET_FILE_SETTINGS, 1],
  [Cmd.CREATE_STD_DATA_FILE, 7],
  [Cmd.CREATE_BACKUP_DATA_FILE, 7],
  [Cmd.CREATE_CYCLIC_RECORD_FILE, 10],
  [Cmd.DELETE_FILE, 1],
  [Cmd.READ_DATA, 7],
  [Cmd.READ_DATA_ISO, 7],
  [Cmd.READ_RECORDS, 7],
  [Cmd.CLEAR_RECORD_FILE, 1],
  [Cmd.COMMIT_TRANSACTION, 0],
  [Cmd.COMMIT_TRANSACTION, 1],
  [Cmd.ABORT_TRANSACTION, 0],
  [Cmd.AUTHENTICATE_EV2_FIRST, 2],
  [Cmd.AUTHENTICATE_EV2_NON_FIRST, 1],
  [Cmd.ADDITIONAL_FRAME, 0],
  [Cmd.ADDITIONAL_FRAME, 32],
];
const shaped = fc
  .constantFrom(...natural)
  .chain(([ins, n]) => fc.array(byteish, { minLength: n, maxLength: n }).map((data) => [ins, data] as const));
/** Writes whose header announces the data that follows (so they reach the file). */
const writes = fc
  .tuple(
    fc.constantFrom(0x3d, 0x3b, 0x8d, 0x8b),
    fc.integer({ min: 0, max: 4 }),
    fc.integer({ min: 0, max: 8 }),
    fc.uint8Array({ minLength: 1, maxLength: 20 }),
  )
  .map(([ins, fileNo, offset, d]) => [ins, [fileNo, offset, 0, 0, d.length, 0, 0, ...d]] as const);
const noise = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 70 }));
/** Well-framed APDUs, so the DESFire layer sees them. */
const framed = fc
  .oneof(shaped, shaped, writes, noise)
  .map(([ins, data]) =>
    data.length === 0
      ? Uint8Array.of(0x90, ins, 0, 0, 0)
      : Uint8Array.from([0x90, ins, 0, 0, data.length, ...data, 0]),
  );
const anyApdu = fc.oneof(framed, framed, fc.uint8Array({ maxLength: 300 }));

const ISO_REFUSALS = ['6700', '6E00', '6A86'];

describe('the emulator under arbitrary APDUs', () => {
  it('never throws, answers a status word, and changes its persistent state only when it answers 91 00', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        fc.array(anyApdu, { minLength: 1, maxLength: 8 }),
        async (kind, apdus) => {
          const card = await startingCard(kind);
          for (const apdu of apdus) {
            const before = JSON.stringify(card.snapshot());
            const response = card.transceive(apdu);
            const sw = toHex(response.subarray(-2));
            expect(response.length).toBeGreaterThanOrEqual(2);
            if (response[response.length - 2] !== 0x91) {
              expect(ISO_REFUSALS).toContain(sw);
              expect(response).toHaveLength(2);
            }
            if (JSON.stringify(card.snapshot()) !== before) expect(sw).toBe('9100');
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses malformed framing at the ISO layer without touching the session', async () => {
    const card = await startingCard(0);
    const client = connect(card);
    await client.authenticateEv2First(0, ZERO_KEY);
    const malformed = [
      '90',
      '9060000000FF',
      '9060000001',
      '9060000002AA00',
      '00600000 00',
      '90600100 00',
      '9060000000000000',
    ];
    for (const m of malformed) {
      const r = toHex(card.transceive(Buffer.from(m.replace(/\s/g, ''), 'hex')));
      expect(ISO_REFUSALS).toContain(r);
    }
    expect((await client.getVersion()).hardware.majorVersion).toBe(0x12); // the MAC session goes on
  });
});

/** Runs `f` on arbitrary bytes: it must return or throw a DesfireError, nothing else. */
function onlyDesfireErrors(f: (bytes: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        f(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DesfireError);
      }
    }),
    { numRuns: 500 },
  );
}

describe('the client under arbitrary answers', () => {
  it.each([
    ['parseResponseApdu', parseResponseApdu],
    ['decodeVersion', decodeVersion],
    ['decodeFileSettings', decodeFileSettings],
    ['parseApplicationIds', parse.parseApplicationIds],
    ['parseFileIds', parse.parseFileIds],
    ['parseFreeMemory', parse.parseFreeMemory],
    ['parseKeyVersion', parse.parseKeyVersion],
    ['parseKeySettings', parse.parseKeySettings],
    ['parseCardUid', parse.parseCardUid],
    ['parseReadData', (b: Uint8Array) => parse.parseReadData(b, 8)],
    ['unpadMethod2', unpadMethod2],
  ])('%s throws only DesfireError', (_name, f) => onlyDesfireErrors(f as (b: Uint8Array) => unknown));

  const calls: [string, (c: DesfireClient) => Promise<unknown>][] = [
    ['getVersion', (c) => c.getVersion()],
    ['getApplicationIds', (c) => c.getApplicationIds()],
    ['getFileSettings', (c) => c.getFileSettings(1)],
    ['readData mac', (c) => c.readData(2, 0, 0, 'mac')],
    ['readRecords full', (c) => c.readRecords(3, 0, 0, 'full')],
    ['getCardUid', (c) => c.getCardUid()],
    ['writeData full', (c) => c.writeData(1, 0, new Uint8Array(80), 'full')],
    ['authenticateEv2First', (c) => c.authenticateEv2First(0, ZERO_KEY)],
    ['authenticateEv2NonFirst', (c) => c.authenticateEv2NonFirst(1, ZERO_KEY)],
    ['changeKey', (c) => c.changeKey(1, ZERO_KEY, 1, ZERO_KEY)],
    ['getFreeMemory', (c) => c.getFreeMemory()],
  ];

  it('every call over a transport answering arbitrary bytes resolves or throws DesfireError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...calls),
        fc.boolean(),
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc.constant(Uint8Array.of(0x91, 0xaf)),
            fc.constant(Uint8Array.of(0x91, 0x00)),
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        async ([, call], inSession, answers) => {
          const card = await startingCard(1);
          let transport = (apdu: Uint8Array) => card.transceive(apdu);
          const client = new DesfireClient(async (apdu) => transport(apdu));
          if (inSession) await client.authenticateEv2First(0, ZERO_KEY);
          let i = 0;
          transport = () => answers[i++ % answers.length]!;
          await call(client).catch((e: unknown) => expect(e).toBeInstanceOf(DesfireError));
        },
      ),
      { numRuns: 300 },
    );
  });
});
