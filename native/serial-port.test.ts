import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerialTransport } from '../app/ports/serial.js';
import { ptyPair, type PtyPair } from '../test/helpers/pty-pair.js';
import { listSerialPorts, nodeSerialPorts, openSerialPort } from './serial-port.js';

// A real pty pair joined by socat stands in for a USB serial adapter and the PPD on its far end: the
// adapter goes through the same open/termios/read/write calls as with hardware.

/** Collects exactly `n` bytes from a transport, or fails after `ms`. */
function receive(t: SerialTransport, n: number, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`received ${got} of ${n} bytes in ${ms} ms`));
    }, ms);
    const stop = t.onData((chunk) => {
      chunks.push(Buffer.from(chunk));
      got += chunk.length;
      if (got >= n) {
        clearTimeout(timer);
        stop();
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

let link: PtyPair;
let a: SerialTransport;
let b: SerialTransport;

beforeAll(async () => {
  link = await ptyPair();
  a = await openSerialPort(link.paths[0], { baudRate: 115_200 });
  b = await nodeSerialPorts.open(link.paths[1], { baudRate: 115_200 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await link?.close();
});

describe('serial-port adapter over a pty pair', () => {
  it('exchanges bytes both ways', async () => {
    const atB = receive(b, 5);
    await a.write(new TextEncoder().encode('hello'));
    expect((await atB).toString()).toBe('hello');

    const atA = receive(a, 5);
    await b.write(new TextEncoder().encode('world'));
    expect((await atA).toString()).toBe('world');
  });

  it('carries a 4 KiB payload of every byte value unchanged, both ways', async () => {
    // Every value 0..255 appears: XON/XOFF, CR/LF, ^C and NUL must pass as data on a raw line.
    const payload = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(3840)]);
    expect(payload.length).toBe(4096);

    const atB = receive(b, payload.length);
    await a.write(payload);
    expect((await atB).equals(payload)).toBe(true);

    const reply = randomBytes(4096);
    const atA = receive(a, reply.length);
    await b.write(reply);
    expect((await atA).equals(reply)).toBe(true);
  });

  it('stops delivering to a listener that unsubscribed', async () => {
    const seen: number[] = [];
    const stop = b.onData((c) => seen.push(c.length));
    stop();
    const atB = receive(b, 3);
    await a.write(Uint8Array.of(1, 2, 3));
    await atB;
    expect(seen).toEqual([]);
  });

  it('reports close once, and refuses writes afterwards', async () => {
    const pair = await ptyPair();
    try {
      const t = await openSerialPort(pair.paths[0], { baudRate: 9600 });
      const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
      await t.close();
      await t.close();
      expect(await closed).toBeUndefined();
      await expect(t.write(Uint8Array.of(1))).rejects.toThrow(/is closed/);
    } finally {
      await pair.close();
    }
  });

  it('reports the far end going away (a PPD unplugged mid-sync)', async () => {
    const pair = await ptyPair();
    const t = await openSerialPort(pair.paths[0], { baudRate: 9600 });
    t.onData(() => {}); // reading is what notices the hang-up
    const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
    pair.socat.kill();
    const reason = await closed;
    expect(reason).toBeInstanceOf(Error);
    // Linux answers a hung-up pty with EIO or with end of file, depending on timing; both must close
    // the port as disconnected (end of file used to make serialport spin: see readUntilData).
    expect((reason as Error & { disconnected?: boolean }).disconnected).toBe(true);
    await t.close();
  });

  it('names the path when a port cannot be opened', async () => {
    await expect(openSerialPort('/dev/lintel-no-such-port', { baudRate: 9600 })).rejects.toThrow(
      /cannot open \/dev\/lintel-no-such-port/,
    );
    expect(() => openSerialPort('/dev/null', { baudRate: 0 })).toThrow(/baud rate/);
  });

  it('lists ports (udev may know of none here)', async () => {
    const ports = await listSerialPorts();
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) {
      expect(typeof p.path).toBe('string');
      expect(Object.values(p).every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
    }
  });
});
