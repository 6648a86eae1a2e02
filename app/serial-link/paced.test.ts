import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeSerialPorts } from '../../native/serial-port.js';
import type { SerialTransport } from '../ports/serial.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { pacedTransport } from './paced.js';

let pty: PtyPair;
let a: SerialTransport;
let b: SerialTransport;

beforeAll(async () => {
  pty = await ptyPair();
  a = await nodeSerialPorts.open(pty.paths[0], { baudRate: 115_200 });
  b = await nodeSerialPorts.open(pty.paths[1], { baudRate: 115_200 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await pty?.close();
});

describe('a paced transport', () => {
  it('delivers concurrent writes whole and in order', async () => {
    const paced = pacedTransport(a, 1_000_000);
    const got: Buffer[] = [];
    const all = new Promise<void>((resolve) => {
      let n = 0;
      b.onData((c) => {
        got.push(Buffer.from(c));
        n += c.length;
        if (n >= 300) resolve();
      });
    });
    await Promise.all(Array.from({ length: 30 }, (_, i) => paced.write(Buffer.alloc(10, i))));
    await all;
    const bytes = Buffer.concat(got);
    expect([...bytes]).toEqual(Array.from({ length: 300 }, (_, i) => Math.floor(i / 10)));
  });

  it('refuses a baud rate that is not positive', () => {
    expect(() => pacedTransport(a, 0)).toThrow(RangeError);
  });
});
