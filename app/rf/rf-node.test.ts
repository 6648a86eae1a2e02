import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceStore } from '../devices/device-store.js';
import { SyncReply } from '../devices/protocol.js';
import type { DesfireCard } from '../desfire/index.js';
import { LockMemory } from '../lock/lock-memory.js';
import {
  accessOf,
  connect,
  DOOR,
  doorTables,
  LOCK_KEY,
  lockCardKeys,
  makeCard,
  TIME_ZONE,
  WED_11,
} from '../lock/lock-test-kit.js';
import { silentLogger } from '../log.js';
import { until } from '../../test/helpers/until.js';
import { RadioPort, RfAir } from './air.js';
import { CounterFile } from './frame-counters.js';
import { RfLock } from './rf-lock.js';
import { RfLockState, RfLockStateError } from './rf-lock-state.js';
import { connectBle } from '../mobile/ble-link.js';
import { newDeviceKey } from '../mobile/device-key.js';
import { groupKeyIdOf, wrapGroupKey } from '../mobile/group-key.js';
import { serveMobileOpenings } from '../mobile/mobile-openings.js';
import { cheapHasher, tokenFor } from '../mobile/mobile-test-kit.js';
import { openFromPhone } from '../mobile/opening.js';
import { RfRefusedError, type RfLink } from './rf-link.js';
import { openProof } from './rf-messages.js';
import { RfNode } from './rf-node.js';

/**
 * An RF node and an RF lock on a real air (UDP on loopback), the node in front of a real device store:
 * the join, the configuration push, events exactly once, blacklist deltas, remote opens and replays.
 */

const UNIT = 7;
const NODE_EUI = '00124B0000000001';
const LOCK_EUI = '00124B00000000AA';
const NETWORK_KEY = 'a1'.repeat(16);
const JOIN_KEY = Buffer.alloc(16, 0x3c);
const PAN = 0x1a2b;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-rf-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function reply(
  revision: number,
  blacklist: SyncReply['blacklist'] = { full: true, entries: [], latestSeq: 0 },
) {
  const k = lockCardKeys();
  return SyncReply.parse({
    revision,
    timeZone: TIME_ZONE,
    keys: { ...k, update: 'bb'.repeat(16) },
    doors: [doorTables({}, revision)],
    readers: [],
    units: [],
    cards: { full: true, upsert: [], remove: [] },
    blacklist,
    rf: { networkKey: NETWORK_KEY, keyVersion: 1, panId: PAN },
    rfLocks: [
      {
        unitId: UNIT,
        doorId: DOOR,
        eui64: LOCK_EUI,
        lockKey: LOCK_KEY,
        joinKey: JOIN_KEY.toString('hex'),
        mobileKey: null,
      },
    ],
  });
}

async function rig() {
  const dir = tempDir();
  const clock = { ms: WED_11 };
  const air = await RfAir.start();
  cleanup.push(() => air.close());
  const airAddress = { host: '127.0.0.1', port: air.port };
  const store = DeviceStore.open(path.join(dir, 'unit'), randomBytes(32));
  cleanup.push(() => store.close());
  store.applySync(reply(3));
  const nodeRadio = await RadioPort.connect({ air: airAddress, ext: NODE_EUI });
  cleanup.push(() => nodeRadio.close());
  const newNode = () => {
    const n = new RfNode({
      unitId: UNIT,
      store,
      radio: nodeRadio,
      eui64: NODE_EUI,
      counters: CounterFile.open(path.join(dir, 'node-counters.json')),
      log: silentLogger(),
      now: () => clock.ms,
      beaconMs: 100,
    });
    n.start();
    cleanup.push(() => n.stop());
    return n;
  };
  const node = newNode();

  const lockFiles = {
    memory: path.join(dir, 'lock.json'),
    rf: path.join(dir, 'lock.rf.json'),
    counters: path.join(dir, 'lock.counters.json'),
  };
  const startLock = async () => {
    const memory = LockMemory.open(lockFiles.memory, () => clock.ms);
    const rf = RfLockState.open(lockFiles.rf, LOCK_EUI);
    const radio = await RadioPort.connect({ air: airAddress, ext: LOCK_EUI });
    const lock = new RfLock({
      memory,
      rf,
      radio,
      counters: CounterFile.open(lockFiles.counters),
      joinEveryMs: 100,
    });
    lock.start();
    const stop = async () => {
      await lock.stop();
      radio.close();
    };
    cleanup.push(stop);
    return { lock, rf, stop };
  };
  return { dir, clock, air, airAddress, store, node, newNode, lockFiles, startLock };
}

async function present(lock: RfLock, card: DesfireCard) {
  const outcome = await lock.present(connect(card), card.activation.uid);
  card.powerOff();
  return outcome;
}

const events = (store: DeviceStore) => store.pending(1000);

describe('RF node and RF lock', () => {
  it('joins with the join code, takes its configuration, and reports each card once as an event', async () => {
    const r = await rig();
    const first = await r.startLock();
    first.rf.setJoinKey(JOIN_KEY);
    await until(() => first.lock.joined, 'the lock to join', 10_000);
    expect(fs.statSync(r.lockFiles.rf).mode & 0o777).toBe(0o600);
    expect(first.rf.state.joinKey).toBeNull();
    await until(() => first.lock.memory.initialised, 'the configuration push', 10_000);
    expect(first.lock.memory.state).toMatchObject({ doorId: DOOR, revision: 3, keyVersion: 1 });
    await until(() => r.node.status()[0]?.revision === 3, 'the node to know the lock is up to date');
    expect(r.node.status()[0]).toMatchObject({ eui64: LOCK_EUI, doorId: DOOR, joined: true, revision: 3 });

    const { card } = await makeCard(accessOf(5));
    expect(await present(first.lock, card)).toMatchObject({ granted: true, credentialId: 5 });
    const granted = await until(
      () => events(r.store).find((e) => e.kind === 'access-granted' && e.credentialId === 5),
      'the granted event',
    );
    expect(granted).toMatchObject({ origin: UNIT, doorId: DOOR, detail: { rfLock: LOCK_EUI } });

    // A restart of the lock sends nothing twice; a new record after it arrives once.
    await first.stop();
    const second = await r.startLock();
    expect(second.lock.joined).toBe(true);
    expect(await present(second.lock, card)).toMatchObject({ granted: true });
    await until(
      () => events(r.store).filter((e) => e.kind === 'access-granted').length === 2,
      'the second granted event',
    );
    await second.lock.pushEvents();
    const seqs = events(r.store)
      .filter((e) => e.detail.rfLock === LOCK_EUI)
      .map((e) => e.detail.seq as number);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('refuses a card cancelled at the node within moments, through a blacklist delta', async () => {
    const r = await rig();
    const { lock, rf } = await r.startLock();
    rf.setJoinKey(JOIN_KEY);
    await until(() => lock.memory.initialised && r.node.status()[0]?.revision === 3, 'the lock to be set up');
    const { card } = await makeCard(accessOf(9));
    expect(await present(lock, card)).toMatchObject({ granted: true });
    const expiresAt = WED_11 / 1000 + 86_400 * 365;
    r.store.applySync({
      ...reply(4, { full: false, entries: [{ seq: 1, credentialId: 9, expiresAt }], latestSeq: 1 }),
      doors: [doorTables({}, 3)],
    });
    r.node.reload();
    await until(() => lock.memory.blacklist.has(9), 'the blacklist delta');
    expect(await present(lock, card)).toMatchObject({ granted: false, reason: 'blacklisted' });
    await until(
      () => events(r.store).find((e) => e.kind === 'access-denied' && e.reason === 'blacklisted'),
      'the denied event',
    );
  });

  it('after a restart of the node, asks a lock it has not heard yet and pushes a cancelled key at once', async () => {
    const r = await rig();
    const { lock, rf } = await r.startLock();
    rf.setJoinKey(JOIN_KEY);
    await until(() => lock.memory.initialised && r.node.status()[0]?.revision === 3, 'the lock to be set up');
    r.node.stop();
    const expiresAt = WED_11 / 1000 + 86_400 * 365;
    r.store.applySync({
      ...reply(4, { full: false, entries: [{ seq: 1, credentialId: 9, expiresAt }], latestSeq: 1 }),
      doors: [doorTables({}, 3)],
    });
    const node = r.newNode();
    // The lock reports only every 30 s: what comes now comes from the node asking.
    await until(() => lock.memory.blacklist.has(9), 'the blacklist delta', 5_000);
    expect(node.status()[0]).toMatchObject({ joined: true, blacklistSeq: 1 });
  });

  it('opens remotely once per challenge, never with a replayed or late one', async () => {
    const r = await rig();
    const { lock, rf } = await r.startLock();
    rf.setJoinKey(JOIN_KEY);
    await until(() => lock.memory.initialised, 'the lock to be set up');
    await r.node.open(DOOR, 'alice');
    expect(lock.memory.state.audit.records.at(-1)).toMatchObject({
      event: 'granted',
      detail: 'remote open by alice',
    });

    // The same nonce twice: the second is refused, and recorded.
    const link = (r.node as unknown as { link: RfLink }).link;
    const { nonce } = await link.ask(LOCK_EUI, { type: 'open-challenge' }, 'open-challenge');
    const proof = openProof(Buffer.from(LOCK_KEY, 'hex'), Buffer.from(LOCK_EUI, 'hex'), DOOR, nonce);
    await link.ask(LOCK_EUI, { type: 'open', nonce, proof, by: 'bob' }, 'open');
    await expect(
      link.ask(LOCK_EUI, { type: 'open', nonce, proof, by: 'bob' }, 'open'),
    ).rejects.toBeInstanceOf(RfRefusedError);
    expect(lock.memory.state.audit.records.at(-1)).toMatchObject({ event: 'denied' });
    expect(lock.memory.state.audit.records.at(-1)?.detail).toMatch(/no such challenge/);

    // A wrong proof (another lock's key) and a late one (after 10 s) are refused too.
    const late = await link.ask(LOCK_EUI, { type: 'open-challenge' }, 'open-challenge');
    r.clock.ms += 11_000;
    const lateProof = openProof(Buffer.from(LOCK_KEY, 'hex'), Buffer.from(LOCK_EUI, 'hex'), DOOR, late.nonce);
    await expect(
      link.ask(LOCK_EUI, { type: 'open', nonce: late.nonce, proof: lateProof, by: 'eve' }, 'open'),
    ).rejects.toMatchObject({ code: 'EXPIRED' });
    const forged = await link.ask(LOCK_EUI, { type: 'open-challenge' }, 'open-challenge');
    const wrong = openProof(Buffer.alloc(16, 9), Buffer.from(LOCK_EUI, 'hex'), DOOR, forged.nonce);
    await expect(
      link.ask(LOCK_EUI, { type: 'open', nonce: forged.nonce, proof: wrong, by: 'eve' }, 'open'),
    ).rejects.toMatchObject({ code: 'FAILED' });
    const refusals = lock.memory.state.audit.records.filter((x) =>
      x.detail?.startsWith('remote open refused'),
    );
    expect(refusals).toHaveLength(3);
  });

  it('refuses replayed radio frames and counts them, changing nothing', async () => {
    const r = await rig();
    const { lock, rf } = await r.startLock();
    rf.setJoinKey(JOIN_KEY);
    await until(() => lock.memory.initialised && r.node.status()[0]?.revision === 3, 'the lock to be set up');
    const spy = await RadioPort.connect({ air: r.airAddress, ext: '00124B00000000EE' });
    cleanup.push(() => spy.close());
    const heard: Buffer[] = [];
    spy.on('frame', (psdu) => heard.push(psdu));
    const { card } = await makeCard(accessOf(5));
    await present(lock, card);
    await until(() => events(r.store).some((e) => e.kind === 'access-granted'), 'the event');
    const before = events(r.store).length;
    const replayed = r.node.refusedCounts()['rf-replay'] ?? 0;
    for (const psdu of heard) spy.send(psdu);
    await until(() => (r.node.refusedCounts()['rf-replay'] ?? 0) > replayed, 'the replays to be refused');
    expect(events(r.store)).toHaveLength(before);
  });

  it('gives a lock the mobile group key wrapped for its public key, and a phone opens it', async () => {
    const r = await rig();
    const { lock, rf } = await r.startLock();
    rf.setJoinKey(JOIN_KEY);
    await until(() => lock.memory.initialised && r.node.status()[0]?.publicKey, 'the lock to report its key');
    const publicKey = Buffer.from(r.node.status()[0]!.publicKey!, 'hex');
    const groupKey = randomBytes(32);
    const groupKeyId = groupKeyIdOf(groupKey).toString('hex');
    const base = reply(3);
    r.store.applySync({
      ...base,
      rfLocks: base.rfLocks!.map((l) => ({
        ...l,
        mobileKey: { groupKeyId, wrapped: wrapGroupKey(groupKey, publicKey).toString('hex') },
      })),
    });
    r.node.reload();
    await until(() => lock.memory.mobileKey(), 'the lock to hold the group key');
    expect(lock.memory.mobileKey()!.groupKey).toEqual(groupKey);

    // A phone opens it over the BLE-like link; the record reaches the unit as an event.
    const phones = await serveMobileOpenings({
      port: 0,
      lock: lock.lock,
      pins: cheapHasher,
      now: () => r.clock.ms,
      onOutcome: () => void lock.pushEvents(),
    });
    cleanup.push(() => phones.close());
    const deviceKey = newDeviceKey();
    const token = tokenFor(groupKey, deviceKey);
    const conn = await connectBle('127.0.0.1', phones.port);
    const opened = await openFromPhone(conn, { deviceKey, pick: () => token });
    conn.close();
    expect(opened).toMatchObject({ granted: true });
    await until(
      () => events(r.store).find((e) => e.kind === 'access-granted' && e.credentialId === 42),
      'the phone opening as an event',
    );
  });
});

describe('RfLockState', () => {
  it('keeps its file private, refuses another lock’s file and a damaged one', () => {
    const file = path.join(tempDir(), 'lock.rf');
    const s = RfLockState.open(file, LOCK_EUI);
    s.setJoinKey(JOIN_KEY);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(RfLockState.open(file).state).toMatchObject({
      eui64: LOCK_EUI,
      joinKey: JOIN_KEY.toString('hex'),
    });
    expect(() => RfLockState.open(file, '00124B00000000AB')).toThrow(/belongs to the lock 00124B00000000AA/);
    fs.writeFileSync(file, '{"format":1}');
    expect(() => RfLockState.open(file)).toThrow(RfLockStateError);
    expect(RfLockState.open(undefined).eui64).toMatch(/^[0-9A-F]{16}$/);
  });
});
