import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DesfireCard, DesfireClient, DesfireError } from '../desfire/index.js';
import { CardError, type CardErrorCode } from './card-error.js';
import { deriveCardKeys, type CardKeys } from './card-keys.js';
import { FILE_NO, KEY_NO, LINTEL_AID, applicationMemoryBytes } from './card-layout.js';
import {
  appendAudit,
  collectAudit,
  eraseCard,
  formatCard,
  inspectCard,
  readCard,
  revealUid,
  verifyCard,
  writeCard,
  type CardContent,
  type CardStep,
} from './lintel-card.js';
import { cardArbitraries } from './test-arbitraries.js';

const arb = cardArbitraries(fc);
const MASTER_A = Buffer.alloc(32, 0xa1);
const MASTER_B = Buffer.alloc(32, 0xb2);
const SITE_A = '11111111-2222-4333-8444-555555555555';
const SITE_B = '99999999-8888-4777-8666-555555555555';
const UID = Buffer.from('04a1b2c3d4e5f6', 'hex');
const ZERO = Buffer.alloc(16);

const keysA = (version = 1, uid = UID) => deriveCardKeys(MASTER_A, SITE_A, version, uid);
const keysB = (version = 1, uid = UID) => deriveCardKeys(MASTER_B, SITE_B, version, uid);
const newCard = (size: '2k' | '4k' = '2k') => new DesfireCard({ uid: UID, size });
const connect = (card: DesfireCard) => new DesfireClient(async (apdu) => card.transceive(apdu));

const content = (userId: number, seqs: number[] = []): CardContent => ({
  access: {
    credentialId: 1000 + userId,
    userId,
    validFrom: 1_700_000_000,
    validUntil: 1_900_000_000,
    revalidation: { by: 1_700_086_400, windowSeconds: 86_400 },
    rights: [
      { kind: 'door', id: 3, periodId: 1 },
      { kind: 'zone', id: 8, periodId: 2 },
    ],
    flags: { pinRequired: userId % 2 === 0, office: true, privacyOverride: false, extendedOpening: false },
    issuedAt: 1_700_000_000,
  },
  blacklist: {
    highestSeq: Math.max(0, ...seqs),
    entries: seqs.map((seq) => ({ seq, credentialId: 50 + seq, expiresAt: 1_800_000_000 })).reverse(),
  },
});

async function failure(p: Promise<unknown>): Promise<CardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CardError);
    return err as CardError;
  }
  throw new Error('expected a CardError');
}

async function expectCode(p: Promise<unknown>, code: CardErrorCode): Promise<CardError> {
  const err = await failure(p);
  expect(err.code, err.message).toBe(code);
  return err;
}

async function formatted(keys: CardKeys = keysA(), size: '2k' | '4k' = '2k') {
  const card = newCard(size);
  await formatCard(connect(card), keys);
  return card;
}

/** A client whose card leaves the field at APDU number `n` (0-based); `deliver`: the card got it, the answer was lost. */
function pulledAt(card: DesfireCard, n: number, deliver: boolean): DesfireClient {
  let count = 0;
  return new DesfireClient(async (apdu) => {
    if (count++ === n) {
      if (deliver) card.transceive(apdu);
      card.powerOff();
    }
    if (count > n) throw new Error('the card left the field');
    return card.transceive(apdu);
  });
}

/** Counts the APDUs an operation sends. */
function counting(card: DesfireCard): { client: DesfireClient; count: () => number } {
  let n = 0;
  const client = new DesfireClient(async (apdu) => {
    n++;
    return card.transceive(apdu);
  });
  return { client, count: () => n };
}

describe('formatting a card', () => {
  it('makes a blank 2K card a Lintel card, reporting its steps, and leaves a formatted one alone', async () => {
    const card = newCard();
    expect(await inspectCard(connect(card))).toEqual({ kind: 'blank', uid: UID });
    const steps: CardStep[] = [];
    expect(await formatCard(connect(card), keysA(), { onProgress: (s) => steps.push(s) })).toEqual({
      alreadyFormatted: false,
    });
    expect(steps).toEqual(['detect', 'authenticate', 'format', 'verify']);
    expect(await inspectCard(connect(card))).toEqual({
      kind: 'lintel',
      uid: UID,
      siteTag: keysA().siteTag,
      formatVersion: 1,
      keyVersion: 1,
    });
    expect(await formatCard(connect(card), keysA())).toEqual({ alreadyFormatted: true });
    const read = await readCard(connect(card), keysA());
    expect(read).toMatchObject({ uid: UID, access: null, blacklist: null, audit: [] });
  });

  it('fits the 2K card within the budget (the emulator charges less than the pessimistic model)', async () => {
    const card = await formatted();
    const c = connect(card);
    await c.selectApplication(0);
    const free = await c.getFreeMemory();
    expect(2048 - free).toBeLessThanOrEqual(applicationMemoryBytes());
  });

  it('sets every key to the diversified site key, version = key version', async () => {
    const keys = keysA(3);
    const card = await formatted(keys);
    const c = connect(card);
    await c.selectApplication(0);
    expect(await c.getKeyVersion(0)).toBe(3);
    await c.authenticateEv2First(0, keys.piccMaster);
    await c.selectApplication(LINTEL_AID);
    for (const [no, key] of [
      [KEY_NO.appMaster, keys.appMaster],
      [KEY_NO.lock, keys.lock],
      [KEY_NO.update, keys.update],
    ] as const) {
      expect(await c.getKeyVersion(no)).toBe(3);
      await c.authenticateEv2First(no, key);
    }
    await expect(c.authenticateEv2First(KEY_NO.update, ZERO)).rejects.toThrow(DesfireError);
  });

  it('refuses a card with other applications unless told to share it; FULL when it has no room', async () => {
    const card = newCard();
    const c = connect(card);
    await c.createApplication(0x123456, { keySettings: 0x0f, keyCount: 1 });
    expect(await inspectCard(connect(card))).toEqual({ kind: 'foreign', uid: UID, aids: [0x123456] });
    await expectCode(formatCard(connect(card), keysA()), 'NOT_BLANK');
    await expectCode(readCard(connect(card), keysA()), 'NOT_LINTEL');
    expect(await formatCard(connect(card), keysA(), { shareWithOtherApplications: true })).toEqual({
      alreadyFormatted: false,
    });

    const full = newCard();
    const f = connect(full);
    await f.createApplication(0x123456, { keySettings: 0x0f, keyCount: 1 });
    await f.selectApplication(0x123456);
    await f.createStdDataFile(1, {
      comm: 'plain',
      access: { read: 14, write: 0, readWrite: 0, change: 0 },
      size: 1024,
    });
    const err = await expectCode(
      formatCard(connect(full), keysA(), { shareWithOtherApplications: true }),
      'FULL',
    );
    expect(err.message).toMatch(/bytes free; the Lintel application needs at least/);
    expect(await inspectCard(connect(full))).toMatchObject({ kind: 'foreign' }); // unchanged
  });

  it('refuses keys for another card and what is not DESFire EV2', async () => {
    await expectCode(
      formatCard(connect(newCard()), keysA(1, Buffer.from('04000000000001', 'hex'))),
      'WRONG_KEYS',
    );
    const notDesfire = new DesfireClient(async () => Buffer.from([0x6d, 0x00]));
    await expectCode(inspectCard(notDesfire), 'NOT_DESFIRE');
  });
});

describe('a card with random ID', () => {
  it('shows its UID only to the factory key while blank, then only to the site UID-read key', async () => {
    const hidden = new DesfireCard({ uid: UID, size: '2k', randomId: true });
    expect(await inspectCard(connect(hidden))).toEqual({ kind: 'blank', uid: null });
    const uidKey = keysA().uidRead;
    expect((await revealUid(connect(hidden), uidKey)).equals(UID)).toBe(true);
    await formatCard(connect(hidden), keysA());
    await writeCard(connect(hidden), keysA(), content(7));
    expect(await inspectCard(connect(hidden))).toMatchObject({ kind: 'lintel', uid: null });
    expect((await revealUid(connect(hidden), uidKey)).equals(UID)).toBe(true);
    expect((await readCard(connect(hidden), keysA())).access?.userId).toBe(7);
    // Another site's UID key opens nothing: the card stays anonymous to it.
    await expectCode(revealUid(connect(hidden), keysB().uidRead), 'RANDOM_UID');
    // The UID-read key grants no file: it cannot read the access data.
    const c = connect(hidden);
    await c.selectApplication(LINTEL_AID);
    await c.authenticateEv2First(KEY_NO.uidRead, uidKey);
    await expect(c.readData(FILE_NO.access, 0, 0, 'full')).rejects.toThrow(DesfireError);
  });
});

describe('writing and reading a card', () => {
  it('writes access data and blacklist in one transaction and reads them back, with the real UID', async () => {
    const card = await formatted();
    const steps: CardStep[] = [];
    const c = content(7, [3, 4, 9]);
    expect(await writeCard(connect(card), keysA(), c, { onProgress: (s) => steps.push(s) })).toEqual({
      committed: true,
    });
    expect(steps).toEqual(['detect', 'authenticate', 'write', 'commit']);
    const read = await readCard(connect(card), keysA());
    expect(read.uid).toEqual(UID);
    expect(read.access).toEqual(c.access);
    expect(read.blacklist).toEqual(c.blacklist);
    expect(read.info).toEqual({ formatVersion: 1, siteTag: keysA().siteTag, keyVersion: 1 });
    await verifyCard(connect(card), keysA(), c);
    const err = await expectCode(
      verifyCard(connect(card), keysA(), content(8, [3, 4, 9])),
      'VERIFY_MISMATCH',
    );
    expect(err.message).toMatch(/\(access data differ\)/);
  });

  it('round-trips 10,000 random users on one formatted card', async () => {
    // One card, one client, rewritten each run: about 46 APDUs a run, ~15 s on a laptop core.
    const card = await formatted();
    const client = connect(card);
    const keys = keysA();
    await fc.assert(
      fc.asyncProperty(arb.access, arb.blacklist, async (access, blacklist) => {
        await writeCard(client, keys, { access, blacklist });
        const read = await readCard(client, keys);
        expect(read.access).toEqual(access);
        expect(read.blacklist).toEqual(blacklist);
      }),
      { numRuns: 10_000 },
    );
  });

  it('refuses content over the limits before touching the card', async () => {
    const card = await formatted();
    await writeCard(connect(card), keysA(), content(1));
    const big = content(2);
    big.access = {
      ...big.access,
      rights: Array.from({ length: 70 }, (_, i) => ({ kind: 'door' as const, id: i + 1, periodId: 1 })),
    };
    const { client, count } = counting(card);
    const err = await expectCode(writeCard(client, keysA(), big), 'INVALID_CONTENT');
    expect(err.message).toBe(
      'this user has 70 doors and zones; a card holds at most 64: group doors into zones',
    );
    expect(count()).toBe(0);
    expect((await readCard(connect(card), keysA())).access).toEqual(content(1).access);
  });

  it('keeps the audit trail: locks append (oldest dropped past 19), update points collect and clear', async () => {
    const card = await formatted();
    const records = Array.from({ length: 22 }, (_, i) => ({
      event: i % 3 === 0 ? ('denied' as const) : ('granted' as const),
      reason: i % 3 === 0 ? ('outside-time-period' as const) : null,
      doorId: 10 + i,
      at: 1_700_000_000 + i * 60,
      credentialId: 1001,
    }));
    for (const r of records) await appendAudit(connect(card), keysA(), r);
    expect((await readCard(connect(card), keysA())).audit).toEqual(records.slice(-19));
    expect(await collectAudit(connect(card), keysA())).toEqual(records.slice(-19));
    expect(await collectAudit(connect(card), keysA())).toEqual([]);
    expect((await readCard(connect(card), keysA())).audit).toEqual([]);
  });

  it('gives the lock key only its rights: read access and blacklist, append audit, nothing else', async () => {
    const card = await formatted();
    await writeCard(connect(card), keysA(), content(1, [5]));
    const c = connect(card);
    await c.selectApplication(LINTEL_AID);
    await c.authenticateEv2First(KEY_NO.lock, keysA().lock);
    expect((await c.readData(FILE_NO.access, 0, 0, 'full')).length).toBeGreaterThan(0);
    await expect(c.writeData(FILE_NO.access, 0, Buffer.alloc(4), 'full')).rejects.toMatchObject({
      code: 'AUTHENTICATION_ERROR',
    });
    await c.authenticateEv2First(KEY_NO.lock, keysA().lock);
    await expect(c.readRecords(FILE_NO.audit, 0, 0, 'full')).rejects.toMatchObject({
      code: 'AUTHENTICATION_ERROR',
    });
    await c.authenticateEv2First(KEY_NO.lock, keysA().lock);
    await expect(c.clearRecordFile(FILE_NO.audit)).rejects.toMatchObject({ code: 'AUTHENTICATION_ERROR' });
    // Without a key, only the card info reads.
    await c.selectApplication(LINTEL_AID);
    await expect(c.readData(FILE_NO.access, 0, 0, 'plain')).rejects.toMatchObject({
      code: 'AUTHENTICATION_ERROR',
    });
  });
});

describe('cards that are not this site’s, or not right', () => {
  it("another site's card is OTHER_SITE, another key version WRONG_KEYS", async () => {
    const card = await formatted(keysB());
    expect(await inspectCard(connect(card))).toMatchObject({ kind: 'lintel', siteTag: keysB().siteTag });
    await expectCode(readCard(connect(card), keysA()), 'OTHER_SITE');
    await expectCode(writeCard(connect(card), keysA(), content(1)), 'OTHER_SITE');
    await expectCode(formatCard(connect(card), keysA()), 'OTHER_SITE');
    await expectCode(eraseCard(connect(card), keysA()), 'OTHER_SITE');
    const err = await expectCode(readCard(connect(card), keysB(2)), 'WRONG_KEYS');
    expect(err.message).toMatch(/keyed under key version 1, but the keys offered are version 2/);
  });

  it('a card that copies this site’s card info but not its keys is OTHER_SITE', async () => {
    const forged = await formatted(keysB());
    const snap = forged.snapshot();
    const info = snap.applications[0]!.files.find((f) => f.fileNo === FILE_NO.info)!;
    const genuine = (await formatted(keysA())).snapshot().applications[0]!.files.find((f) => f.fileNo === 0)!;
    if (info.type !== 'std' || genuine.type !== 'std') throw new Error('the card info is a standard file');
    info.data = genuine.data;
    const err = await expectCode(readCard(connect(DesfireCard.restore(snap)), keysA()), 'OTHER_SITE');
    expect(err.message).toMatch(/claims to belong to this site/);
  });

  it("a stranger's DESFire card (another application) is NOT_LINTEL; a blank one NOT_FORMATTED", async () => {
    const card = newCard();
    await connect(card).createApplication(0xabcdef, { keySettings: 0x0f, keyCount: 2 });
    await expectCode(readCard(connect(card), keysA()), 'NOT_LINTEL');
    await expectCode(writeCard(connect(card), keysA(), content(1)), 'NOT_LINTEL');
    await expectCode(readCard(connect(newCard()), keysA()), 'NOT_FORMATTED');
  });

  it('damaged file bytes are CORRUPT, naming the file', async () => {
    const card = await formatted();
    await writeCard(connect(card), keysA(), content(1, [2]));
    for (const fileNo of [FILE_NO.access, FILE_NO.blacklist]) {
      const snap = card.snapshot();
      const file = snap.applications[0]!.files.find((f) => f.fileNo === fileNo)!;
      if (file.type !== 'backup') throw new Error('a backup file');
      const bytes = Buffer.from(file.data, 'hex');
      bytes[5]! ^= 0x40;
      file.data = bytes.toString('hex');
      const err = await expectCode(readCard(connect(DesfireCard.restore(snap)), keysA()), 'CORRUPT');
      expect(err.message).toMatch(
        fileNo === FILE_NO.access ? /access data .* damaged/ : /blacklist .* damaged/,
      );
    }
  });
});

describe('a card pulled at every APDU', () => {
  /** What the card holds now, as (access, blacklist) or null for never written. */
  async function holds(card: DesfireCard): Promise<CardContent | null> {
    const read = await readCard(connect(card), keysA());
    if (read.access === null || read.blacklist === null) {
      expect(read.access).toBeNull();
      expect(read.blacklist).toBeNull();
      return null;
    }
    return { access: read.access, blacklist: read.blacklist };
  }

  it.each([false, true])(
    'format + write of a blank card (APDU delivered: %s): never written or the new content, then usable',
    async (deliver) => {
      const next = content(2, [1, 2, 3]);
      const probe = newCard();
      const { client, count } = counting(probe);
      await formatCard(client, keysA());
      await writeCard(client, keysA(), next);
      const total = count();
      expect(total).toBeGreaterThan(20);
      for (let n = 0; n < total; n++) {
        const card = newCard();
        const pulled = pulledAt(card, n, deliver);
        const err = await failure(
          (async () => {
            await formatCard(pulled, keysA());
            await writeCard(pulled, keysA(), next);
          })(),
        );
        expect(err.code).toBe('CARD_REMOVED');
        // The card can be formatted again, and holds nothing, or exactly the new content.
        await formatCard(connect(card), keysA());
        const now = await holds(card);
        if (now !== null) {
          expect(now).toEqual(next);
          expect(err.commitSent).toBe(true);
        }
        await writeCard(connect(card), keysA(), content(3));
        expect(await holds(card)).toEqual(content(3));
      }
    },
  );

  it.each([false, true])(
    'rewrite of a written card (APDU delivered: %s): old or new, never half',
    async (deliver) => {
      const old = content(4, [7]);
      const next = content(5, [7, 8, 9]);
      const probe = await formatted();
      await writeCard(connect(probe), keysA(), old);
      const { client, count } = counting(probe);
      await writeCard(client, keysA(), next);
      const total = count();
      let sawOld = false;
      let sawNew = false;
      for (let n = 0; n < total; n++) {
        const card = await formatted();
        await writeCard(connect(card), keysA(), old);
        const err = await expectCode(writeCard(pulledAt(card, n, deliver), keysA(), next), 'CARD_REMOVED');
        const now = await holds(card);
        if (JSON.stringify(now) === JSON.stringify(next)) {
          sawNew = true;
          expect(err.commitSent).toBe(true);
          expect(err.message).toMatch(/CommitTransaction had been sent/);
        } else {
          sawOld = true;
          expect(now).toEqual(old);
        }
        await writeCard(connect(card), keysA(), next);
        expect(await holds(card)).toEqual(next);
      }
      expect(sawOld).toBe(true);
      expect(sawNew).toBe(deliver); // only a delivered commit whose answer was lost leaves the new content
    },
  );

  it('an audit collection pulled before its commit loses no record', async () => {
    const record = { event: 'granted' as const, reason: null, doorId: 4, at: 1_700_000_000, credentialId: 9 };
    const probe = await formatted();
    await appendAudit(connect(probe), keysA(), record);
    const { client, count } = counting(probe);
    await collectAudit(client, keysA());
    const total = count();
    for (let n = 0; n < total; n++) {
      const card = await formatted();
      await appendAudit(connect(card), keysA(), record);
      const err = await expectCode(collectAudit(pulledAt(card, n, false), keysA()), 'CARD_REMOVED');
      expect(err.commitSent).toBe(n === total - 1);
      expect((await readCard(connect(card), keysA())).audit).toEqual([record]);
    }
  });

  it('erase pulled at every APDU can be finished, leaving a blank card', async () => {
    const probe = await formatted();
    const { client, count } = counting(probe);
    await eraseCard(client, keysA());
    const total = count();
    for (let n = 0; n < total; n++) {
      const card = await formatted();
      await writeCard(connect(card), keysA(), content(1));
      await expectCode(eraseCard(pulledAt(card, n, false), keysA()), 'CARD_REMOVED');
      await eraseCard(connect(card), keysA());
      expect(await inspectCard(connect(card))).toEqual({ kind: 'blank', uid: UID });
    }
  });
});

describe('erasing and cancelling', () => {
  it('erases a card for reuse, once; a blank card is left alone; it can be formatted again', async () => {
    const card = await formatted();
    await writeCard(connect(card), keysA(), content(1));
    const steps: CardStep[] = [];
    expect(await eraseCard(connect(card), keysA(), { onProgress: (s) => steps.push(s) })).toEqual({
      alreadyBlank: false,
    });
    expect(steps).toEqual(['detect', 'authenticate', 'erase', 'verify']);
    expect(await inspectCard(connect(card))).toEqual({ kind: 'blank', uid: UID });
    expect(await eraseCard(connect(card), keysA())).toEqual({ alreadyBlank: true });
    await formatCard(connect(card), keysB());
    expect(await inspectCard(connect(card))).toMatchObject({ kind: 'lintel', siteTag: keysB().siteTag });
  });

  it('a half-formatted card inspects as unfinished, and another site cannot take it over', async () => {
    const card = newCard();
    await expectCode(formatCard(pulledAt(card, 12, true), keysA()), 'CARD_REMOVED');
    expect(await inspectCard(connect(card))).toMatchObject({ kind: 'unfinished' });
    await expectCode(formatCard(connect(card), keysB()), 'NOT_LINTEL');
    await formatCard(connect(card), keysA());
    expect(await inspectCard(connect(card))).toMatchObject({ kind: 'lintel' });
  });

  it('an abort before the commit leaves the old content and sends nothing after it', async () => {
    const card = await formatted();
    await writeCard(connect(card), keysA(), content(1));
    const before = new AbortController();
    before.abort();
    const { client, count } = counting(card);
    await expectCode(writeCard(client, keysA(), content(2), { signal: before.signal }), 'ABORTED');
    expect(count()).toBe(0);
    const during = new AbortController();
    const err = await expectCode(
      writeCard(connect(card), keysA(), content(2), {
        signal: during.signal,
        onProgress: (s) => s === 'write' && during.abort(),
      }),
      'ABORTED',
    );
    expect(err.commitSent).toBe(false);
    expect(err.message).toMatch(/the card keeps its old content/);
    expect((await readCard(connect(card), keysA())).access).toEqual(content(1).access);
  });
});
