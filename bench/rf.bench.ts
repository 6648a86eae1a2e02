import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceStore } from '../app/devices/device-store.js';
import { SyncReply } from '../app/devices/protocol.js';
import { LockMemory } from '../app/lock/lock-memory.js';
import {
  accessOf,
  connect,
  DOOR,
  doorTables,
  LOCK_KEY,
  lockCardKeys,
  makeCard,
  TIME_ZONE,
} from '../app/lock/lock-test-kit.js';
import { silentLogger } from '../app/log.js';
import { RadioPort, RfAir, wireLimit } from '../app/rf/air.js';
import { CounterFile } from '../app/rf/frame-counters.js';
import { RfLock } from '../app/rf/rf-lock.js';
import { RfLockState } from '../app/rf/rf-lock-state.js';
import { RfNode } from '../app/rf/rf-node.js';
import { compared, median, type BenchResult } from './bench-result.js';

// RF locks (issue 10), through a real air (UDP on loopback, app/rf/air.ts) and the node's and the lock's
// real endpoints (CCM* level 6, frame counters persisted), transaction layer and device store:
// - frames per second through a node: one lock pushes a backlog of audit records (events messages of
//   20 records, fragmented into frames, acknowledged by seq) and the node stores them as events; every
//   frame both radios sent over the time it took, against what one 802.15.4 channel carries at
//   250 kbit/s for frames of the same average size (air.ts wireLimit). Above 1: the node keeps up with
//   a full channel (the radio, not the node, is the limit).
// - blacklist push: a key cancelled at the node (a sync brings the entry, the node reloads) until the
//   RF lock lists it, on an air paced at 250 kbit/s; then a presentation of the card is refused.

const NODE_EUI = '00124B0000000001';
const LOCK_EUI = '00124B00000000AA';
const JOIN_KEY = Buffer.alloc(16, 0x3c);
const RECORDS = 1_000;
const PUSHES = 7;
const PUSH_LIMIT_MS = 1_000;

function reply(revision: number, blacklist: SyncReply['blacklist']): SyncReply {
  return SyncReply.parse({
    revision,
    timeZone: TIME_ZONE,
    keys: { ...lockCardKeys(), update: 'bb'.repeat(16) },
    doors: [doorTables({}, 1)],
    readers: [],
    units: [],
    cards: { full: true, upsert: [], remove: [] },
    blacklist,
    rf: { networkKey: 'a1'.repeat(16), keyVersion: 1, panId: 0x1a2b },
    rfLocks: [
      {
        unitId: 7,
        doorId: DOOR,
        eui64: LOCK_EUI,
        lockKey: LOCK_KEY,
        joinKey: JOIN_KEY.toString('hex'),
        mobileKey: null,
      },
    ],
  });
}

async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench rf: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function site(airtime: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-rf-bench-'));
  const air = await RfAir.start({ airtime });
  const at = { host: '127.0.0.1', port: air.port };
  const store = DeviceStore.open(path.join(dir, 'unit'), randomBytes(32));
  store.applySync(reply(1, { full: true, entries: [], latestSeq: 0 }));
  const nodeRadio = await RadioPort.connect({ air: at, ext: NODE_EUI });
  const node = new RfNode({
    unitId: 7,
    store,
    radio: nodeRadio,
    eui64: NODE_EUI,
    counters: CounterFile.open(path.join(dir, 'node.counters')),
    log: silentLogger(),
    beaconMs: 50,
  });
  node.start();
  const memory = LockMemory.open(path.join(dir, 'lock.json'), Date.now);
  const rf = RfLockState.open(path.join(dir, 'lock.rf'), LOCK_EUI);
  rf.setJoinKey(JOIN_KEY);
  const lockRadio = await RadioPort.connect({ air: at, ext: LOCK_EUI });
  const lock = new RfLock({
    memory,
    rf,
    radio: lockRadio,
    counters: CounterFile.open(path.join(dir, 'lock.counters')),
    joinEveryMs: 50,
  });
  lock.start();
  await waitFor(
    () => memory.initialised && node.status()[0]?.revision === 1,
    'the lock to join and be set up',
  );
  await lock.pushEvents();
  const close = async () => {
    await lock.stop();
    node.stop();
    lockRadio.close();
    nodeRadio.close();
    store.close();
    await air.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { air, at, store, node, lock, memory, close };
}

async function framesPerSecond(): Promise<BenchResult> {
  const s = await site(false);
  try {
    const spy = await RadioPort.connect({ air: s.at, ext: '00124B00000000EE' });
    let frames = 0;
    let bytes = 0;
    spy.on('frame', (psdu) => {
      frames += 1;
      bytes += psdu.length;
    });
    // Stored, then pushed at once: a backlog such as a lock has after the node was away.
    for (let i = 0; i < RECORDS; i++) s.memory.audit({ event: 'granted', credentialId: 1_000 + i });
    const before = s.store.pendingCount();
    const started = performance.now();
    await s.lock.pushEvents();
    await waitFor(() => s.store.pendingCount() - before >= RECORDS, 'the records to be stored');
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 50));
    spy.close();
    const psdu = Math.round(bytes / frames);
    const limit = wireLimit(psdu);
    return compared(
      'rf.frames-per-second-through-node',
      'frames/s',
      frames / seconds,
      limit.framesPerSecond,
      1,
      `${RECORDS} lock audit records pushed as events messages (20 records each, fragmented, acknowledged by seq) ` +
        `from one RF lock to the RF node over a real air without airtime pacing, stored as unit events: ` +
        `${frames} frames both radios sent (average PSDU ${psdu} bytes) over ${seconds.toFixed(2)} s. Baseline: ` +
        `the frames one 802.15.4 channel carries per second at 250 kbit/s for ${psdu}-byte frames (${limit.counted})`,
    );
  } finally {
    await s.close();
  }
}

async function blacklistPush(): Promise<BenchResult> {
  const s = await site(true);
  try {
    const { card } = await makeCard(accessOf(5));
    const times: number[] = [];
    for (let i = 1; i <= PUSHES; i++) {
      const credentialId = i === PUSHES ? 5 : 10_000 + i;
      const entry = { seq: i, credentialId, expiresAt: Math.floor(Date.now() / 1000) + 86_400 };
      const started = performance.now();
      s.store.applySync(reply(1 + i, { full: false, entries: [entry], latestSeq: i }));
      s.node.reload();
      await waitFor(() => s.memory.blacklist.has(credentialId), 'the lock to list the key');
      times.push(performance.now() - started);
    }
    const outcome = await s.lock.present(connect(card), card.activation.uid);
    card.powerOff();
    if (outcome.granted || outcome.reason !== 'blacklisted')
      throw new Error(`bench rf: the cancelled card was ${outcome.granted ? 'granted' : outcome.reason}`);
    const ms = median(times);
    return {
      name: 'rf.blacklist-change-to-lock-refusing',
      value: Math.round(ms),
      unit: 'ms',
      limit: PUSH_LIMIT_MS,
      note:
        `a blacklist entry arriving at the control unit's replica (a sync) until the RF lock lists it (blacklist-add ` +
        `over the air paced at 250 kbit/s, CCM* level 6, acknowledged); median of ${PUSHES} changes ` +
        `(${times.map((t) => Math.round(t)).join(', ')} ms); after the last one the cancelled card is refused at the lock`,
    };
  } finally {
    await s.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [await framesPerSecond(), await blacklistPush()];
}
