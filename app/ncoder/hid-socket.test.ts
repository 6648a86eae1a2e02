import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers/rejection.js';
import { hidOutputReport } from '../ports/hid.js';
import {
  decodeDescriptor,
  encodeDescriptor,
  serveHidSocket,
  socketHidDevices,
  type HidSocketServer,
} from './hid-socket.js';
import type { HidDeviceEnd } from './hid-device-end.js';

const descriptor = {
  vendorId: 0x1209,
  productId: 0x0001,
  release: 0x0100,
  serialNumber: 'NC-SOCK0001',
  product: 'Lintel NCoder (simulated)',
  manufacturer: 'Lintel',
};
const dirs: string[] = [];
const servers: HidSocketServer[] = [];

function socketPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-hid-'));
  dirs.push(dir);
  return path.join(dir, 'ncoder.sock');
}

async function serve(p: string, accept: (end: HidDeviceEnd) => void = () => {}) {
  const s = await serveHidSocket(p, descriptor, accept);
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('hid-socket', () => {
  it('encodes and decodes the descriptor record', () => {
    const r = encodeDescriptor(descriptor);
    expect(r).toHaveLength(65);
    expect(decodeDescriptor(r)).toEqual(descriptor);
    expect(decodeDescriptor(encodeDescriptor({ vendorId: 1, productId: 2, release: 3 }))).toEqual({
      vendorId: 1,
      productId: 2,
      release: 3,
    });
    expect(decodeDescriptor(new Uint8Array(65))).toBeUndefined();
    expect(() => encodeDescriptor({ ...descriptor, product: 'x'.repeat(60) })).toThrow(/too long/);
  });

  it('fuzz: any record decodes to a descriptor or to nothing, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 70 }), fc.boolean(), (bytes, asDescriptor) => {
        const record = Uint8Array.from(bytes);
        if (asDescriptor && record.length > 0) record[0] = 0xfd;
        const d = decodeDescriptor(record);
        if (d) expect(decodeDescriptor(encodeDescriptor(d))).toEqual(d);
      }),
      { numRuns: 1000 },
    );
  });

  it('lists the simulated device while the socket answers, and nothing otherwise', async () => {
    const p = socketPath();
    const devices = socketHidDevices(p);
    expect(await devices.list()).toEqual([]);
    const server = await serve(p);
    expect((fs.statSync(p).mode & 0o777).toString(8)).toBe('600');
    expect(await devices.list({ vendorId: 0x1209, productId: 0x0001 })).toEqual([
      { ...descriptor, path: p, interface: 0 },
    ]);
    expect(await devices.list({ vendorId: 0x1209, productId: 0x0002 })).toEqual([]);
    await server.close();
    expect(fs.existsSync(p)).toBe(false);
    expect(await devices.list()).toEqual([]);
    expect((await rejectionOf(devices.open(p), Error)).message).toMatch(/cannot open/);
  });

  it('carries 64-byte reports both ways and closes the transport when the simulator goes', async () => {
    const p = socketPath();
    const ends: HidDeviceEnd[] = [];
    const server = await serve(p, (end) => {
      ends.push(end);
      end.onReport((r) => end.send(Uint8Array.from(r, (b) => b ^ 0xff))); // echo, inverted
    });
    const t = await socketHidDevices(p).open(p);
    const got = new Promise<Uint8Array>((resolve) => t.onReport(resolve));
    await t.write(hidOutputReport(0, Uint8Array.of(1, 2, 3), 64));
    const r = await got;
    expect(r).toHaveLength(64);
    expect([...r.subarray(0, 4)]).toEqual([0xfe, 0xfd, 0xfc, 0xff]);
    await expect(t.write(Uint8Array.of(5, 1))).rejects.toThrow(/report ID 0/);
    const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
    await server.close();
    expect((await closed)?.message).toMatch(/went away/);
    await expect(t.write(hidOutputReport(0, Uint8Array.of(1), 64))).rejects.toThrow(/closed/);
    expect(ends).toHaveLength(1);
  });

  it('tells the device when the host closes', async () => {
    const p = socketPath();
    let hostGone!: () => void;
    const gone = new Promise<void>((r) => (hostGone = r));
    await serve(p, (end) => end.onClose(hostGone));
    const t = await socketHidDevices(p).open(p);
    const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
    await t.close();
    expect(await closed).toBeUndefined();
    await gone;
  });

  it('replaces a stale socket file, refuses a live one and a file that is not a socket', async () => {
    const p = socketPath();
    const live = net.createServer().listen(p);
    await new Promise((r) => live.once('listening', r));
    await expect(serveHidSocket(p, descriptor, () => {})).rejects.toThrow(/another process is listening/);
    await new Promise((r) => live.close(r));
    // A simulator killed outright leaves its socket file behind.
    const crashed = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(crashed.signal).toBe('SIGKILL');
    expect(fs.existsSync(p)).toBe(true);
    await serve(p);
    expect(await socketHidDevices(p).list()).toHaveLength(1);

    const plain = socketPath();
    fs.writeFileSync(plain, 'not a socket');
    await expect(serveHidSocket(plain, descriptor, () => {})).rejects.toThrow(/exists and is not a socket/);
    expect(fs.readFileSync(plain, 'utf8')).toBe('not a socket');
  });
});
