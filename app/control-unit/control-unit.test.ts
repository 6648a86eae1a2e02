import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSerialPort } from '../../native/serial-port.js';
import {
  accessOf,
  cardKeys,
  connect,
  DOOR,
  doorTables,
  makeCard,
  MASTER,
  newUid,
  officeHours,
  SITE_ID,
  TIME_ZONE,
  WED_11,
  WED_21,
} from '../../test/helpers/door-cards.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import type { CardAccessData } from '../card/access-data.js';
import { siteCardKey } from '../card/card-keys.js';
import { readCard, type CardReading } from '../card/lintel-card.js';
import { DesfireCard } from '../desfire/index.js';
import { DeviceStore } from '../devices/device-store.js';
import type { ReaderConfig, ReplicaCard, SyncReply, UnitStatus, WireEvent } from '../devices/protocol.js';
import type { DoorTablesData } from '../store/access-compiler.js';
import { silentLogger } from '../log.js';
import type { Command } from '../osdp/messages.js';
import { fingerTemplate, ReaderSimulator } from '../osdp/reader-simulator.js';
import type { PdReply } from '../osdp/replies.js';
import { SerialPd } from '../osdp/serial-pd.js';
import type { SerialTransport } from '../ports/serial.js';
import { PasswordHasher } from '../service/passwords.js';
import { ControlUnit, type ControlUnitOptions } from './control-unit.js';

/**
 * The control unit against the real OSDP stack: the CP (SerialCp) drives the reader simulator over a
 * real pty pair, the card is a DESFire emulator written by app/card, the replica a DeviceStore filled
 * by applySync. Waits are for events or outcomes, never fixed sleeps.
 *
 * Test support first (the site, door and cards are test/helpers/door-cards.ts): another site, sync replies
 * built from the cards, and a control unit wired to the reader simulator over a real pty pair.
 */

export const OTHER_MASTER = Buffer.alloc(32, 0x33);
export const OTHER_SITE = '0a0b0c0d-1111-4222-8333-444455556666';
export const UNIT_ID = 3;
export const SCBK = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
export const cheapHasher = new PasswordHasher({ memoryKiB: 8192, iterations: 1, parallelism: 1 });

const hex = (b: Buffer) => b.toString('hex');
export const siteKeys = (master = MASTER, site = SITE_ID) => ({
  siteId: site,
  keyVersion: 1,
  lock: hex(siteCardKey(master, site, 'lock', 1)),
  update: hex(siteCardKey(master, site, 'update', 1)),
  uidRead: hex(siteCardKey(master, site, 'uid-read', 1)),
});

/** The replica's record of a key whose card carries `access`. */
export function replicaCard(
  uid: Buffer,
  access: CardAccessData,
  pinHash: string | null = null,
  fingerTemplate: string | null = null,
): ReplicaCard {
  return {
    revision: 1,
    uid: uid.toString('hex'),
    credentialId: access.credentialId,
    userId: access.userId,
    validFrom: access.validFrom,
    validUntil: access.validUntil,
    revalidateBy: access.revalidation?.by ?? null,
    rights: access.rights,
    privileges: {
      office: access.flags.office,
      privacyOverride: access.flags.privacyOverride,
      extendedOpening: access.flags.extendedOpening,
    },
    pinHash,
    fingerTemplate,
    revalidationWindowSeconds: access.revalidation?.windowSeconds ?? null,
  };
}

export function syncReply(o: {
  revision: number;
  doors?: DoorTablesData[];
  readers?: ReaderConfig[];
  cards?: ReplicaCard[];
  remove?: number[];
  blacklist?: { seq: number; credentialId: number; expiresAt: number }[];
  blacklistSeq?: number;
  full?: boolean;
}): SyncReply {
  const entries = o.blacklist ?? [];
  return {
    revision: o.revision,
    timeZone: TIME_ZONE,
    keys: siteKeys(),
    doors: o.doors ?? [doorTables()],
    readers: o.readers ?? [{ unitId: UNIT_ID, address: 0, doorId: DOOR, scbk: hex(SCBK) }],
    units: [],
    cards: { full: o.full ?? true, upsert: o.cards ?? [], remove: o.remove ?? [] },
    blacklist: {
      full: o.full ?? true,
      entries,
      latestSeq: o.blacklistSeq ?? Math.max(0, ...entries.map((e) => e.seq)),
    },
  };
}

/** Reads a card back with the encoder's keys (what the update point left on it). */
export async function readBack(card: DesfireCard, uid: Buffer): Promise<CardReading> {
  const reading = await readCard(connect(card), cardKeys(uid));
  card.powerOff();
  return reading;
}

/** One reader line: a pty pair, the simulator on one end (in this process), the other end for the unit. */
export interface Line {
  pair: PtyPair;
  cpPort: SerialTransport;
  pdPort: SerialTransport;
  sim: ReaderSimulator;
  pd: SerialPd;
  /** Application commands the reader received (LED, buzzer, transparent mode…), in order. */
  seen: Command[];
  keysets: Buffer[];
}

export async function readerLine(opts: { scbk?: Buffer; address?: number } = {}): Promise<Line> {
  const pair = await ptyPair();
  const cpPort = await openSerialPort(pair.paths[0], { baudRate: 115_200 });
  const pdPort = await openSerialPort(pair.paths[1], { baudRate: 115_200 });
  const keysets: Buffer[] = [];
  const sim = new ReaderSimulator({
    address: opts.address ?? 0,
    ...(opts.scbk && { scbk: opts.scbk }),
    serial: 0x00c0ffee,
    onKeyset: (k) => keysets.push(k),
  });
  const seen: Command[] = [];
  // The session calls `this.handle(cmd)` on the simulator: an own property sees every command first.
  const target = sim as unknown as { handle(c: Command): PdReply };
  const handle = target.handle.bind(sim);
  target.handle = (c: Command) => {
    seen.push(c);
    return handle(c);
  };
  const pd = new SerialPd(pdPort, sim.session);
  return { pair, cpPort, pdPort, sim, pd, seen, keysets };
}

export async function closeLine(line: Line): Promise<void> {
  await line.pd.close();
  await line.cpPort.close();
  await line.pdPort.close();
  await line.pair.close();
}

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-cu-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function openStore(dir: string): DeviceStore {
  return DeviceStore.open(dir, randomBytes(32));
}

export interface Clock {
  ms: number;
}

/** A control unit on the given lines, with a fixed clock the test moves. */
export function controlUnit(
  store: DeviceStore,
  lines: Line[],
  clock: Clock,
  over: Partial<ControlUnitOptions> = {},
): ControlUnit {
  return new ControlUnit({
    deviceId: UNIT_ID,
    version: 'test',
    store,
    readers: lines.map((l, i) => ({ path: `line${i}`, address: 0, port: l.cpPort })),
    log: silentLogger(),
    pins: cheapHasher,
    now: () => clock.ms,
    tickMs: 0,
    reader: { pollMs: 15, replyTimeoutMs: 150, retryMs: 200 },
    ...over,
  });
}

// ---- the tests ------------------------------------------------------------------------------------

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Bench {
  line: Line;
  store: DeviceStore;
  unit: ControlUnit;
  clock: Clock;
  dir: string;
}

/** A unit with one reader line, synced with `reply`, and the reader's Secure Channel up. */
async function bench(
  reply: SyncReply,
  over: Partial<ControlUnitOptions> = {},
  scbk: Buffer | null = SCBK,
): Promise<Bench> {
  const line = await readerLine(scbk ? { scbk } : {});
  cleanups.push(() => closeLine(line));
  const dir = tempDir();
  const store = openStore(dir);
  cleanups.push(() => store.close());
  store.applySync(reply);
  const clock = { ms: WED_11 };
  const unit = controlUnit(store, [line], clock, over);
  cleanups.push(() => unit.stop());
  unit.start();
  return { line, store, unit, clock, dir };
}

async function whenReady(b: Bench): Promise<void> {
  await vi.waitFor(() => expect(b.unit.links[0]!.ready).toBe(true), { timeout: 5_000, interval: 10 });
}

/** Places the card at the reader and resolves with the outcome of that presentation. */
async function present(b: Bench, card: DesfireCard) {
  const outcome = b.unit.nextOutcome();
  b.line.sim.placeCard(card);
  const o = await outcome;
  b.line.sim.removeCard();
  return o;
}

const events = (store: DeviceStore) => store.pending(1000);

describe('ControlUnit at a reader', () => {
  it('grants within the time period (green LED, short beep, door unlocked) and denies outside it', async () => {
    const uid = newUid();
    const access = accessOf(11);
    const { card } = await makeCard(access, undefined, { uid });
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, access)] }));
    await whenReady(b);
    expect(b.unit.status().readers).toEqual([
      {
        address: 0,
        doorId: DOOR,
        online: true,
        secure: true,
        identity: expect.stringMatching(/serial 00C0FFEE/),
        // A reply to a poll sent while the simulator was still opening its end can arrive after the
        // retry's reply and is refused by sequence number: counted, harmless, so not asserted here.
        refused: expect.any(Number),
        tamper: false,
      },
    ]);

    const granted = await present(b, card);
    expect(granted).toMatchObject({ granted: true, credentialId: 11, doorId: DOOR });
    expect(b.unit.status().doors[0]).toMatchObject({ doorId: DOOR, unlocked: true });
    const led = b.line.seen.filter((c) => c.type === 'led' || c.type === 'buz');
    expect(led).toEqual([
      expect.objectContaining({
        type: 'led',
        leds: [expect.objectContaining({ temp: expect.objectContaining({ onColor: 2 }) })],
      }),
      expect.objectContaining({ type: 'buz', onTime: 2, count: 1 }),
    ]);
    expect(events(b.store)).toEqual([
      expect.objectContaining({
        kind: 'access-granted',
        origin: UNIT_ID,
        doorId: DOOR,
        userId: 111,
        credentialId: 11,
        reason: null,
        at: new Date(WED_11).toISOString(),
      }),
    ]);
    // Transparent mode was switched on for the card and off again.
    expect(b.line.sim.transparent).toBe(false);

    b.clock.ms = WED_21;
    b.line.seen.length = 0;
    const denied = await present(b, card);
    expect(denied).toMatchObject({ granted: false, reason: 'outside-time-period' });
    expect(b.line.seen.find((c) => c.type === 'led')).toMatchObject({ leds: [{ temp: { onColor: 1 } }] });
    expect(b.line.seen.find((c) => c.type === 'buz')).toMatchObject({ onTime: 10 });
    expect(events(b.store).at(-1)).toMatchObject({ kind: 'access-denied', reason: 'outside-time-period' });
  });

  it('refuses a key cancelled by the sync just applied, and writes the entry onto its card', async () => {
    const uid = newUid();
    const access = accessOf(12);
    const { card } = await makeCard(access, undefined, { uid });
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, access)] }));
    await whenReady(b);
    expect(await present(b, card)).toMatchObject({ granted: true });

    const entry = { seq: 1, credentialId: 12, expiresAt: 2_000_000_000 };
    b.store.applySync(syncReply({ revision: 6, full: false, remove: [12], blacklist: [entry] }));
    b.unit.reload(); // what UpstreamClient's onSynced does
    const o = await present(b, card);
    expect(o).toMatchObject({
      granted: false,
      reason: 'blacklisted',
      wrote: { blacklist: true, access: null },
    });
    expect(events(b.store).at(-1)).toMatchObject({
      kind: 'access-denied',
      reason: 'blacklisted',
      credentialId: 12,
    });
    const back = await readBack(card, uid);
    expect(back.blacklist).toEqual({ highestSeq: 1, entries: [entry] });
    // Not revalidated, and its access data left as it was.
    expect(back.access).toEqual(access);
  });

  it('asks for the PIN at a card+PIN door and checks it against the replica hash', async () => {
    const uid = newUid();
    const access = accessOf(13, {
      flags: { pinRequired: true, office: false, privacyOverride: false, extendedOpening: false },
    });
    const { card } = await makeCard(access, undefined, { uid });
    const pinHash = await cheapHasher.hash('2468');
    const b = await bench(
      syncReply({
        revision: 5,
        doors: [doorTables({ auth: { mode: 'card+pin' } })],
        cards: [replicaCard(uid, access, pinHash)],
      }),
      { pinTimeoutMs: 3_000 },
    );
    await whenReady(b);
    const typeWhenAsked = async (keys: string) => {
      await vi.waitFor(
        () => expect(b.line.seen.some((c) => c.type === 'led' && c.leds[0]!.temp.onColor === 3)).toBe(true),
        {
          timeout: 5_000,
          interval: 10,
        },
      );
      b.line.seen.length = 0;
      b.line.sim.keypad(keys);
    };

    let outcome = b.unit.nextOutcome();
    b.line.sim.placeCard(card);
    await typeWhenAsked('2468#');
    expect(await outcome).toMatchObject({ granted: true });
    expect(events(b.store).at(-1)).toMatchObject({ kind: 'access-granted', detail: { pin: 'match' } });
    b.line.sim.removeCard();

    outcome = b.unit.nextOutcome();
    b.line.sim.placeCard(card);
    await typeWhenAsked('1*2469#'); // '*' starts over
    expect(await outcome).toMatchObject({ granted: false, reason: 'wrong-pin' });
    b.line.sim.removeCard();
  });

  it('reads a finger for enrolment (osdp_BIOREAD until a finger is on the sensor), and times out without one', async () => {
    const b = await bench(syncReply({ revision: 5 }), { fingerPollMs: 50 });
    await whenReady(b);
    b.line.sim.enrolFinger('alice');
    const read = b.unit.enrolFinger({ doorId: DOOR, timeoutMs: 5_000 });
    // The reader answers "no finger" a few times first; the finger comes after the call started.
    await vi.waitFor(
      () => expect(b.line.seen.filter((c) => c.type === 'bioread').length).toBeGreaterThanOrEqual(2),
      { timeout: 5_000, interval: 10 },
    );
    expect(b.line.seen.find((c) => c.type === 'led')).toMatchObject({ leds: [{ temp: { onColor: 3 } }] });
    b.line.sim.presentFinger('alice');
    expect(await read).toEqual({ template: fingerTemplate('alice').toString('hex'), quality: 90 });
    expect(b.line.seen.find((c) => c.type === 'bioread')).toMatchObject({ reader: 0, format: 2 });
    expect(b.line.sim.fingerOnSensor).toBeUndefined();

    const started = Date.now();
    await expect(b.unit.enrolFinger({ doorId: DOOR, timeoutMs: 1_000 })).rejects.toThrow(/no finger/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await expect(b.unit.enrolFinger({ doorId: DOOR + 1, timeoutMs: 1_000 })).rejects.toThrow(/no reader/);
  });

  it('asks for the finger at a card+fingerprint door and matches it with the replica template', async () => {
    const alice = newUid();
    const aliceAccess = accessOf(14);
    const { card: aliceCard } = await makeCard(aliceAccess, undefined, { uid: alice });
    const carol = newUid();
    const carolAccess = accessOf(15);
    const { card: carolCard } = await makeCard(carolAccess, undefined, { uid: carol });
    const b = await bench(
      syncReply({
        revision: 5,
        doors: [doorTables({ auth: { mode: 'card+biometric' } })],
        cards: [
          replicaCard(alice, aliceAccess, null, fingerTemplate('alice').toString('hex')),
          replicaCard(carol, carolAccess), // no finger enrolled
        ],
      }),
      { fingerPollMs: 50, fingerTimeoutMs: 1_500 },
    );
    await whenReady(b);
    b.line.sim.enrolFinger('alice');
    b.line.sim.enrolFinger('bob');
    const fingerWhenAsked = async (card: DesfireCard, finger: string | undefined) => {
      b.line.seen.length = 0;
      const outcome = b.unit.nextOutcome();
      b.line.sim.placeCard(card);
      await vi.waitFor(() => expect(b.line.seen.some((c) => c.type === 'biomatch')).toBe(true), {
        timeout: 5_000,
        interval: 10,
      });
      if (finger) b.line.sim.presentFinger(finger);
      const o = await outcome;
      b.line.sim.removeCard();
      return o;
    };

    expect(await fingerWhenAsked(aliceCard, 'alice')).toMatchObject({ granted: true, credentialId: 14 });
    expect(events(b.store).at(-1)).toMatchObject({ kind: 'access-granted', detail: { biometric: 'match' } });
    const match = b.line.seen.find((c) => c.type === 'biomatch');
    expect(match).toMatchObject({ format: 2, threshold: 50, template: fingerTemplate('alice') });
    expect(b.line.seen.some((c) => c.type === 'led' && c.leds[0]!.temp.onColor === 3)).toBe(true);

    expect(await fingerWhenAsked(aliceCard, 'bob')).toMatchObject({
      granted: false,
      reason: 'biometric-mismatch',
    });
    expect(events(b.store).at(-1)).toMatchObject({
      kind: 'access-denied',
      reason: 'biometric-mismatch',
      detail: { biometric: 'mismatch' },
    });

    expect(await fingerWhenAsked(aliceCard, undefined)).toMatchObject({
      granted: false,
      reason: 'biometric-required',
    });
    expect(events(b.store).at(-1)).toMatchObject({ detail: { biometric: 'timeout' } });

    // No template in the replica: refused at once, the sensor is not asked.
    b.line.seen.length = 0;
    expect(await present(b, carolCard)).toMatchObject({ granted: false, reason: 'biometric-required' });
    expect(events(b.store).at(-1)).toMatchObject({ detail: { biometric: 'not-enrolled' } });
    expect(b.line.seen.some((c) => c.type === 'biomatch')).toBe(false);
  });

  it('asks for the PIN and then the finger when the door wants both (an unknown scheduled period)', async () => {
    const uid = newUid();
    const access = accessOf(16);
    const { card } = await makeCard(access, undefined, { uid });
    const pinHash = await cheapHasher.hash('1357');
    const b = await bench(
      syncReply({
        revision: 5,
        doors: [
          doorTables({ auth: { mode: 'card+pin', scheduled: { periodId: 99, mode: 'card+biometric' } } }),
        ],
        cards: [replicaCard(uid, access, pinHash, fingerTemplate('dave').toString('hex'))],
      }),
      { pinTimeoutMs: 3_000, fingerPollMs: 50, fingerTimeoutMs: 3_000 },
    );
    await whenReady(b);
    b.line.sim.enrolFinger('dave');
    const outcome = b.unit.nextOutcome();
    b.line.sim.placeCard(card);
    await vi.waitFor(
      () => expect(b.line.seen.some((c) => c.type === 'led' && c.leds[0]!.temp.onColor === 3)).toBe(true),
      { timeout: 5_000, interval: 10 },
    );
    expect(b.line.seen.some((c) => c.type === 'biomatch')).toBe(false);
    b.line.sim.keypad('1357#');
    await vi.waitFor(() => expect(b.line.seen.some((c) => c.type === 'biomatch')).toBe(true), {
      timeout: 5_000,
      interval: 10,
    });
    b.line.sim.presentFinger('dave');
    expect(await outcome).toMatchObject({ granted: true });
    b.line.sim.removeCard();
    expect(events(b.store).at(-1)).toMatchObject({
      kind: 'access-granted',
      detail: { pin: 'match', biometric: 'match' },
    });
  });

  it('lets a card presentation under way finish before a finger enrolment at the same reader', async () => {
    const uid = newUid();
    const access = accessOf(17, {
      flags: { pinRequired: true, office: false, privacyOverride: false, extendedOpening: false },
    });
    const { card } = await makeCard(access, undefined, { uid });
    const b = await bench(
      syncReply({
        revision: 5,
        doors: [doorTables({ auth: { mode: 'card+pin' } })],
        cards: [replicaCard(uid, access, await cheapHasher.hash('2468'))],
      }),
      { pinTimeoutMs: 3_000, fingerPollMs: 50 },
    );
    await whenReady(b);
    b.line.sim.enrolFinger('erin');
    const outcome = b.unit.nextOutcome();
    b.line.sim.placeCard(card);
    await vi.waitFor(
      () => expect(b.line.seen.some((c) => c.type === 'led' && c.leds[0]!.temp.onColor === 3)).toBe(true),
      { timeout: 5_000, interval: 10 },
    );
    const read = b.unit.enrolFinger({ doorId: DOOR, timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(b.line.seen.some((c) => c.type === 'bioread')).toBe(false); // the PIN is still awaited
    b.line.sim.keypad('2468#');
    expect(await outcome).toMatchObject({ granted: true });
    b.line.sim.removeCard();
    await vi.waitFor(() => expect(b.line.seen.some((c) => c.type === 'bioread')).toBe(true), {
      timeout: 5_000,
      interval: 10,
    });
    b.line.sim.presentFinger('erin');
    expect(await read).toMatchObject({ template: fingerTemplate('erin').toString('hex') });
  });

  it('is an update point: newer blacklist, changed rights and a due revalidation go on the card in one write', async () => {
    const uid = newUid();
    const now = Math.floor(WED_11 / 1000);
    const onCard = accessOf(15, { revalidation: { by: now + 3_600, windowSeconds: 86_400 } });
    const { card } = await makeCard(onCard, undefined, { uid });
    // The Service added a zone right since the card was written; two other keys were cancelled.
    const wanted = { ...onCard, rights: [...onCard.rights, { kind: 'zone' as const, id: 7, periodId: 1 }] };
    const blacklist = [
      { seq: 1, credentialId: 900, expiresAt: 2_000_000_000 },
      { seq: 2, credentialId: 901, expiresAt: 2_000_000_000 },
    ];
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, wanted)], blacklist }));
    await whenReady(b);
    const o = await present(b, card);
    expect(o).toMatchObject({ granted: true, wrote: { blacklist: true, access: 'changed' } });
    const back = await readBack(card, uid);
    expect(back.blacklist).toEqual({ highestSeq: 2, entries: [...blacklist].reverse() });
    expect(back.access).toEqual({
      ...wanted,
      revalidation: { by: now + 86_400, windowSeconds: 86_400 },
      issuedAt: now,
    });

    // Current now: presented again, nothing is written.
    const again = await present(b, card);
    expect(again).toMatchObject({ granted: true, wrote: null });
  });

  it('leaves a card pulled in the middle of its update whole (old content, nothing half written)', async () => {
    const uid = newUid();
    const access = accessOf(22);
    const { card } = await makeCard(access, undefined, { uid });
    const blacklist = [{ seq: 1, credentialId: 950, expiresAt: 2_000_000_000 }];
    const changed = { ...access, validUntil: Math.floor(WED_11 / 1000) + 1_000_000 };
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, changed)], blacklist }));
    await whenReady(b);
    // The card leaves the field right after the first WriteData (0x3D) reached it.
    b.line.sim.onCardUsed = () => {
      const last = b.line.seen.at(-1);
      if (last?.type === 'xwr-apdu' && last.apdu[1] === 0x3d) b.line.sim.removeCard();
    };
    const outcome = b.unit.nextOutcome();
    b.line.sim.placeCard(card);
    expect(await outcome).toMatchObject({ granted: true, wrote: null, auditCollected: 0 });
    b.line.sim.onCardUsed = undefined;
    const back = await readBack(card, uid);
    expect(back.access).toEqual(access);
    expect(back.blacklist).toEqual({ highestSeq: 0, entries: [] });
  });

  it('refreshes a lapsed card of a live key and then lets it in; a key the replica lacks is not refreshed', async () => {
    const uid = newUid();
    const now = Math.floor(WED_11 / 1000);
    const lapsed = accessOf(16, { revalidation: { by: now - 60, windowSeconds: 86_400 } });
    const { card } = await makeCard(lapsed, undefined, { uid });
    const other = newUid();
    const orphan = accessOf(17, { revalidation: { by: now - 60, windowSeconds: 86_400 } });
    const { card: orphanCard } = await makeCard(orphan, undefined, { uid: other });
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, lapsed)] }));
    await whenReady(b);
    expect(await present(b, card)).toMatchObject({ granted: true, wrote: { access: 'revalidated' } });
    expect((await readBack(card, uid)).access?.revalidation).toEqual({
      by: now + 86_400,
      windowSeconds: 86_400,
    });

    expect(await present(b, orphanCard)).toMatchObject({
      granted: false,
      reason: 'revalidation-lapsed',
      wrote: null,
    });
    expect((await readBack(orphanCard, other)).access).toEqual(orphan);
  });

  it("collects the card's audit trail into events and clears it", async () => {
    const { appendAudit } = await import('../card/lintel-card.js');
    const uid = newUid();
    const access = accessOf(18);
    const { card } = await makeCard(access, undefined, { uid });
    const t = Math.floor(WED_11 / 1000) - 7_200;
    await appendAudit(connect(card), cardKeys(uid), {
      event: 'granted',
      reason: null,
      doorId: 40,
      at: t,
      credentialId: 18,
    });
    await appendAudit(connect(card), cardKeys(uid), {
      event: 'denied',
      reason: 'outside-time-period',
      doorId: 41,
      at: t + 60,
      credentialId: 18,
    });
    card.powerOff();
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, access)] }));
    await whenReady(b);
    expect(await present(b, card)).toMatchObject({ granted: true, auditCollected: 2 });
    const fromCard = events(b.store).filter((e) => e.detail.fromCard === true);
    expect(fromCard).toEqual([
      expect.objectContaining({
        kind: 'access-granted',
        doorId: 40,
        credentialId: 18,
        userId: 118,
        at: new Date(t * 1000).toISOString(),
      }),
      expect.objectContaining({
        kind: 'access-denied',
        doorId: 41,
        reason: 'outside-time-period',
        detail: { fromCard: true, collectedAt: DOOR },
      }),
    ]);
    expect((await readBack(card, uid)).audit).toEqual([]);
  });

  it('denies cards that are not valid cards of this site, saying why', async () => {
    const b = await bench(syncReply({ revision: 5 }));
    await whenReady(b);
    const blank = new DesfireCard({ uid: newUid(), size: '2k' });
    expect(await present(b, blank)).toMatchObject({ granted: false, reason: 'unknown-card' });
    expect(events(b.store).at(-1)).toMatchObject({ detail: { card: 'NOT_FORMATTED' } });

    const uid = newUid();
    const { card: foreign } = await makeCard(accessOf(19), undefined, {
      uid,
      master: OTHER_MASTER,
      siteId: OTHER_SITE,
    });
    expect(await present(b, foreign)).toMatchObject({ granted: false, reason: 'other-site' });
    expect(events(b.store).at(-1)).toMatchObject({ kind: 'access-denied', detail: { card: 'OTHER_SITE' } });
  });

  it('refuses every card in lockdown and stays unlocked in office mode, across a restart', async () => {
    const uid = newUid();
    const access = accessOf(20);
    const { card } = await makeCard(access, undefined, { uid });
    const dir = tempDir();
    const b = await bench(syncReply({ revision: 5, cards: [replicaCard(uid, access)] }), {
      doorStateFile: path.join(dir, 'doors.json'),
    });
    await whenReady(b);
    expect(b.unit.command({ command: 'lockdown-on', doorIds: [DOOR, 99], by: 'alice' })).toEqual({
      applied: [DOOR],
      unreachable: [],
    });
    expect(await present(b, card)).toMatchObject({ granted: false, reason: 'door-locked-down' });
    expect(events(b.store).find((e) => e.kind === 'device')).toMatchObject({
      reason: 'command:lockdown-on',
      doorId: DOOR,
      detail: { by: 'alice' },
    });
    b.unit.command({ command: 'lockdown-off', doorIds: [DOOR], by: 'alice' });
    b.unit.command({ command: 'office-on', doorIds: [DOOR], by: 'bob' });
    expect(b.unit.status().doors).toEqual([
      { doorId: DOOR, unlocked: true, open: false, office: true, lockdown: false },
    ]);
    b.unit.doorContact(DOOR, true); // open in office mode: not forced
    expect(events(b.store).some((e) => e.kind === 'door-forced')).toBe(false);

    // A new unit on the same data folder keeps office mode.
    const again = controlUnit(b.store, [], b.clock, { doorStateFile: path.join(dir, 'doors.json') });
    again.start();
    cleanups.push(() => again.stop());
    expect(again.status().doors).toEqual([
      { doorId: DOOR, unlocked: true, open: false, office: true, lockdown: false },
    ]);
  });

  it('installs a new reader in install mode (SCBK-D, KEYSET, its own key), and never otherwise', async () => {
    const b = await bench(syncReply({ revision: 5 }), { installMode: true }, null);
    await whenReady(b);
    expect(b.line.keysets).toEqual([SCBK]);
    expect(b.line.sim.session.inInstallMode).toBe(false);
    expect(b.unit.links[0]!.provisioned).toBe(true);
    expect(b.unit.status().readers[0]).toMatchObject({ secure: true, online: true });
  });

  it('leaves a reader that refuses its SCBK alone without install mode', async () => {
    const b = await bench(syncReply({ revision: 5 }), {}, null);
    await vi.waitFor(() => expect(b.unit.links[0]!.state).toBe('refused-key'), {
      timeout: 5_000,
      interval: 10,
    });
    expect(b.line.keysets).toEqual([]);
    expect(b.line.sim.session.inInstallMode).toBe(true);
    expect(b.unit.status().readers[0]).toMatchObject({ secure: false });
  });
});

describe('ControlUnit doors', () => {
  function doorsOnly(over: Partial<ControlUnitOptions> = {}) {
    const store = openStore(tempDir());
    cleanups.push(() => store.close());
    store.applySync(syncReply({ revision: 5 }));
    const clock = { ms: WED_11 };
    const unit = controlUnit(store, [], clock, { leftOpenGraceMs: 10_000, ...over });
    unit.start();
    cleanups.push(() => unit.stop());
    return { store, clock, unit };
  }
  const kinds = (store: DeviceStore) =>
    store.pending(1000).map((e) => e.kind + (e.reason ? `:${e.reason}` : ''));

  it('reports a forced door and its closing', () => {
    const { store, unit } = doorsOnly();
    unit.doorContact(DOOR, true);
    unit.doorContact(DOOR, false);
    expect(kinds(store)).toEqual(['door-forced', 'door-closed']);
  });

  it('reports a door left open past its open time plus the grace, once, then closed', () => {
    const { store, clock, unit } = doorsOnly();
    unit.exitButton(DOOR);
    unit.doorContact(DOOR, true);
    clock.ms += 4_000 + 9_000;
    unit.tick();
    expect(kinds(store)).toEqual(['access-granted']);
    clock.ms += 1_000;
    unit.tick();
    unit.tick();
    unit.doorContact(DOOR, false);
    expect(kinds(store)).toEqual(['access-granted', 'door-left-open', 'door-closed']);
    expect(store.pending(10)[0]!.detail).toEqual({ exit: true, openSeconds: 4 });
    // Closed again, the lock engaged at once: opening now is forced.
    unit.doorContact(DOOR, true);
    expect(kinds(store).at(-1)).toBe('door-forced');
  });

  it('opens for an open command and reports it with who asked', () => {
    const { store, clock, unit } = doorsOnly();
    expect(unit.command({ command: 'open', doorIds: [DOOR], by: 'carol' }).applied).toEqual([DOOR]);
    expect(unit.status().doors[0]!.unlocked).toBe(true);
    clock.ms += 5_000;
    expect(unit.status().doors[0]!.unlocked).toBe(false);
    expect(store.pending(10)[0]).toMatchObject({
      kind: 'device',
      reason: 'command:open',
      detail: { by: 'carol' },
    });
  });

  it('reports itself: revision, blacklist, pending events, link refusals', () => {
    const { unit } = doorsOnly({ linkRefused: () => ({ forged: 2 }), upstreamOnline: () => true });
    unit.exitButton(DOOR);
    expect(unit.status()).toMatchObject({
      deviceId: UNIT_ID,
      kind: 'control-unit',
      revision: 5,
      blacklistSeq: 0,
      pendingEvents: 1,
      clock: WED_11,
      online: true,
      refused: { forged: 2 },
      readers: [],
    });
  });
});

describe('lintel sim cu (the built CLI)', () => {
  it('enrols, syncs, decides at its reader, obeys commands and takes door inputs; keeps its state across a restart', async () => {
    const { spawn } = await import('node:child_process');
    const { requireBuild, lintelBin } = await import('../../test/helpers/lintel-process.js');
    const { watchProcess } = await import('../../test/helpers/watched-process.js');
    const { LinkEndpoint } = await import('../link/udp-endpoint.js');
    const { generateKeyPair } = await import('../link/noise/suite.js');
    const { DeviceServer } = await import('../devices/downstream.js');
    const { encodeJson } = await import('../devices/protocol.js');
    requireBuild();

    // The Service's side, as far as a control unit sees it: enrolment, sync, events, status, commands.
    const uid = newUid();
    const access = accessOf(21);
    const { card } = await makeCard(access, undefined, { uid });
    // The process runs on the real clock: period 1 is "always" here.
    const reply = syncReply({
      revision: 5,
      doors: [{ ...doorTables(), periods: officeHours(true) }],
      cards: [replicaCard(uid, access)],
    });
    const received: WireEvent[] = [];
    const statuses: UnitStatus[] = [];
    const service = await LinkEndpoint.bind({ staticKey: generateKeyPair(), host: '127.0.0.1' });
    cleanups.push(() => service.close());
    const server = new DeviceServer(service, () => ({
      sync: () => reply,
      events: (p) => {
        for (const e of p.events) if (!received.some((r) => r.seq === e.seq)) received.push(e);
        return { ack: Math.max(...received.map((e) => e.seq)) };
      },
      status: (p) => {
        statuses.push(...p.units);
        return { now: Date.now() };
      },
    }));
    cleanups.push(() => server.close());
    const code = 'ABCD-EFGH-JKMN';
    service.setEnrolment({
      codes: () => [{ id: 'code-1', code }],
      accept: (e) => {
        server.attach({ deviceId: UNIT_ID, publicKey: e.publicKey, psk: e.psk });
        return encodeJson({ deviceId: UNIT_ID });
      },
    });

    const line = await readerLine({ scbk: SCBK });
    cleanups.push(() => line.pd.close());
    cleanups.push(() => line.pair.close());
    await line.cpPort.close(); // the unit process opens this end itself
    const dir = tempDir();
    const start = (extra: string[]) => {
      const proc = spawn(
        process.execPath,
        [
          lintelBin,
          'sim',
          'cu',
          '--data-dir',
          dir,
          '--reader',
          `${line.pair.paths[0]}@0`,
          '--baud',
          '115200',
          '--bind',
          '127.0.0.1',
          ...extra,
        ],
        { env: { ...process.env, LINTEL_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const w = watchProcess(proc, 'lintel sim cu');
      cleanups.push(() => void w.stop());
      return w;
    };

    const cu = start(['--enrol', code, '--service', `127.0.0.1:${service.address.port}`]);
    await cu.waitFor(/enrolled as control unit 3; reporting to the Service/);
    await cu.waitFor(/control unit 3 ready: 1 readers, revision 5/);
    await vi.waitFor(() => expect(line.sim.session.secure).toBe(true), { timeout: 10_000, interval: 20 });

    line.sim.placeCard(card);
    await cu.waitFor(/event access-granted door 1 credential 21/);
    await cu.waitFor(/card at door 1 done: granted, wrote nothing, 0 audit records collected/);
    line.sim.removeCard();
    await vi.waitFor(() => expect(received.map((e) => e.kind)).toContain('access-granted'), {
      timeout: 10_000,
    });
    expect(received[0]).toMatchObject({ seq: 1, origin: UNIT_ID, doorId: DOOR, credentialId: 21 });

    expect(
      await server.call(UNIT_ID, 'command', { command: 'lockdown-on', doorIds: [DOOR], by: 'op' }),
    ).toEqual({
      applied: [DOOR],
      unreachable: [],
    });
    const mark = cu.stdout().length;
    cu.send('contact 1 open');
    await cu.waitFor(/event door-forced door 1/, mark);
    cu.send('contact 1 closed');
    await cu.waitFor(/event door-closed door 1/, mark);
    cu.send('status');
    await cu.waitFor(/door 1: locked, closed, lockdown/, mark);
    await vi.waitFor(() => expect(statuses.some((s) => s.readers[0]?.secure === true)).toBe(true), {
      timeout: 15_000,
      interval: 50,
    });
    expect(await cu.stop()).toBe(0);

    // Restarted without --enrol: the replica and lockdown are still there, before any sync.
    const again = start([]);
    await again.waitFor(/control unit 3 ready: 1 readers, revision 5/);
    again.send('status');
    await again.waitFor(/door 1: locked, closed, lockdown/);
    again.send('nonsense');
    await again.waitFor(/error: unknown command "nonsense"/);
    expect(await again.stop('SIGTERM')).toBe(0);
  });
});
