import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlUnit } from '../../app/control-unit/control-unit.js';
import { DeviceStore } from '../../app/devices/device-store.js';
import { SyncReply } from '../../app/devices/protocol.js';
import { sampleCard } from '../../app/devices/test-support.js';
import {
  accessOf,
  doorTables,
  LOCK_KEY,
  lockCardKeys,
  makeCard,
  officeHours,
  TIME_ZONE,
} from '../../app/lock/lock-test-kit.js';
import { silentLogger } from '../../app/log.js';
import { CardShelf } from '../../app/ncoder/card-shelf.js';
import { RadioPort, RfAir } from '../../app/rf/air.js';
import { CounterFile } from '../../app/rf/frame-counters.js';
import { formatJoinCode } from '../../app/rf/rf-messages.js';
import { RfNode } from '../../app/rf/rf-node.js';
import { PasswordHasher } from '../../app/service/passwords.js';
import { startDevice, type DeviceProcess } from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';
import { until } from '../helpers/until.js';

/**
 * Issue 10, the device chain without the Service: a control unit (app-level, its encrypted store and
 * its RF node on a real radio) and an RF lock as a real process (`lintel sim rflock`), on a real air
 * (UDP on loopback). The lock joins with its join code, takes its configuration over the air, reports
 * each card as exactly one event of the unit (across restarts of the lock and of the unit), refuses a
 * key cancelled at the unit within a second, and opens on the console's command.
 *
 * The serve-level test (rf.locks.add → sim cu --rf-air → events in events.list) waits for the rf.*
 * methods.
 */

const UNIT = 7;
const DOOR = 1;
const LOCK_EUI = '00124B0001A2B3C4';
const JOIN_KEY = randomBytes(16);
const ADA = 5;

let root: string;
let cardsDir: string;
let air: RfAir;
let store: DeviceStore;
let unit: { cu: ControlUnit; radio: RadioPort } | undefined;
let lock: DeviceProcess | undefined;

function reply(revision: number, blacklist: SyncReply['blacklist']): SyncReply {
  return SyncReply.parse({
    revision,
    timeZone: TIME_ZONE,
    keys: { ...lockCardKeys(), update: 'bb'.repeat(16) },
    // Always open, whatever the time of day the test runs at.
    doors: [{ ...doorTables({}, revision), periods: officeHours(true) }],
    readers: [],
    units: [],
    cards: { full: true, upsert: [{ ...sampleCard(ADA, revision), userId: 42 }], remove: [] },
    blacklist,
    rf: { networkKey: randomBytes(16).toString('hex'), keyVersion: 1, panId: 0x2b1a },
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

async function startUnit(): Promise<void> {
  const radio = await RadioPort.connect({
    air: { host: '127.0.0.1', port: air.port },
    ext: '00124B0000000001',
  });
  const log = silentLogger();
  const rf = new RfNode({
    unitId: UNIT,
    store,
    radio,
    eui64: '00124B0000000001',
    counters: CounterFile.open(path.join(root, 'unit-rf-counters.json')),
    log,
    beaconMs: 200,
  });
  const cu = new ControlUnit({
    deviceId: UNIT,
    version: 'test',
    store,
    readers: [],
    log,
    pins: new PasswordHasher(),
    rf,
  });
  cu.start();
  unit = { cu, radio };
}

async function stopUnit(): Promise<void> {
  await unit?.cu.stop();
  unit?.radio.close();
  unit = undefined;
}

function startLock(join: boolean): DeviceProcess {
  const state = path.join(root, 'lock.json');
  return startDevice(
    [
      'sim',
      'rflock',
      '--state',
      state,
      '--air',
      `127.0.0.1:${air.port}`,
      '--eui',
      LOCK_EUI,
      '--cards',
      cardsDir,
      ...(join ? ['--join', formatJoinCode(JOIN_KEY)] : []),
    ],
    'lintel sim rflock',
  );
}

const rfEvents = () => store.pending(1000).filter((e) => e.detail.rfLock === LOCK_EUI);

beforeAll(async () => {
  root = tempDir('lintel-rf-locks-');
  cardsDir = path.join(root, 'cards');
  air = await RfAir.start();
  store = DeviceStore.open(path.join(root, 'unit'), randomBytes(32));
  store.applySync(reply(3, { full: true, entries: [], latestSeq: 0 }));
  const shelf = new CardShelf(cardsDir);
  const { card } = await makeCard(accessOf(ADA));
  shelf.save({ name: 'ada', card, saved: '' });
  await startUnit();
}, 60_000);

afterAll(async () => {
  await lock?.stop();
  await stopUnit();
  store?.close();
  await air?.close();
});

describe('RF locks: control unit and lock on a real air', () => {
  it('joins with its join code and takes its configuration over the air', async () => {
    lock = startLock(true);
    await lock.waitFor(/joined the RF network of node 00124B0000000001/);
    await lock.waitFor(/updated by the node: door 1, revision 3/);
    for (const f of ['lock.json', 'lock.json.rf', 'lock.json.counters'])
      expect(fs.statSync(path.join(root, f)).mode & 0o777).toBe(0o600);
    await until(() => unit!.cu.status().rfLocks[0]?.revision === 3, 'the unit to report the lock up to date');
    expect(unit!.cu.status().rfLocks[0]).toMatchObject({
      eui64: LOCK_EUI,
      doorId: DOOR,
      joined: true,
      battery: 100,
      blacklistSeq: 0,
    });
    expect(unit!.cu.status().rfLocks[0]!.lqi).toBeGreaterThan(0);
  }, 60_000);

  it('reports a card as one event of the unit', async () => {
    const from = lock!.stdout().length;
    lock!.send('present ada');
    await lock!.waitFor(/ada: granted, credential 5/, from);
    const event = await until(
      () => rfEvents().find((e) => e.kind === 'access-granted' && e.credentialId === ADA),
      'the granted event',
    );
    expect(event).toMatchObject({ origin: UNIT, doorId: DOOR, userId: 42 });
  }, 30_000);

  it('opens on the console’s command, proved under the lock’s key', async () => {
    const from = lock!.stdout().length;
    const result = await unit!.cu.commandAll({ command: 'open', doorIds: [DOOR], by: 'alice' });
    expect(result).toEqual({ applied: [DOOR], unreachable: [] });
    await lock!.waitFor(/OPENED remotely by alice/, from);
    await until(
      () => rfEvents().find((e) => e.kind === 'access-granted' && e.detail.note === 'remote open by alice'),
      'the remote open event',
    );
  }, 30_000);

  it('refuses a key cancelled at the unit within a second', async () => {
    const from = lock!.stdout().length;
    const started = Date.now();
    store.applySync({
      ...reply(4, {
        full: false,
        entries: [{ seq: 1, credentialId: ADA, expiresAt: 4_000_000_000 }],
        latestSeq: 1,
      }),
      doors: reply(3, { full: true, entries: [], latestSeq: 0 }).doors,
      rf: store.replica()!.rf,
    });
    unit!.cu.reload();
    await lock!.waitFor(/blacklist: 1 entries added by the node/, from, 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    lock!.send('present ada');
    await lock!.waitFor(/ada: denied \(blacklisted\)/, from);
    await until(
      () => rfEvents().find((e) => e.kind === 'access-denied' && e.reason === 'blacklisted'),
      'the denied event',
    );
  }, 30_000);

  it('loses and repeats nothing across restarts of the lock and of the unit', async () => {
    const before = rfEvents().length;
    await lock!.stop();
    await stopUnit();
    // Records made while the unit is away wait in the lock.
    lock = startLock(false);
    await lock.waitFor(/joined node 00124B0000000001/);
    lock.send('present ada');
    await lock.waitFor(/ada: denied \(blacklisted\)/);
    await startUnit();
    await until(() => rfEvents().length === before + 1, 'the record made while the unit was away');
    lock.send('battery 50');
    await until(() => unit!.cu.status().rfLocks[0]?.battery === 50, 'the battery report');
    const seqs = rfEvents().map((e) => e.detail.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  }, 60_000);
});
