import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { deriveCardKeys } from '../card/card-keys.js';
import { formatCard } from '../card/lintel-card.js';
import type { CardReport, EncoderStatus } from '../contract/methods/encoder.js';
import type { Key } from '../contract/methods/users.js';
import { DesfireCard } from '../desfire/card-emulator.js';
import { DesfireClient } from '../desfire/desfire-client.js';
import type { Picc } from '../desfire/picc.js';
import { MemoryHidBus } from '../ncoder/hid-memory.js';
import { NcoderSimulator } from '../ncoder/ncoder-simulator.js';
import type { Caller } from '../rpc/context.js';

let f: ServiceFixture;
let sim: NcoderSimulator;
let bus: MemoryHidBus;
let plugged: string;
const admin = (): Caller => f.callerOf(f.admin.token)!;
const call = (method: string, params: unknown = {}) => f.call(method, params, { caller: admin() });
type Encoded = { key: Key; card: CardReport };

/** A card whose APDUs are counted, and which the test can have pulled from the field after the n-th. */
class CountedCard implements Picc {
  apdus = 0;
  pullAfter = Infinity;
  constructor(
    readonly inner: DesfireCard,
    private readonly pull: () => void,
  ) {}
  get activation() {
    return this.inner.activation;
  }
  transceive(apdu: Uint8Array): Uint8Array {
    const answer = this.inner.transceive(apdu);
    // The card did the command, but the person lifted it before the answer reached the reader.
    if (++this.apdus === this.pullAfter) this.pull();
    return answer;
  }
  powerOff(): void {
    this.inner.powerOff();
  }
}

async function ready(): Promise<void> {
  await f.service.encoder!.whenState('unpaired', 5_000);
  ok(await call('encoder.pair'));
  await f.service.encoder!.whenState('ready', 5_000);
}

/** A user with a door in a zone and an access level, and a PIN. */
async function user(): Promise<number> {
  const zone = ok<{ id: number }>(await call('zones.create', { name: 'Lab' }));
  ok(await call('doors.create', { name: 'Lab door', kind: 'online', zoneIds: [zone.id] }));
  const period = ok<{ id: number }>(
    await call('timePeriods.create', { name: 'Office', rules: { mon: [{ start: 480, end: 1080 }] } }),
  );
  const level = ok<{ id: number }>(
    await call('accessLevels.create', {
      name: 'Lab staff',
      rights: [{ zoneId: zone.id, periodId: period.id }],
    }),
  );
  return ok<{ id: number }>(
    await call('users.create', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      pin: '4711',
      accessLevelIds: [level.id],
    }),
  ).id;
}

const keyRows = () => f.site.db.prepare('SELECT id, status FROM credential').all();

beforeEach(async () => {
  bus = new MemoryHidBus();
  sim = new NcoderSimulator({ serial: 'NC-TEST0001' });
  plugged = bus.plug(sim.descriptor, (end) => sim.connect(end));
  f = await serviceFixture({ hid: bus });
});
afterEach(() => f.close());

describe('the encoder methods', () => {
  it('say where the encoder is, pair it, and see the card on it', async () => {
    await f.service.encoder!.whenState('unpaired', 5_000);
    expect(ok<EncoderStatus>(await call('encoder.status')).state).toBe('unpaired');
    expect(failure(await call('encoder.read')).data?.name).toBe('ENCODER_UNAVAILABLE');
    const paired = ok<EncoderStatus>(await call('encoder.pair'));
    expect(paired).toMatchObject({ state: 'ready', serial: 'NC-TEST0001' });
    expect(f.site.secrets.get('ncoder.pairing/NC-TEST0001')?.value).toHaveLength(16);
    expect(ok<EncoderStatus>(await call('encoder.status')).card).toBeNull();
    const card = new DesfireCard({ size: '2k' });
    sim.place(card);
    expect(ok<EncoderStatus>(await call('encoder.status')).card).toEqual({
      uid: Buffer.from(card.activation.uid).toString('hex').toUpperCase(),
      randomId: false,
    });
    expect(failure(await call('encoder.pair')).data?.name).toBe('ENCODER_UNAVAILABLE');
  });

  it('encode a blank card, read it back, update, cancel (blacklisted, card blank) and encode it again', async () => {
    await ready();
    const userId = await user();
    const card = new DesfireCard({ size: '2k' });
    sim.place(card);
    const encoded = ok<Encoded>(await call('encoder.encode', { userId, revalidationHours: 168 }));
    expect(encoded.key).toMatchObject({ userId, status: 'issued', uid: encoded.card.uid });
    expect(encoded.card).toMatchObject({
      kind: 'lintel',
      upToDate: true,
      holder: { id: userId, name: 'Ada Lovelace' },
    });
    expect(encoded.card.access?.flags.pinRequired).toBe(true);
    expect(encoded.card.access?.rights).toEqual([
      expect.objectContaining({ kind: 'zone', name: 'Lab', periodName: 'Office' }),
    ]);

    const read = ok<CardReport>(await call('encoder.read'));
    expect(read.key?.id).toBe(encoded.key.id);
    expect(read.upToDate).toBe(true);

    // A second encode onto the same card is refused: it already carries a live key.
    expect(failure(await call('encoder.encode', { userId })).data).toMatchObject({
      reason: 'card holds a live key',
    });

    f.advance(600_000);
    const updated = ok<Encoded>(await call('encoder.update'));
    expect(updated.key.revalidatedAt).toBe(f.now().toISOString());
    expect(Date.parse(updated.card.access!.revalidateBy!)).toBe(f.now().getTime() + 168 * 3_600_000);

    const cancelled = ok<Encoded>(await call('encoder.cancel'));
    expect(cancelled.key.status).toBe('cancelled');
    expect(cancelled.key.blacklistSeq).toBe(1);
    expect(ok<CardReport>(await call('encoder.read')).kind).toBe('blank');

    // The blank card takes a new key, which carries the cancelled one to offline locks.
    const again = ok<Encoded>(await call('encoder.encode', { userId }));
    expect(again.key.id).not.toBe(encoded.key.id);
    expect(again.card.blacklist).toEqual({ entries: 1, highestSeq: 1 });
  });

  it('encode and read a card that hides its UID behind a random ID', async () => {
    await ready();
    const userId = await user();
    const card = new DesfireCard({ size: '2k', randomId: true });
    sim.place(card);
    const status = ok<EncoderStatus>(await call('encoder.status'));
    expect(status.card?.randomId).toBe(true);
    const encoded = ok<Encoded>(await call('encoder.encode', { userId }));
    const real = ok<CardReport>(await call('encoder.read'));
    // The key is bound to the real UID (GetCardUID), not to the ID the field shows.
    expect(real.uid).toBe(encoded.key.uid);
    expect(real.uid).not.toBe(status.card?.uid);
    expect(real.uid).toHaveLength(14);
    expect(real.key?.id).toBe(encoded.key.id);
  });

  it('erase only a card whose key is no longer live', async () => {
    await ready();
    const userId = await user();
    sim.place(new DesfireCard({ size: '2k' }));
    const { key } = ok<Encoded>(await call('encoder.encode', { userId }));
    expect(failure(await call('encoder.erase')).data).toMatchObject({ reason: 'card holds a live key' });
    ok(await call('keys.cancel', { id: key.id, version: key.version }));
    expect(ok<{ uid: string }>(await call('encoder.erase')).uid).toBe(key.uid);
    expect(ok<CardReport>(await call('encoder.read')).kind).toBe('blank');
  });

  it("refuse a stranger's card and another site's card, and change nothing", async () => {
    await ready();
    const userId = await user();
    const stranger = new DesfireCard({ size: '2k' });
    const client = new DesfireClient(async (apdu) => stranger.transceive(apdu));
    await client.authenticateEv2First(0, Buffer.alloc(16));
    await client.createApplication(0x112233, { keySettings: 0x0f, keyCount: 1 });
    sim.place(stranger);
    expect(failure(await call('encoder.encode', { userId })).data).toMatchObject({
      name: 'CARD_ERROR',
      reason: 'not-lintel',
    });

    const elsewhere = new DesfireCard({ size: '2k' });
    const otherKeys = deriveCardKeys(randomBytes(32), crypto.randomUUID(), 1, elsewhere.activation.uid);
    await formatCard(new DesfireClient(async (apdu) => elsewhere.transceive(apdu)), otherKeys);
    sim.place(elsewhere);
    expect(failure(await call('encoder.encode', { userId })).data).toMatchObject({ reason: 'other-site' });
    expect(failure(await call('encoder.read')).data).toMatchObject({ reason: 'other-site' });
    expect(keyRows()).toEqual([]);
  });

  it('refuse to encode a user with more doors and zones than a card holds, keeping no key', async () => {
    await ready();
    const period = ok<{ id: number }>(
      await call('timePeriods.create', { name: 'Always', rules: { mon: [{ start: 0, end: 1440 }] } }),
    );
    const rights = [];
    for (let i = 0; i < 65; i++) {
      const door = ok<{ id: number }>(await call('doors.create', { name: `Door ${i}`, kind: 'offline' }));
      rights.push({ doorId: door.id, periodId: period.id });
    }
    const level = ok<{ id: number }>(await call('accessLevels.create', { name: 'Everywhere', rights }));
    const userId = ok<{ id: number }>(
      await call('users.create', { lastName: 'Many', accessLevelIds: [level.id] }),
    ).id;
    sim.place(new DesfireCard({ size: '2k' }));
    const refused = failure(await call('encoder.encode', { userId }));
    expect(refused.data).toMatchObject({ name: 'CARD_ERROR', reason: 'full' });
    expect(refused.message).toMatch(/at most 64/);
    expect(keyRows()).toEqual([]);
  });

  it('say when no card is on the encoder', async () => {
    await ready();
    const userId = await user();
    expect(failure(await call('encoder.encode', { userId })).data).toMatchObject({ reason: 'no-card' });
    expect(keyRows()).toEqual([]);
  });

  it('say the encoder was unplugged mid-encode, keep no key, and work again once it is back', async () => {
    await ready();
    const userId = await user();
    const card = new CountedCard(new DesfireCard({ size: '2k' }), () => bus.unplug(plugged));
    card.pullAfter = 10;
    sim.place(card);
    expect(failure(await call('encoder.encode', { userId })).data).toMatchObject({
      name: 'ENCODER_UNAVAILABLE',
      reason: 'unplugged',
    });
    expect(keyRows()).toEqual([]);
    expect(ok<EncoderStatus>(await call('encoder.status')).state).toBe('absent');

    card.pullAfter = Infinity;
    plugged = bus.plug(sim.descriptor, (end) => sim.connect(end));
    await f.service.encoder!.whenState('ready', 5_000);
    expect(ok<Encoded>(await call('encoder.encode', { userId })).key.userId).toBe(userId);
  });

  it('leave the card and the database consistent when the card is pulled at any APDU of an encode', async () => {
    await ready();
    const userId = await user();
    // How many APDUs a whole encode takes, on a card nobody pulls.
    const probe = new CountedCard(new DesfireCard({ size: '2k' }), () => sim.remove());
    sim.place(probe);
    ok(await call('encoder.encode', { userId }));
    const total = probe.apdus;
    expect(total).toBeGreaterThan(20);

    const outcomes = new Set<string>();
    for (let n = 1; n <= total; n += 1) {
      const card = new CountedCard(new DesfireCard({ size: '2k' }), () => sim.remove());
      card.pullAfter = n;
      sim.place(card);
      const r = await call('encoder.encode', { userId });
      const reason = 'error' in r ? String(r.error.data?.reason) : 'ok';
      outcomes.add(reason);
      // The person puts the card back and reads it.
      card.pullAfter = Infinity;
      sim.place(card);
      const uid = Buffer.from(card.activation.uid).toString('hex').toUpperCase();
      const rows = f.site.db.prepare('SELECT id FROM credential WHERE uid = ?').all(uid) as { id: number }[];
      const seen = ok<CardReport>(await call('encoder.read'));
      // A card pulled while it was being formatted is still this site's to finish, never a stranger's.
      expect(seen.kind).not.toBe('foreign');
      if (seen.access) {
        // The card holds the whole new key, and the database kept it.
        expect(rows.map((x) => x.id)).toEqual([seen.access.credentialId]);
        expect(['ok', 'unverified']).toContain(reason);
        expect(seen.upToDate).toBe(true);
      } else {
        // The card holds no key, and the database has none for it.
        expect(rows).toEqual([]);
        expect(['removed', 'no-card']).toContain(reason);
      }
    }
    expect(outcomes).toContain('removed');
    expect(outcomes).toContain('unverified');
  }, 180_000);
});
