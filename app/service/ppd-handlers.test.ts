import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeSerialPorts } from '../../native/serial-port.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import type { OfflineLock, PpdStatus, RoundSummary } from '../contract/methods/locks.js';
import type { Caller } from '../rpc/context.js';
import type { SerialPorts, SerialTransport } from '../ports/serial.js';
import { PpdDevice } from '../ppd/ppd-device.js';
import { PpdHost } from '../ppd/ppd-host.js';
import { PpdMemory } from '../ppd/ppd-memory.js';
import { FACTORY_LOCK_KEY, type LockTask, type VisitResult } from '../ppd/round.js';
import { EventRepo } from '../store/event-repo.js';
import { roundSecret } from '../store/lock-repo.js';
import type { LiveEvent } from './event-bus.js';
import { lockKey } from './lock-keys.js';

// The PPD methods against the PPD's real device end (app/ppd) over a real pty pair (socat) under
// serialport: the Service opens the port per call as it would a USB-serial cable. The PPD's visits to
// locks are recorded in its memory as a lock would answer (the lock simulator is not used here).

const dirs: string[] = [];
let f: ServiceFixture;
let admin: Caller;
let pty: PtyPair;
let device: PpdDevice;
let stateFile: string;
/** Set to cut the Service's end of the cable after that many more writes. */
let cutAfterWrites: number | undefined;
let writes = 0;
let bytesWritten = 0;

/** The real serial ports, counting the Service's writes, and able to pull the cable after N of them. */
const ports: SerialPorts = {
  list: () => nodeSerialPorts.list(),
  async open(p, o) {
    const t = await nodeSerialPorts.open(p, o);
    const cut: SerialTransport = {
      write: async (bytes) => {
        writes++;
        bytesWritten += bytes.length;
        if (cutAfterWrites !== undefined && cutAfterWrites-- <= 0) {
          cutAfterWrites = undefined;
          await t.close();
        }
        await t.write(bytes);
      },
      onData: (cb) => t.onData(cb),
      onClose: (cb) => t.onClose(cb),
      close: () => t.close(),
    };
    return cut;
  },
};

const call = (method: string, params: unknown, caller: Caller = admin) => f.call(method, params, { caller });
const must = async <T = Record<string, unknown>>(method: string, params: unknown, caller: Caller = admin) =>
  ok<T>(await call(method, params, caller));
const locks = async () => (await must<{ locks: OfflineLock[] }>('locks.list', {})).locks;
const ppdPath = () => pty.paths[0];

async function plugPpd(file: string, serial = 'PPD-0001'): Promise<PpdDevice> {
  await device?.unplug();
  device = new PpdDevice({ memory: PpdMemory.open(file, { serial }) });
  device.plug(await nodeSerialPorts.open(pty.paths[1], { baudRate: 115_200 }));
  return device;
}

/** The operation.progress events the admin's session receives until stopped. */
function watchProgress() {
  const events: { stage: string; done: number; total: number }[] = [];
  const stop = f.service.events.subscribe(
    () => ({ permissions: admin.permissions, sessionHash: admin.sessionHash, grants: admin.grants }),
    (e: LiveEvent) => {
      if (e.topic === 'operation.progress') events.push(e.payload as (typeof events)[number]);
    },
  );
  return { events, stop };
}

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-ppd-svc-'));
  dirs.push(dir);
  return path.join(dir, 'ppd.json');
}

/** What a lock answers after a visit that applied its task (as app/lock would report it). */
function visited(roundId: string, task: LockTask, at: number, audit: VisitResult['audit'] = []): VisitResult {
  const u = task.update;
  return {
    roundId,
    doorId: task.doorId,
    visitedAt: at,
    outcome: 'updated',
    error: null,
    lock: {
      serial: `LOCK-${task.doorId}`,
      firmware: '1.0.0',
      doorId: task.doorId,
      keyVersion: u?.newLockKey?.version ?? task.authKeyVersion,
      revision: u?.revision ?? 0,
      blacklistSeq: u?.blacklist.latestSeq ?? 0,
      blacklistSize: u?.blacklist.entries.length ?? 0,
      blacklistCapacity: 2000,
      battery: 90,
      clock: at,
      auditSeq: audit.at(-1)?.seq ?? 0,
    },
    clockDriftSeconds: 3,
    audit,
  };
}

let doorA = 0;
let doorB = 0;
/** The many offline doors of the resume and cancel tests. */
const ids: number[] = [];
let onlineDoor = 0;

beforeAll(async () => {
  f = await serviceFixture({ serial: ports });
  admin = f.callerOf(f.admin.token)!;
  pty = await ptyPair();
  stateFile = tempFile();
  await plugPpd(stateFile);
  doorA = (await must<{ id: number }>('doors.create', { name: 'Store room', kind: 'offline' })).id;
  doorB = (await must<{ id: number }>('doors.create', { name: 'Archive', kind: 'offline' })).id;
  onlineDoor = (await must<{ id: number }>('doors.create', { name: 'Lobby', kind: 'online' })).id;
});

afterAll(async () => {
  await device?.unplug();
  await pty?.close();
  await f?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the PPD methods', () => {
  it('lists the offline locks, none initialised', async () => {
    const all = await locks();
    expect(all.map((l) => [l.doorName, l.needs])).toEqual([
      ['Archive', ['never-initialised']],
      ['Store room', ['never-initialised']],
    ]);
    expect(all[0]).toMatchObject({ serial: null, keyVersion: 0, auditSeq: 0, inRound: null });
  });

  it('reports an unpaired PPD, pairs it, and refuses to pair it twice', async () => {
    const before = await must<PpdStatus>('ppd.status', { path: ppdPath() });
    expect(before).toMatchObject({ serial: 'PPD-0001', paired: 'unpaired', round: null, resultsPending: 0 });
    expect(failure(await call('ppd.loadRound', { path: ppdPath(), doorIds: [doorA] }))).toMatchObject({
      data: { name: 'UNAVAILABLE', reason: 'unpaired' },
    });
    const paired = await must<PpdStatus>('ppd.pair', { path: ppdPath() });
    expect(paired).toMatchObject({ paired: 'this-site', round: null });
    expect(device.memory.pairing).not.toBeNull();
    expect(failure(await call('ppd.pair', { path: ppdPath() }))).toMatchObject({
      data: { name: 'CONFLICT' },
    });
    const audit = await must<{ entries: { action: string; target: string }[] }>('audit.list', { limit: 5 });
    expect(audit.entries.some((e) => e.action === 'ppd.pair' && e.target === 'ppd:PPD-0001')).toBe(true);
  });

  it('refuses doors that are not offline, and an emergency without ppd:emergency', async () => {
    expect(failure(await call('ppd.loadRound', { path: ppdPath(), doorIds: [onlineDoor] }))).toMatchObject({
      data: { name: 'NOT_FOUND' },
    });
    const role = await must<{ id: number }>('roles.create', {
      name: 'PPD technician',
      permissions: ['doors:read', 'ppd:use'],
    });
    await f.addOperator('tech', [role.id]);
    const tech = (await f.login('tech')).caller;
    expect(
      failure(
        await call(
          'ppd.loadRound',
          { path: ppdPath(), doorIds: [doorA], emergency: { doorId: doorA, reason: 'fire' } },
          tech,
        ),
      ),
    ).toMatchObject({ data: { name: 'FORBIDDEN', permission: 'ppd:emergency' } });
    expect(device.memory.round).toBeNull();
  });

  let round: RoundSummary;

  it('loads a round with progress: factory keys, new lock keys, the whole blacklist', async () => {
    const progress: number[] = [];
    const stop = f.service.events.subscribe(
      () => ({ permissions: admin.permissions, sessionHash: admin.sessionHash, grants: admin.grants }),
      (e: LiveEvent) => {
        if (e.topic === 'operation.progress') progress.push((e.payload as { done: number }).done);
      },
    );
    try {
      round = await must<RoundSummary>('ppd.loadRound', {
        path: ppdPath(),
        doorIds: [doorA, doorB],
        emergency: { doorId: doorB, reason: 'lost keys' },
        operationId: randomUUID(),
      });
    } finally {
      stop();
    }
    expect(round).toMatchObject({
      ppdSerial: 'PPD-0001',
      doorIds: [doorA, doorB],
      emergencyDoorId: doorB,
      state: 'loaded',
      visits: [],
    });
    expect(progress.length).toBeGreaterThan(1);
    const carried = device.memory.round!.round;
    expect(carried.roundId).toBe(round.roundId);
    expect(carried.siteId).toBe(f.site.siteId);
    const [a, b] = carried.tasks;
    expect(a).toMatchObject({
      doorId: doorA,
      doorName: 'Store room',
      authKey: FACTORY_LOCK_KEY,
      authKeyVersion: 0,
    });
    const master = f.site.secrets.get('site.master')!.value;
    expect(a!.update!.newLockKey).toEqual({
      key: lockKey(master, f.site.siteId, doorA, 1).toString('hex'),
      version: 1,
    });
    expect(a!.update!.cardKeys?.siteId).toBe(f.site.siteId);
    expect(a!.emergency).toBeUndefined();
    expect(b!.emergency).toMatchObject({ reason: 'lost keys', operatorName: 'admin' });
    // Loaded whole: the sealed bytes are no longer kept.
    expect(f.site.secrets.get(roundSecret(round.roundId))).toBeUndefined();
    expect((await locks()).map((l) => l.inRound)).toEqual([round.roundId, round.roundId]);
    const audit = await must<{ entries: { action: string; target: string }[] }>('audit.list', { limit: 10 });
    expect(audit.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['ppd.emergency', 'ppd.loadRound']),
    );
  });

  it('syncs the visits: lock state, audit records as events, each once; then the PPD forgets them', async () => {
    const tasks = device.memory.round!.round.tasks;
    const at = Math.floor(f.now().getTime() / 1000) + 600;
    device.recordVisit(
      visited(round.roundId, tasks[0]!, at, [
        { seq: 1, at: at - 30, event: 'updated', credentialId: null, reason: null, detail: null },
        { seq: 2, at: at - 20, event: 'denied', credentialId: 77, reason: 'blacklisted', detail: null },
      ]),
    );
    expect(failure(await call('ppd.loadRound', { path: ppdPath(), doorIds: [doorA] }))).toMatchObject({
      data: { name: 'CONFLICT', reason: 'results-pending' },
      message: expect.stringMatching(/sync the PPD first/),
    });
    const first = await must<{ rounds: RoundSummary[]; imported: number }>('ppd.sync', { path: ppdPath() });
    expect(first.imported).toBe(1);
    expect(first.rounds[0]).toMatchObject({ roundId: round.roundId, state: 'loaded' });
    expect(first.rounds[0]!.visits).toMatchObject([{ doorId: doorA, outcome: 'updated', auditImported: 2 }]);
    expect(device.memory.results).toHaveLength(0);
    const events = new EventRepo(f.site.db).list({ limit: 50 }).filter((e) => e.source === 'PPD PPD-0001');
    expect(events.map((e) => [e.kind, e.doorName, e.reason])).toEqual(
      expect.arrayContaining([
        ['device', 'Store room', 'updated'],
        ['access-denied', 'Store room', 'blacklisted'],
      ]),
    );
    const a = (await locks()).find((l) => l.doorId === doorA)!;
    expect(a).toMatchObject({
      serial: `LOCK-${doorA}`,
      keyVersion: 1,
      auditSeq: 2,
      needs: [],
      inRound: null,
    });

    // The second lock; its visit repeats none of the first's records. Then a sync with nothing new.
    device.recordVisit(visited(round.roundId, tasks[1]!, at + 60));
    const second = await must<{ rounds: RoundSummary[]; imported: number }>('ppd.sync', { path: ppdPath() });
    expect(second.imported).toBe(1);
    expect(second.rounds.find((r) => r.roundId === round.roundId)?.state).toBe('synced');
    const third = await must<{ rounds: RoundSummary[]; imported: number }>('ppd.sync', { path: ppdPath() });
    expect(third.imported).toBe(0);
    const history = await must<{ rounds: RoundSummary[] }>('ppd.rounds', { limit: 5 });
    expect(history.rounds[0]).toMatchObject({ roundId: round.roundId, state: 'synced' });
    expect(history.rounds[0]!.visits).toHaveLength(2);

    // A change elsewhere moves the revision but not this lock's configuration; a change of its door does.
    await must('zones.create', { name: 'Elsewhere' });
    expect((await locks()).find((l) => l.doorId === doorA)!.needs).toEqual([]);
    const door = await must<{ version: number }>('doors.get', { id: doorA });
    await must('doors.update', { id: doorA, version: door.version, openSeconds: 9 });
    const changed = (await locks()).find((l) => l.doorId === doorA)!;
    expect(changed.needs).toEqual(['configuration']);
    expect(changed.currentRevision).toBeGreaterThan(changed.revision);
  });

  it('imports nothing from a PPD pulled mid-read, and everything at the next sync', async () => {
    const tasks = device.memory.round!.round.tasks;
    const at = Math.floor(f.now().getTime() / 1000) + 3600;
    const audit = Array.from({ length: 400 }, (_, i) => ({
      seq: 3 + i,
      at: at - 400 + i,
      event: 'granted' as const,
      credentialId: 1000 + i,
      reason: null,
      detail: `record ${i} ${randomBytes(40).toString('hex')}`,
    }));
    device.recordVisit({ ...visited(round.roundId, tasks[0]!, at, audit), outcome: 'collected' });
    const before = new EventRepo(f.site.db).list({ limit: 1000 }).length;
    // A status call measures how many writes the handshake takes; the sync is cut two writes after it.
    writes = 0;
    await must('ppd.status', { path: ppdPath() });
    const handshake = writes - 2;
    cutAfterWrites = handshake + 1;
    const progress = watchProgress();
    const cut = failure(await call('ppd.sync', { path: ppdPath(), operationId: randomUUID() }));
    progress.stop();
    expect(cut.data).toMatchObject({ name: 'UNAVAILABLE', reason: 'unplugged' });
    // Cut while reading: part of the results had come (one chunk), not all of them.
    expect(progress.events.length).toBeGreaterThan(0);
    expect(progress.events.every((e) => e.stage === 'reading' && e.done < e.total)).toBe(true);
    expect(new EventRepo(f.site.db).list({ limit: 1000 })).toHaveLength(before);
    expect(device.memory.results).toHaveLength(1);
    const again = await must<{ imported: number }>('ppd.sync', { path: ppdPath() });
    expect(again.imported).toBe(1);
    expect(new EventRepo(f.site.db).list({ limit: 1000 })).toHaveLength(before + 400);
    expect((await locks()).find((l) => l.doorId === doorA)!.auditSeq).toBe(402);
  });

  it('resumes a load cut short with the same bytes, from where the PPD stopped', async () => {
    // Enough doors that the round takes many chunks (each carries its own random keys).
    for (let i = 0; i < 300; i++)
      ids.push((await must<{ id: number }>('doors.create', { name: `Office ${i}`, kind: 'offline' })).id);
    writes = 0;
    await must('ppd.status', { path: ppdPath() });
    cutAfterWrites = writes - 2 + 2 + 2; // the handshake, STATE, BEGIN, two chunks
    const cut = failure(await call('ppd.loadRound', { path: ppdPath(), doorIds: ids }));
    expect(cut.data).toMatchObject({ name: 'UNAVAILABLE', reason: 'unplugged' });
    const status = await must<PpdStatus>('ppd.status', { path: ppdPath() });
    expect(status.round!.loadedBytes).toBeGreaterThan(0);
    expect(status.round!.loadedBytes).toBeLessThan(status.round!.totalBytes);
    const cutRound = status.round!.roundId;
    expect(f.site.secrets.get(roundSecret(cutRound))).toBeDefined();

    bytesWritten = 0;
    const resumed = await must<RoundSummary>('ppd.loadRound', {
      path: ppdPath(),
      doorIds: [...ids].reverse(),
    });
    expect(resumed.roundId).toBe(cutRound);
    expect(resumed.state).toBe('loaded');
    // Only the rest travelled: everything the Service wrote (handshake and framing included) is less
    // than the round, which a load from the start would have sent whole.
    expect(bytesWritten).toBeLessThan(status.round!.totalBytes);
    expect(device.memory.round!.round.tasks).toHaveLength(300);
    // The earlier round (synced) is untouched; a later change makes a new round rather than resuming.
    const history = await must<{ rounds: RoundSummary[] }>('ppd.rounds', { limit: 5 });
    expect(history.rounds.map((r) => r.state)).toEqual(['loaded', 'synced']);
  });

  it('cancels a load until the PPD commits it; the same call then resumes it', async () => {
    const carried = device.memory.round!.round.roundId;
    const operationId = randomUUID();
    const stop = f.service.events.subscribe(
      () => ({ permissions: admin.permissions, sessionHash: admin.sessionHash, grants: admin.grants }),
      (e: LiveEvent) => {
        const p = e.payload as { operationId: string; done: number };
        // Cancelled as the load starts (progress is reported at most every 100 ms: a pty is faster).
        if (e.topic === 'operation.progress' && p.operationId === operationId)
          f.service.operations.cancel(
            { caller: admin, source: 'test', address: 'test', revealToken: false },
            operationId,
          );
      },
    );
    let cancelled;
    try {
      cancelled = failure(
        await call('ppd.loadRound', { path: ppdPath(), doorIds: [doorA, ...ids], operationId }),
      );
    } finally {
      stop();
    }
    expect(cancelled.data).toMatchObject({ name: 'CANCELLED' });
    // The PPD still carries the round it had; the cancelled one waits, sealed, to be resumed.
    expect(device.memory.round!.round.roundId).toBe(carried);
    const waiting = (await must<{ rounds: RoundSummary[] }>('ppd.rounds', { limit: 1 })).rounds[0]!;
    expect(waiting.state).toBe('loading');
    expect(f.site.secrets.get(roundSecret(waiting.roundId))).toBeDefined();
    const done = await must<RoundSummary>('ppd.loadRound', { path: ppdPath(), doorIds: [doorA, ...ids] });
    expect(done).toMatchObject({ roundId: waiting.roundId, state: 'loaded' });
    const states = (await must<{ rounds: RoundSummary[] }>('ppd.rounds', { limit: 3 })).rounds.map(
      (r) => r.state,
    );
    expect(states).toEqual(['loaded', 'replaced', 'synced']);
  });

  it('builds a new round instead of resuming when the site changed since the cut', async () => {
    const operationId = randomUUID();
    const stop = f.service.events.subscribe(
      () => ({ permissions: admin.permissions, sessionHash: admin.sessionHash, grants: admin.grants }),
      (e: LiveEvent) => {
        if (
          e.topic === 'operation.progress' &&
          (e.payload as { operationId: string }).operationId === operationId
        )
          f.service.operations.cancel(
            { caller: admin, source: 'test', address: 'test', revealToken: false },
            operationId,
          );
      },
    );
    try {
      expect(
        failure(await call('ppd.loadRound', { path: ppdPath(), doorIds: ids, operationId })).data,
      ).toMatchObject({
        name: 'CANCELLED',
      });
    } finally {
      stop();
    }
    const waiting = (await must<{ rounds: RoundSummary[] }>('ppd.rounds', { limit: 1 })).rounds[0]!;
    expect(waiting.state).toBe('loading');
    await must('zones.create', { name: 'Annex' });
    const fresh = await must<RoundSummary>('ppd.loadRound', { path: ppdPath(), doorIds: ids });
    expect(fresh.roundId).not.toBe(waiting.roundId);
    expect(device.memory.round!.round.roundId).toBe(fresh.roundId);
    expect(f.site.secrets.get(roundSecret(waiting.roundId))).toBeUndefined();
    const states = (await must<{ rounds: RoundSummary[] }>('ppd.rounds', { limit: 3 })).rounds.map(
      (r) => r.state,
    );
    expect(states).toEqual(['loaded', 'replaced', 'replaced']);
  });

  it('tells a PPD of another site apart, and changes nothing in it', async () => {
    const other = tempFile();
    await plugPpd(other, 'PPD-OTHER');
    // Paired by another site (another tag and key).
    const host = await PpdHost.open(nodeSerialPorts, ppdPath());
    await host.pair(Buffer.alloc(16, 9), Buffer.alloc(16, 8));
    await host.close();
    const status = await must<PpdStatus>('ppd.status', { path: ppdPath() });
    expect(status).toMatchObject({ serial: 'PPD-OTHER', paired: 'other-site', round: null });
    for (const [method, params] of [
      ['ppd.loadRound', { path: ppdPath(), doorIds: [doorA] }],
      ['ppd.sync', { path: ppdPath() }],
      ['ppd.pair', { path: ppdPath() }],
    ] as const)
      expect(failure(await call(method, params))).toMatchObject({
        data: { name: 'UNAVAILABLE', reason: 'other-site' },
        message: expect.stringMatching(/reset it/),
      });
    expect(device.memory.round).toBeNull();
    await plugPpd(stateFile);
  });

  it('shows a partitioned operator only the locks of their doors, and loads only those', async () => {
    const role = await must<{ id: number }>('roles.create', {
      name: 'Store technician',
      permissions: ['doors:read', 'ppd:use'],
      partition: { zoneIds: [], doorIds: [doorA] },
    });
    await f.addOperator('store-tech', [role.id]);
    const tech = (await f.login('store-tech')).caller;
    const seen = await must<{ locks: OfflineLock[] }>('locks.list', {}, tech);
    expect(seen.locks.map((l) => l.doorId)).toEqual([doorA]);
    // A door they cannot see is not there for them.
    expect(
      failure(await call('ppd.loadRound', { path: ppdPath(), doorIds: [doorA, doorB] }, tech)),
    ).toMatchObject({
      data: { name: 'NOT_FOUND' },
    });
  });

  it('says when nothing answers on the port', async () => {
    expect(failure(await call('ppd.status', { path: '/dev/lintel-no-such-port' }))).toMatchObject({
      data: { name: 'UNAVAILABLE', reason: 'unplugged' },
    });
  });
});

describe('a Service without serial ports (--no-serial)', () => {
  it('lists no ports and says how to get the PPD methods back', async () => {
    const g = await serviceFixture();
    try {
      const caller = g.callerOf(g.admin.token)!;
      expect(ok(await g.call('ppd.ports', {}, { caller }))).toEqual({ ports: [] });
      expect(failure(await g.call('ppd.status', { path: '/dev/ttyUSB0' }, { caller }))).toMatchObject({
        data: { name: 'UNAVAILABLE', reason: 'no-serial' },
        message: expect.stringMatching(/--no-serial/),
      });
      // locks.list needs no PPD.
      expect(ok(await g.call('locks.list', {}, { caller }))).toEqual({ locks: [] });
    } finally {
      await g.close();
    }
  });
});
