import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../app/contract/methods/events.js';
import type { OfflineLock, PpdStatus, RoundSummary } from '../../app/contract/methods/locks.js';
import { DAY_TYPES } from '../../app/contract/schedule-schemas.js';
import {
  firstAdmin,
  rpc,
  startServe,
  startSimCu,
  startSimLock,
  startSimNcoder,
  startSimPpd,
  startSimReader,
  type DeviceProcess,
  type ServeProcess,
  type SimNcoderProcess,
} from '../helpers/lintel-process.js';
import { ptyPair, type PtyPair } from '../helpers/pty-pair.js';
import { tempDir } from '../helpers/temp-site.js';
import { until } from '../helpers/until.js';

/**
 * Issue 9 end to end, with real processes and real serial lines (pty pairs under serialport):
 *
 *   serve ══pty══ sim ppd ══pty══ sim lock "Room 101"
 *     │                    ══pty══ sim lock "Room 102"
 *     ├── sim ncoder (encodes Ada's and Bob's cards; the card files are shared by every simulator)
 *     └── sim cu ══pty══ sim reader at the entrance (an online door: the update point)
 *
 * A round initialises both locks; Ada's card opens them; Ada's key is cancelled; Bob's card picks the
 * blacklist up at the entrance and carries it to Room 101, which then refuses Ada, while Room 102 —
 * which Bob has not visited — still lets her in until he does (the virtual network). A second round,
 * loaded across a pulled console cable, brings the audit trails back with an emergency opening, and
 * the events appear in the Service once, however often the PPD is synced.
 */

const password = 'correct horse battery';

let root: string;
let cardsDir: string;
let ncoder: SimNcoderProcess | undefined;
let serve: ServeProcess | undefined;
let auth: Record<string, string>;
const ptys: PtyPair[] = [];
let ppdLine: PtyPair;
let ppd: DeviceProcess | undefined;
const locks: { line: PtyPair; proc: DeviceProcess; doorId: number }[] = [];
let cu: DeviceProcess | undefined;
let reader: DeviceProcess | undefined;

let entranceId: number;
let room101: number;
let room102: number;
const cards: Record<'ada' | 'bob', { name: string; keyId: number; userId: number }> = {} as never;

async function call<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
  const r = await rpc(serve!, method, params, auth);
  if (!r.result) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`);
  return r.result as T;
}

async function callError(method: string, params: unknown): Promise<{ code: string; message: string }> {
  const r = await rpc(serve!, method, params, auth);
  if (!r.error) throw new Error(`${method} succeeded but should have failed`);
  const data = (r.error as { data?: { code?: string } }).data;
  return {
    code: data?.code ?? String((r.error as { code: unknown }).code),
    message: (r.error as { message: string }).message,
  };
}

async function lockList(): Promise<OfflineLock[]> {
  return (await call<{ locks: OfflineLock[] }>('locks.list')).locks;
}

const lockOf = (doorId: number) => locks.find((l) => l.doorId === doorId)!;

/** Presents a card at an offline lock; answers its outcome line. */
async function atLock(doorId: number, card: 'ada' | 'bob'): Promise<string> {
  const lock = lockOf(doorId).proc;
  const mark = lock.stdout().length;
  lock.send(`present ${cards[card].name}`);
  return (await lock.waitFor(new RegExp(`^${cards[card].name}: (.*)$`, 'm'), mark, 20_000))[1]!;
}

/** The PPD visits a lock; answers the outcome line. */
async function visit(doorId: number, withDoor = false): Promise<string> {
  const mark = ppd!.stdout().length;
  ppd!.send(`visit ${lockOf(doorId).line.paths[0]}${withDoor ? ` ${doorId}` : ''}`);
  return (await ppd!.waitFor(new RegExp(`^door ${doorId}: (.*)$`, 'm'), mark, 60_000))[1]!;
}

/** Presents a card at the entrance reader (the update point) and waits for the unit's decision. */
async function atEntrance(card: 'ada' | 'bob'): Promise<string> {
  const mark = cu!.stdout().length;
  const rmark = reader!.stdout().length;
  reader!.send(`card place ${cards[card].name}`);
  await reader!.waitFor(/^placed /m, rmark);
  const m = await cu!.waitFor(/^card at door (\d+) done: (.*)$/m, mark, 40_000);
  const rmark2 = reader!.stdout().length;
  reader!.send('card remove');
  await reader!.waitFor(/^removed /m, rmark2);
  expect(Number(m[1])).toBe(entranceId);
  return m[2]!;
}

async function doorEvents(doorId: number): Promise<AccessEvent[]> {
  return (await call<{ events: AccessEvent[] }>('events.list', { doorId, limit: 500 })).events.reverse();
}

const ppdPath = () => ppdLine.paths[0];

async function encode(
  first: string,
  levelId: number,
): Promise<{ name: string; keyId: number; userId: number }> {
  const user = await call<{ id: number }>('users.create', {
    firstName: first,
    lastName: 'Test',
    accessLevelIds: [levelId],
  });
  const from = ncoder!.stdout().length;
  ncoder!.send('new 2k');
  const name = (await ncoder!.waitFor(/^placed (\S+) \(UID [0-9A-Fa-f]{14}, 2k\)/m, from))[1]!;
  const encoded = await call<{ key: { id: number } }>('encoder.encode', { userId: user.id });
  const removed = ncoder!.stdout().length;
  ncoder!.send('remove'); // saves the card file for the other simulators
  await ncoder!.waitFor(/^removed /m, removed);
  return { name, keyId: encoded.key.id, userId: user.id };
}

beforeAll(async () => {
  root = tempDir('lintel-offline-');
  cardsDir = path.join(root, 'cards');
  fs.mkdirSync(cardsDir);
  ncoder = await startSimNcoder(path.join(root, 'ncoder.sock'), ['--cards', cardsDir]);
  serve = await startServe(path.join(root, 'data'), path.join(root, 'keys', 'site.key'), [
    '--ncoder-socket',
    ncoder.socket,
    '--link-port',
    '0',
    '--link-host',
    '127.0.0.1',
  ]);
  ({ auth } = await firstAdmin(serve, 'admin', password));

  const zone = await call<{ id: number }>('zones.create', { name: 'Wing A' });
  const door = (name: string, kind: string) =>
    call<{ id: number }>('doors.create', {
      name,
      kind,
      openSeconds: 2,
      extendedOpenSeconds: 2,
      zoneIds: [zone.id],
    });
  entranceId = (await door('Entrance', 'online')).id;
  room101 = (await door('Room 101', 'offline')).id;
  room102 = (await door('Room 102', 'offline')).id;
  const always = await call<{ id: number }>('timePeriods.create', {
    name: 'Always',
    rules: Object.fromEntries(DAY_TYPES.map((d) => [d, [{ start: 0, end: 1440 }]])),
  });
  const level = await call<{ id: number }>('accessLevels.create', {
    name: 'Staff',
    rights: [{ zoneId: zone.id, periodId: always.id }],
  });
  await call('encoder.pair');
  await until(async () => (await call<{ state: string }>('encoder.status')).state === 'ready', 'the NCoder');
  cards.ada = await encode('Ada', level.id);
  cards.bob = await encode('Bob', level.id);

  // The entrance: a control unit reporting to the Service, with a reader on a pty pair.
  const unit = await call<{ pairing: { code: string } }>('devices.create', {
    kind: 'control-unit',
    name: 'CU entrance',
    readers: [{ address: 0, doorId: entranceId }],
  });
  const readerLine = await ptyPair();
  ptys.push(readerLine);
  reader = startSimReader([
    '--port',
    readerLine.paths[1],
    '--address',
    '0',
    '--baud',
    '115200',
    '--install-mode',
    '--cards',
    cardsDir,
  ]);
  await reader.waitFor(/^OSDP reader simulator at address 0 on /m);
  cu = startSimCu([
    '--data-dir',
    path.join(root, 'cu'),
    '--reader',
    `${readerLine.paths[0]}@0`,
    '--baud',
    '115200',
    '--install-mode',
    '--bind',
    '127.0.0.1',
    '--enrol',
    unit.pairing.code,
    '--service',
    `127.0.0.1:${serve.linkPort}`,
  ]);
  await cu.waitFor(/^control unit \d+ ready: 1 readers, revision \d+$/m, 0, 60_000);
  await reader.waitFor(/^secure channel up$/m, 0, 30_000);

  // The PPD on its console cable, and two factory-new locks on theirs (no pacing: tests, not benchmarks).
  ppdLine = await ptyPair();
  ptys.push(ppdLine);
  ppd = startSimPpd(['--port', ppdLine.paths[1], '--state', path.join(root, 'ppd.json'), '--baud', '0']);
  await ppd.waitFor(/Type help for commands/m);
  for (const doorId of [room101, room102]) {
    const line = await ptyPair();
    ptys.push(line);
    const proc = startSimLock([
      '--state',
      path.join(root, `lock-${doorId}.json`),
      '--port',
      line.paths[1],
      '--cards',
      cardsDir,
      '--baud',
      '0',
      '--drift-ppm',
      doorId === room101 ? '500' : '-300',
    ]);
    await proc.waitFor(/Type help for commands/m);
    locks.push({ line, proc, doorId });
  }
}, 240_000);

afterAll(async () => {
  const procs = [cu, reader, ppd, ...locks.map((l) => l.proc)];
  for (const p of procs) await p?.stop().catch(() => undefined);
  await serve?.stop().catch(() => undefined);
  await ncoder?.stop('SIGINT').catch(() => undefined);
  for (const p of ptys) await p.close().catch(() => undefined);
  if (root) fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('offline doors: serve, the PPD and two locks as processes, over pty serial lines', () => {
  it('lists both locks as never initialised, and pairs the PPD', async () => {
    const listed = await lockList();
    expect(listed.map((l) => [l.doorId, l.needs.includes('never-initialised')])).toEqual([
      [room101, true],
      [room102, true],
    ]);
    const before = await call<PpdStatus>('ppd.status', { path: ppdPath() });
    expect(before.paired).toBe('unpaired');
    const after = await call<PpdStatus>('ppd.pair', { path: ppdPath() });
    expect(after.paired).toBe('this-site');
    expect(after.round).toBeNull();
  });

  it('loads a round, initialises both locks at the doors, and syncs their state back', async () => {
    const round = await call<RoundSummary>('ppd.loadRound', { path: ppdPath(), doorIds: [room101, room102] });
    expect(round.state).toBe('loaded');
    expect((await call<PpdStatus>('ppd.status', { path: ppdPath() })).round).toMatchObject({
      roundId: round.roundId,
      tasks: 2,
      visited: 0,
    });
    expect(await visit(room101)).toMatch(/^updated, lock LK-/);
    expect(await visit(room102)).toMatch(/^updated, lock LK-/);
    const synced = await call<{ rounds: RoundSummary[]; imported: number }>('ppd.sync', { path: ppdPath() });
    expect(synced.rounds[0]!.visits.map((v) => [v.doorId, v.outcome]).sort()).toEqual(
      [
        [room101, 'updated'],
        [room102, 'updated'],
      ].sort(),
    );
    const listed = await lockList();
    for (const l of listed) {
      expect(l.serial).toMatch(/^LK-/);
      expect(l.keyVersion).toBe(1);
      expect(l.revision).toBe(l.currentRevision);
      expect(l.needs).toEqual([]);
    }
  });

  it('opens both locks with Ada’s card; after her key is cancelled each lock refuses it once Bob’s card has carried the news there', async () => {
    expect(await atLock(room101, 'ada')).toMatch(/^granted/);
    expect(await atLock(room102, 'ada')).toMatch(/^granted/);
    const key = (
      await call<{ items: { id: number; version: number }[] }>('keys.list', { userId: cards.ada.userId })
    ).items.find((k) => k.id === cards.ada.keyId)!;
    await call('keys.cancel', { id: key.id, version: key.version });
    // The locks have not heard: Ada still gets in until a card or the PPD brings the news.
    expect(await atLock(room101, 'ada')).toMatch(/^granted/);
    expect((await lockList()).every((l) => l.needs.includes('blacklist'))).toBe(true);
    // Bob passes the entrance once its unit holds the new blacklist: the update point writes it onto his card…
    await until(async () => {
      const l = await call<{ devices: { revision: number | null }[]; link: { revision: number } }>(
        'devices.list',
      );
      return l.devices[0]!.revision === l.link.revision;
    }, 'the entrance unit to hold the cancellation');
    expect(await atEntrance('bob')).toMatch(/^granted/);
    // …and opens Room 101, which takes the entry from his card and refuses Ada from then on.
    expect(await atLock(room101, 'bob')).toMatch(/^granted.*merged 1 blacklist entries/);
    expect(await atLock(room101, 'ada')).toMatch(/^denied \(blacklisted\)/);
    // Room 102 has not seen Bob's card yet.
    expect(await atLock(room102, 'ada')).toMatch(/^granted/);
    expect(await atLock(room102, 'bob')).toMatch(/merged 1 blacklist entries/);
    expect(await atLock(room102, 'ada')).toMatch(/^denied \(blacklisted\)/);
  });

  it('fails a load while the cable is pulled, then visits with an emergency opening, and imports each audit record once', async () => {
    // The console cable pulled: the call fails and says what to check; plugged back, it loads.
    ppd!.send('unplug');
    await ppd!.waitFor(/^console cable pulled$/m);
    const params = {
      path: ppdPath(),
      doorIds: [room101, room102],
      emergency: { doorId: room101, reason: 'Fire drill' },
    };
    const unplugged = await callError('ppd.loadRound', params);
    expect(unplugged.message).toMatch(/cable|connected|answer/i);
    ppd!.send('plug');
    await ppd!.waitFor(/^console cable plugged in$/m);
    const round = await call<RoundSummary>('ppd.loadRound', params);
    expect(round.emergencyDoorId).toBe(room101);
    expect(await visit(room101)).toMatch(/^emergency-opened|^updated/);
    expect(lockOf(room101).proc.stdout()).toMatch(/EMERGENCY OPENING by the PPD/);
    expect(await visit(room102)).toMatch(/^updated/);

    const first = await call<{ imported: number }>('ppd.sync', { path: ppdPath() });
    expect(first.imported).toBeGreaterThan(0);
    const again = await call<{ imported: number }>('ppd.sync', { path: ppdPath() });
    expect(again.imported).toBe(0);

    const at101 = await doorEvents(room101);
    const kinds = at101.map((e) => `${e.kind}${e.reason ? `:${e.reason}` : ''}`);
    // Ada's openings, her refusal once the blacklist arrived, Bob's, and the emergency opening.
    expect(kinds.filter((k) => k === 'access-granted').length).toBeGreaterThanOrEqual(3);
    expect(kinds).toContain('access-denied:blacklisted');
    const emergency = at101.filter((e) => e.kind === 'device' && e.reason === 'emergency-opened');
    expect(emergency).toHaveLength(1);
    expect(emergency[0]!.detail.note).toBe('admin: Fire drill');
    expect(emergency[0]!.source).toMatch(/^PPD /);
    expect(at101.filter((e) => e.reason === 'blacklisted').map((e) => e.userName)).toEqual(['Ada Test']);
    expect(new Set(at101.map((e) => e.id)).size).toBe(at101.length);
    const listed = await lockList();
    for (const l of listed) {
      expect(l.needs).toEqual([]);
      expect(l.blacklistSeq).toBe(l.currentBlacklistSeq);
      expect(l.clockDriftSeconds).not.toBeNull();
    }
  });

  it('refuses to replace a round whose results are not synced yet', async () => {
    // Results pending: visit once more without syncing, then try to load.
    await call<RoundSummary>('ppd.loadRound', { path: ppdPath(), doorIds: [room102] });
    expect(await visit(room102)).toMatch(/^updated|^collected/);
    const busy = await callError('ppd.loadRound', { path: ppdPath(), doorIds: [room101] });
    expect(busy.message).toMatch(/sync/i);
    await call('ppd.sync', { path: ppdPath() });
  });
});
