import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeSerialPorts } from '../../native/serial-port.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { rejectionOf } from '../../test/helpers/rejection.js';
import type { SerialPorts, SerialTransport } from '../ports/serial.js';
import { FrameReader, encodeFrame, type Frame } from '../serial-link/frame.js';
import { PpdDevice } from './ppd-device.js';
import { PpdError, PpdHost } from './ppd-host.js';
import { PpdMemory } from './ppd-memory.js';
import { MAX_ROUND_CHUNK } from './ppd-messages.js';
import type { Round, VisitResult } from './round.js';

// The Service's PPD client against the PPD's device end over a real pty pair (socat) under serialport,
// pacing off: every layer (framing, transactions, session, messages, the PPD's memory on disk) is real.

const SITE_TAG = Buffer.alloc(16, 0x51);
const OTHER_TAG = Buffer.alloc(16, 0x52);
const KEY = Buffer.alloc(16, 0x17);
const OTHER_KEY = Buffer.alloc(16, 0x29);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempFile(name = 'ppd.json'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-ppd-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

/** Every byte the host writes, kept (to replay or alter frames afterwards), through the real ports. */
function tappedPorts(written: Buffer[]): SerialPorts {
  return {
    list: () => nodeSerialPorts.list(),
    async open(p, o) {
      const t = await nodeSerialPorts.open(p, o);
      const tapped: SerialTransport = {
        write: async (bytes) => {
          written.push(Buffer.from(bytes));
          await t.write(bytes);
        },
        onData: (cb) => t.onData(cb),
        onClose: (cb) => t.onClose(cb),
        close: () => t.close(),
      };
      return tapped;
    },
  };
}

interface Rig {
  pty: PtyPair;
  device: PpdDevice;
  host: PpdHost;
  hostEnd: () => SerialTransport;
  written: Buffer[];
  stateFile: string;
  /** The PPD's console port opened (again) on its end of the pty pair. */
  plug(): Promise<void>;
  /** The PPD restarts: its memory read back from its file, the port opened again. */
  restart(): Promise<void>;
}

async function rig(stateFile = tempFile(), memory?: PpdMemory): Promise<Rig> {
  const pty = await ptyPair();
  cleanups.push(() => pty.close());
  const written: Buffer[] = [];
  let hostTransport: SerialTransport | undefined;
  const ports = tappedPorts(written);
  const host = await PpdHost.open(
    {
      list: ports.list,
      open: async (p, o) => (hostTransport = await ports.open(p, o)),
    },
    pty.paths[0],
  );
  cleanups.push(() => host.close());
  const r: Rig = {
    pty,
    host,
    written,
    stateFile,
    hostEnd: () => hostTransport!,
    device: new PpdDevice({ memory: memory ?? PpdMemory.open(stateFile, { serial: 'PPD-TEST0001' }) }),
    async plug() {
      r.device.plug(await nodeSerialPorts.open(pty.paths[1], { baudRate: 115_200 }));
    },
    async restart() {
      await r.device.unplug();
      r.device = new PpdDevice({ memory: PpdMemory.open(stateFile) });
      await r.plug();
    },
  };
  await r.plug();
  cleanups.push(() => r.device.unplug());
  return r;
}

async function pairedRig(): Promise<Rig> {
  const r = await rig();
  await r.host.pair(KEY, SITE_TAG);
  await r.host.authenticate(KEY);
  return r;
}

/** A round of `tasks` locks; random door names so it does not compress to nothing (many chunks). */
function round(tasks = 60, siteId = 'site-1'): Round {
  return {
    roundId: randomUUID(),
    siteId,
    createdAt: 1_765_000_000,
    createdBy: 'admin',
    tasks: Array.from({ length: tasks }, (_, i) => ({
      doorId: i + 1,
      doorName: `Door ${i + 1} ${randomBytes(60).toString('hex')}`,
      authKey: randomBytes(16).toString('hex'),
      authKeyVersion: i % 3,
    })),
  };
}

function result(r: Round, doorId: number, outcome: VisitResult['outcome'] = 'collected'): VisitResult {
  return {
    roundId: r.roundId,
    doorId,
    visitedAt: 1_765_000_500 + doorId,
    outcome,
    error: outcome === 'failed' ? 'the lock did not answer: check the cable to the lock' : null,
    lock: null,
    clockDriftSeconds: null,
    audit: [],
  };
}

function frames(bytes: Buffer[]): Frame[] {
  const reader = new FrameReader();
  return bytes.flatMap((b) => reader.push(b));
}

describe('PpdHost ↔ PPD over a pty pair', () => {
  it('tells an unpaired PPD, pairs it, and then knows it as this site’s', async () => {
    const r = await rig();
    const before = await r.host.info(SITE_TAG);
    expect(before).toEqual({
      serial: 'PPD-TEST0001',
      firmware: '1.0.0-sim',
      paired: 'unpaired',
      battery: 100,
    });
    await rejectionOf(r.host.authenticate(KEY), PpdError).then((e) => expect(e.code).toBe('UNPAIRED'));
    await r.host.pair(KEY, SITE_TAG);
    expect((await r.host.info(SITE_TAG)).paired).toBe('this-site');
    expect((await r.host.info(OTHER_TAG)).paired).toBe('other-site');
    expect(r.device.memory.pairing?.key.equals(KEY)).toBe(true);
    const again = await rejectionOf(r.host.pair(KEY, SITE_TAG), PpdError);
    expect(again.code).toBe('REFUSED');
    await r.host.authenticate(KEY);
    expect(await r.host.state()).toEqual({ round: null, resultsPending: 0 });
    // The pairing key is kept by the PPD across a restart (the state file, mode 0600).
    await r.restart();
    expect((fs.statSync(r.stateFile).mode & 0o777).toString(8)).toBe('600');
    expect((await r.host.info(SITE_TAG)).paired).toBe('this-site');
  });

  it('another site’s PPD: OTHER_SITE with what to do, and nothing changes on it', async () => {
    const stateFile = tempFile();
    const memory = PpdMemory.open(stateFile, { serial: 'PPD-ELSEWHERE' });
    memory.pair(OTHER_KEY, OTHER_TAG);
    const r = await rig(stateFile, memory);
    const saved = fs.readFileSync(stateFile);
    expect((await r.host.info(SITE_TAG)).paired).toBe('other-site');
    const pairing = await rejectionOf(r.host.pair(KEY, SITE_TAG), PpdError);
    expect(pairing.code).toBe('OTHER_SITE');
    expect(pairing.message).toMatch(/paired with another site: reset it \(on the PPD: Settings → Reset\)/);
    const auth = await rejectionOf(r.host.authenticate(KEY), PpdError);
    expect(auth.code).toBe('OTHER_SITE');
    expect(fs.readFileSync(stateFile).equals(saved)).toBe(true);
    expect(r.device.memory.pairing?.key.equals(OTHER_KEY)).toBe(true);
  });

  it('loads a round in chunks with progress, and a second load of it sends nothing', async () => {
    const r = await pairedRig();
    const rd = round();
    const progress: [number, number][] = [];
    await r.host.loadRound(rd, { onProgress: (d, t) => progress.push([d, t]) });
    const total = progress[0]![1];
    expect(progress.length).toBeGreaterThan(5);
    expect(progress[0]![0]).toBe(0);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.every(([d], i) => i === 0 || d > progress[i - 1]![0])).toBe(true);
    expect(r.device.memory.round?.round).toEqual(rd);
    expect(await r.host.state()).toEqual({
      round: { roundId: rd.roundId, tasks: 60, loadedBytes: total, totalBytes: total, visited: 0 },
      resultsPending: 0,
    });
    const again: [number, number][] = [];
    await r.host.loadRound(rd, { onProgress: (d, t) => again.push([d, t]) });
    expect(again).toEqual([[total, total]]);
    // The round survives a restart of the PPD.
    await r.restart();
    expect(r.device.memory.round?.round).toEqual(rd);
  });

  it('a cable pulled mid-load: the next load resumes where the PPD stopped', async () => {
    const r = await pairedRig();
    const rd = round(80);
    let pulledAt = 0;
    const cut = r.host.loadRound(rd, {
      onProgress: (done) => {
        if (!pulledAt && done >= 4 * MAX_ROUND_CHUNK) {
          pulledAt = done;
          void r.device.unplug();
        }
      },
    });
    const err = await rejectionOf(cut, PpdError);
    expect(err.code).toBe('DISCONNECTED');
    expect(err.message).toMatch(/resumes where it stopped/);
    const held = r.device.memory.loading!;
    expect(held.loadedBytes).toBeGreaterThanOrEqual(pulledAt);
    expect(r.device.memory.round).toBeNull();

    // Plugged back in (a restart on the way, for good measure): the host opens the session again itself.
    await r.restart();
    const cutState = await r.host.state();
    expect(cutState.round).toMatchObject({ roundId: rd.roundId, tasks: 0, loadedBytes: held.loadedBytes });
    const progress: number[] = [];
    await r.host.loadRound(rd, { onProgress: (d) => progress.push(d) });
    expect(progress[0]).toBe(held.loadedBytes);
    expect(r.device.memory.round?.round).toEqual(rd);
    expect(r.device.memory.loading).toBeNull();
  });

  it('a load cancelled by the caller stops with CANCELLED and resumes later', async () => {
    const r = await pairedRig();
    const rd = round(40);
    const abort = new AbortController();
    const cut = r.host.loadRound(rd, {
      signal: abort.signal,
      onProgress: (done) => {
        if (done >= 2 * MAX_ROUND_CHUNK) abort.abort();
      },
    });
    expect((await rejectionOf(cut, PpdError)).code).toBe('CANCELLED');
    const held = r.device.memory.loading!.loadedBytes;
    expect(held).toBeGreaterThanOrEqual(2 * MAX_ROUND_CHUNK);
    const progress: number[] = [];
    await r.host.loadRound(rd, { onProgress: (d) => progress.push(d) });
    expect(progress[0]).toBe(held);
    expect(r.device.memory.round?.round).toEqual(rd);
  });

  it('NOT_A_PPD when nothing answers on the port', async () => {
    const pty = await ptyPair();
    cleanups.push(() => pty.close());
    const host = await PpdHost.open(nodeSerialPorts, pty.paths[0]);
    cleanups.push(() => host.close());
    const err = await rejectionOf(host.info(SITE_TAG), PpdError);
    expect(err.code).toBe('NOT_A_PPD');
    expect(err.message).toMatch(/No PPD answered on .*: check it is the PPD's port/);
  });

  it('reads results, keeps them across a PPD restart until acknowledged, then forgets only those', async () => {
    const r = await pairedRig();
    const rd = round(5);
    await r.host.loadRound(rd);
    r.device.recordVisit(result(rd, 1));
    r.device.recordVisit(result(rd, 2, 'failed'));
    const read = await r.host.readResults();
    expect(read).toEqual([result(rd, 1), result(rd, 2, 'failed')]);
    expect((await r.host.state()).round?.visited).toBe(2);

    await r.restart(); // before the acknowledgement: nothing is lost
    r.device.recordVisit(result(rd, 3));
    const progress: [number, number][] = [];
    const again = await r.host.readResults({ onProgress: (d, t) => progress.push([d, t]) });
    expect(again.map((x) => x.doorId)).toEqual([1, 2, 3]);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);

    await r.host.ackResults(2);
    await r.host.ackResults(2); // repeated: the PPD forgets nothing more
    expect(r.device.memory.results.map((x) => x.doorId)).toEqual([3]);
    await r.restart();
    expect((await r.host.state()).resultsPending).toBe(1);
    expect(await r.host.readResults()).toEqual([result(rd, 3)]);
    await r.host.ackResults(1);
    expect((await r.host.state()).resultsPending).toBe(0);
  });

  it('BUSY: a different round while results are pending; the round it carries stays', async () => {
    const r = await pairedRig();
    const first = round(3);
    await r.host.loadRound(first);
    r.device.recordVisit(result(first, 1));
    const err = await rejectionOf(r.host.loadRound(round(3)), PpdError);
    expect(err.code).toBe('BUSY');
    expect(err.message).toMatch(/1 visit result not yet synced: sync it before loading another round/);
    expect(r.device.memory.round?.round).toEqual(first);
    expect(r.device.memory.loading).toBeNull();
    // Synced: now it takes the new round.
    const read = await r.host.readResults();
    await r.host.ackResults(read.length);
    const second = round(3);
    await r.host.loadRound(second);
    expect(r.device.memory.round?.round).toEqual(second);
  });

  it('refuses a round for another site than the one it serves', async () => {
    const r = await pairedRig();
    await r.host.loadRound(round(2, 'site-1'));
    const err = await rejectionOf(r.host.loadRound(round(2, 'site-2')), PpdError);
    expect(err.code).toBe('OTHER_SITE');
    expect(r.device.memory.round?.round.siteId).toBe('site-1');
  });

  it('drops tampered and replayed frames: nothing changes', async () => {
    const r = await pairedRig();
    const rd = round(3);
    await r.host.loadRound(rd);
    for (const d of [1, 2, 3]) r.device.recordVisit(result(rd, d));
    await r.host.readResults();
    const mark = r.written.length;
    await r.host.ackResults(1);
    const ackFrame = frames(r.written.slice(mark)).at(-1)!;
    await r.host.state(); // the ACK is no longer the last request: the link layer cannot answer it from memory
    expect(r.device.memory.results).toHaveLength(2);

    // Replayed: the same sealed ACK (acknowledging result 1) again, under a new link sequence number.
    const line = r.hostEnd();
    await line.write(
      encodeFrame({ kind: 'request', seq: (ackFrame.seq + 77) & 0xff, payload: ackFrame.payload }),
    );
    await vi.waitFor(() => expect(r.device.refused.replay).toBe(1));

    // Tampered: a sealed request with its counter raised (so it is not a mere replay) and one ciphertext
    // bit flipped, the CRC made right again: GCM refuses it.
    const stateFrame = frames(r.written.slice(mark)).at(-1)!;
    const altered = Buffer.from(stateFrame.payload);
    altered[1] = 0x40;
    altered[altered.length - 20]! ^= 0x01;
    await line.write(encodeFrame({ kind: 'request', seq: (stateFrame.seq + 99) & 0xff, payload: altered }));
    await vi.waitFor(() => expect(r.device.refused.forged).toBe(1));

    expect(r.device.memory.results.map((x) => x.doorId)).toEqual([2, 3]);
    // The real session goes on.
    expect((await r.host.state()).resultsPending).toBe(2);
  });

  it('fuzz: arbitrary bytes to the PPD (in clear or in the session) get an error answer and change nothing', async () => {
    const stateFile = tempFile();
    const memory = PpdMemory.open(stateFile);
    memory.pair(KEY, SITE_TAG);
    const device = new PpdDevice({ memory });
    const saved = fs.readFileSync(stateFile);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
        const pre = device.handlePreAuth(bytes);
        expect(pre.length).toBeGreaterThan(0);
        const inSession = device.handleSession(bytes);
        expect(inSession.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
    // Those that decode as INFO answer INFO; nothing else is accepted, and nothing was stored.
    expect(fs.readFileSync(stateFile).equals(saved)).toBe(true);
  });
});
