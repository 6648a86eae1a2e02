import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers/rejection.js';
import { serveHidSocket, socketHidDevices, type HidSocketServer } from './hid-socket.js';
import { NcoderError } from './ncoder-errors.js';
import { NcoderLink } from './ncoder-link.js';
import { NcoderSimulator } from './ncoder-simulator.js';
import { EchoCard, memoryRig } from './ncoder-test-kit.js';

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-ncoder-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts a simulator on a socket, as `lintel sim ncoder` does. */
async function startSim(
  socket: string,
  stateFile: string,
): Promise<{ sim: NcoderSimulator; server: HidSocketServer }> {
  const sim = new NcoderSimulator({ stateFile });
  const server = await serveHidSocket(socket, sim.descriptor, (end) => sim.connect(end));
  cleanups.push(() => server.close());
  return { sim, server };
}

describe('NcoderSimulator state', () => {
  it('keeps its serial and pairing in a 0600 state file across restarts; a factory reset clears it', async () => {
    const file = path.join(tempDir(), 'ncoder.json');
    const { sim, driver } = memoryRig({ stateFile: file });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    const key = await driver.pair();
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { serial: string; pairingKey: string };
    expect(stored).toEqual({
      format: 'lintel-ncoder-sim/1',
      serial: sim.serial,
      pairingKey: Buffer.from(key).toString('hex'),
    });

    const again = memoryRig({ stateFile: file, serial: 'ignored' });
    expect(again.sim.serial).toBe(sim.serial);
    expect(again.sim.paired).toBe(true);
    await again.driver.authenticate(key);

    again.sim.factoryReset();
    expect(new NcoderSimulator({ stateFile: file }).paired).toBe(false);
  });

  it('refuses a state file that is not its own', () => {
    const file = path.join(tempDir(), 'x.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'something else' }));
    expect(() => new NcoderSimulator({ stateFile: file })).toThrow(/is not an NCoder simulator state file/);
  });
});

describe('NcoderLink ↔ simulator over a real Unix socket', () => {
  it('polls and transceives; a stopped simulator fails the request in flight; a restarted one is found again', async () => {
    const dir = tempDir();
    const socket = path.join(dir, 'ncoder.sock');
    const stateFile = path.join(dir, 'ncoder.json');
    let { sim, server } = await startSim(socket, stateFile);
    const keys = new Map<string, Uint8Array>();
    const link = new NcoderLink({
      devices: socketHidDevices(socket),
      pairingKey: (serial) => keys.get(serial),
      scanIntervalMs: 50,
      requestTimeoutMs: 5000,
    });
    cleanups.unshift(() => link.stop());
    link.start();
    await link.whenState('unpaired');
    await link.pair((serial, key) => void keys.set(serial, key));

    const card = new EchoCard();
    sim.place(card);
    const answer = await link.withCard(async (c) => c.transceive(Uint8Array.of(0x90, 0x60, 0, 0, 0)));
    expect([...answer]).toEqual([0x90, 0x60, 0, 0, 0, 0x91, 0x00]);

    // The simulator stops while it holds a request: the request fails as UNPLUGGED, not after a timeout.
    sim.tamper = () => [];
    const started = Date.now();
    const inFlight = link.poll();
    setTimeout(() => void server.close(), 50);
    expect(await rejectionOf(inFlight, NcoderError)).toMatchObject({ code: 'UNPLUGGED' });
    expect(Date.now() - started).toBeLessThan(2000);
    await link.whenState('absent');

    ({ sim, server } = await startSim(socket, stateFile));
    expect((await link.whenState('ready')).serial).toBe(sim.serial); // reconnected and re-authenticated
    sim.place(new EchoCard());
    expect(await link.poll()).not.toBeNull();
  });
});

describe('NcoderSimulator settings', () => {
  it('refuses a serial GET_INFO and the socket descriptor could not carry', () => {
    expect(() => new NcoderSimulator({ serial: 'NC 1' })).toThrow(/printable ASCII/);
    expect(() => new NcoderSimulator({ serial: 'N'.repeat(21) })).toThrow(/printable ASCII/);
    expect(new NcoderSimulator({ serial: 'N'.repeat(20) }).serial).toHaveLength(20);
  });
});
