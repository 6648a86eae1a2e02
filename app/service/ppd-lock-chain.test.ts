import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeSerialPorts } from '../../native/serial-port.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { connect, makeCard, rulesOf } from '../../test/helpers/door-cards.js';
import { ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import type { OfflineLock, RoundSummary } from '../contract/methods/locks.js';
import type { DesfireCard } from '../desfire/index.js';
import { LockMemory } from '../lock/lock-memory.js';
import { OfflineLock as LockDoorSide } from '../lock/offline-lock.js';
import { LockPpdEnd } from '../lock/lock-ppd-end.js';
import { visitLock } from '../lock/lock-visit.js';
import type { SerialTransport } from '../ports/serial.js';
import { PpdDevice } from '../ppd/ppd-device.js';
import { PpdMemory } from '../ppd/ppd-memory.js';
import type { Caller } from '../rpc/context.js';
import { SerialRequester } from '../serial-link/transaction.js';
import { EventRepo } from '../store/event-repo.js';
import { cardContentFor } from './card-content.js';

// The whole offline chain with every part real: the Service's PPD methods over one pty pair to the
// PPD's device end, and the PPD's visit (app/lock/lock-visit.ts) over a second pty pair to a simulated
// offline lock (app/lock: its session, programming and memory). Nothing about the lock is made up here:
// what the Service imports is what the lock answered.

const DAY_MS = 86_400_000;
let f: ServiceFixture;
let admin: Caller;
let dir: string;
const ptys: PtyPair[] = [];
const ports: SerialTransport[] = [];
let device: PpdDevice;
let lock: LockMemory;
let lockEnd: LockPpdEnd;
let requester: SerialRequester;
let doorId = 0;
let userId = 0;
let cards: Record<string, { id: number; card: DesfireCard; uid: Buffer }> = {};

const must = async <T = Record<string, unknown>>(method: string, params: unknown) =>
  ok<T>(await f.call(method, params, { caller: admin }));
const ppdPath = () => ptys[0]!.paths[0];
const theLock = async () =>
  (await must<{ locks: OfflineLock[] }>('locks.list', {})).locks.find((l) => l.doorId === doorId)!;
const ppdEvents = () =>
  new EventRepo(f.site.db).list({ limit: 500 }).filter((e) => e.source.startsWith('PPD '));

/** A real card (the DESFire emulator) written with what the Service would encode for key `keyId`. */
async function cardFor(keyId: number, uid: Buffer): Promise<DesfireCard> {
  const { access, blacklist } = cardContentFor(f.site.db, keyId, f.now())!;
  const master = f.site.secrets.get('site.master')!.value;
  return (await makeCard(access, blacklist, { uid, master, siteId: f.site.siteId })).card;
}

/** The card presented at the lock's door. */
async function present(card: DesfireCard, uid: Buffer) {
  try {
    return await new LockDoorSide(lock).present(connect(card), uid);
  } finally {
    card.powerOff();
  }
}

/** A key issued and cancelled: one more blacklist entry. */
async function cancelAKey(uid: string): Promise<void> {
  const key = await must<{ id: number; version: number }>('keys.issue', { userId, uid });
  await must('keys.cancel', { id: key.id, version: key.version });
}

/** The technician walks to the lock: the PPD visits it with the task its round has for it. */
async function visit() {
  const round = device.memory.round!.round;
  const result = await visitLock(
    requester,
    (id) =>
      round.tasks.find((t) => t.doorId === id.doorId) ?? round.tasks.find((t) => t.authKeyVersion === 0),
    { now: () => f.now().getTime(), roundId: round.roundId },
  );
  device.recordVisit(result);
  return result;
}

beforeAll(async () => {
  f = await serviceFixture({ serial: nodeSerialPorts });
  admin = f.callerOf(f.admin.token)!;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-chain-'));
  for (let i = 0; i < 2; i++) ptys.push(await ptyPair());
  device = new PpdDevice({ memory: PpdMemory.open(path.join(dir, 'ppd.json'), { serial: 'PPD-CHAIN' }) });
  const ppdConsole = await nodeSerialPorts.open(ptys[0]!.paths[1], { baudRate: 115_200 });
  device.plug(ppdConsole);
  // The lock runs 50 ppm fast: about 30 s a week.
  lock = LockMemory.factory(path.join(dir, 'lock.json'), () => f.now().getTime(), {
    serial: 'LK-CHAIN',
    driftPpm: 50,
  });
  const lockPort = await nodeSerialPorts.open(ptys[1]!.paths[0], { baudRate: 115_200 });
  const ppdToLock = await nodeSerialPorts.open(ptys[1]!.paths[1], { baudRate: 115_200 });
  ports.push(lockPort, ppdToLock);
  lockEnd = new LockPpdEnd(lock, lockPort);
  requester = new SerialRequester(ppdToLock, { timeoutMs: 1000 });
  doorId = (await must<{ id: number }>('doors.create', { name: 'Vault', kind: 'offline' })).id;
  const always = await must<{ id: number }>('timePeriods.create', {
    name: 'Always',
    rules: rulesOf(() => [{ start: 0, end: 1440 }]),
  });
  const level = await must<{ id: number }>('accessLevels.create', {
    name: 'Vault staff',
    rights: [{ doorId, periodId: always.id }],
  });
  userId = (await must<{ id: number }>('users.create', { lastName: 'Keeper', accessLevelIds: [level.id] }))
    .id;
  await must('ppd.pair', { path: ppdPath() });
});

afterAll(async () => {
  requester?.close();
  lockEnd?.close();
  await device?.unplug();
  for (const p of ports) await p.close();
  for (const p of ptys) await p.close();
  await f?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('console → PPD → offline lock → PPD → console', () => {
  it('initialises a factory lock with the site keys and brings its state and audit trail back', async () => {
    await cancelAKey('04A1B2C3D4E5F6');
    // Two cards as the encoder wrote them: one live, one whose key is cancelled after it was written.
    const liveUid = Buffer.from('04C1C2C3C4C5C6', 'hex');
    const lostUid = Buffer.from('04D1D2D3D4D5D6', 'hex');
    const live = await must<{ id: number }>('keys.issue', {
      userId,
      uid: liveUid.toString('hex').toUpperCase(),
    });
    const lost = await must<{ id: number; version: number }>('keys.issue', {
      userId,
      uid: lostUid.toString('hex').toUpperCase(),
    });
    cards = { live: { id: live.id, card: await cardFor(live.id, liveUid), uid: liveUid } };
    cards.lost = { id: lost.id, card: await cardFor(lost.id, lostUid), uid: lostUid };
    await must('keys.cancel', { id: lost.id, version: lost.version });
    expect((await theLock()).needs).toEqual(['never-initialised']);
    const round = await must<RoundSummary>('ppd.loadRound', { path: ppdPath(), doorIds: [doorId] });
    f.advance(3_600_000);
    const result = await visit();
    expect(result).toMatchObject({ doorId, outcome: 'updated', error: null });
    expect(lock.state).toMatchObject({ doorId, keyVersion: 1 });

    const synced = await must<{ rounds: RoundSummary[]; imported: number }>('ppd.sync', { path: ppdPath() });
    expect(synced.imported).toBe(1);
    expect(synced.rounds[0]).toMatchObject({ roundId: round.roundId, state: 'synced' });
    const after = await theLock();
    expect(after).toMatchObject({
      serial: 'LK-CHAIN',
      keyVersion: 1,
      blacklistSeq: 2,
      blacklistSize: 2,
      currentBlacklistSeq: 2,
      needs: [],
      inRound: null,
    });
    expect(after.initialisedAt).not.toBeNull();
    expect(after.auditSeq).toBe(lock.state.audit.nextSeq - 1);
    expect(ppdEvents().map((e) => [e.kind, e.doorName, e.reason])).toEqual(
      expect.arrayContaining([['device', 'Vault', 'updated']]),
    );
  });

  it('a week later authenticates the lock with its own derived key, updates it and opens it in an emergency', async () => {
    // Meanwhile at the door, with the keys the PPD gave the lock: the live card opens, the cancelled one not.
    f.advance(DAY_MS);
    expect(await present(cards.live!.card, cards.live!.uid)).toMatchObject({ granted: true });
    expect(await present(cards.lost!.card, cards.lost!.uid)).toMatchObject({
      granted: false,
      reason: 'blacklisted',
    });
    f.advance(6 * DAY_MS);
    await cancelAKey('04A1B2C3D4E5F7');
    expect((await theLock()).needs).toEqual(['blacklist']);
    const seen = ppdEvents().length;
    const before = (await theLock()).auditSeq;
    await must<RoundSummary>('ppd.loadRound', {
      path: ppdPath(),
      doorIds: [doorId],
      emergency: { doorId, reason: 'lost master key' },
    });
    const task = device.memory.round!.round.tasks[0]!;
    expect(task.authKeyVersion).toBe(1);
    expect(task.update?.newLockKey).toBeUndefined();
    const result = await visit();
    // The lock proved the key the Service derived, applied the update and opened.
    expect(result.error).toBeNull();
    expect(['updated', 'emergency-opened']).toContain(result.outcome);
    expect(result.clockDriftSeconds).toBeGreaterThan(20);

    const synced = await must<{ imported: number }>('ppd.sync', { path: ppdPath() });
    expect(synced.imported).toBe(1);
    const after = await theLock();
    expect(after).toMatchObject({ blacklistSeq: 3, blacklistSize: 3, needs: [] });
    expect(after.clockDriftSeconds).toBe(result.clockDriftSeconds);
    expect(after.auditSeq).toBeGreaterThan(before);
    const fresh = ppdEvents().slice(0, ppdEvents().length - seen);
    expect(fresh.length).toBe(after.auditSeq - before);
    expect(fresh.map((e) => e.reason)).toEqual(expect.arrayContaining(['emergency-opened']));
    // The presentations, as access events at the door, naming the key and its holder.
    expect(
      fresh
        .filter((e) => e.kind.startsWith('access-'))
        .map((e) => [e.kind, e.credentialId, e.userId, e.reason, e.doorName]),
    ).toEqual(
      expect.arrayContaining([
        ['access-granted', cards.live!.id, userId, null, 'Vault'],
        ['access-denied', cards.lost!.id, userId, 'blacklisted', 'Vault'],
      ]),
    );
    // Synced again: nothing new.
    expect((await must<{ imported: number }>('ppd.sync', { path: ppdPath() })).imported).toBe(0);
    expect(ppdEvents()).toHaveLength(seen + fresh.length);
  });
});
