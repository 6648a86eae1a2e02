import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpFaultProxy, type UdpFaultProxy } from './udp-fault-proxy.js';

/** A UDP echo server on loopback. */
async function echo(): Promise<{ port: number; close: () => void }> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, from) => s.send(m, from.port, from.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, close: () => s.close() };
}

/** Sends `n` numbered datagrams through the proxy and collects what comes back within `waitMs`. */
async function roundTrips(port: number, n: number, waitMs: number): Promise<number[]> {
  const c = dgram.createSocket('udp4');
  const got: number[] = [];
  c.on('message', (m) => got.push(m.readUInt32BE(0)));
  await new Promise<void>((r) => c.bind(0, '127.0.0.1', r));
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    c.send(b, port, '127.0.0.1');
  }
  await new Promise((r) => setTimeout(r, waitMs));
  c.close();
  return got;
}

let proxy: UdpFaultProxy | undefined;
let server: { port: number; close: () => void } | undefined;
afterEach(async () => {
  await proxy?.close();
  server?.close();
});

describe('the UDP fault proxy', () => {
  it('passes every datagram through a healthy network', async () => {
    server = await echo();
    proxy = await startUdpFaultProxy(server.port, { loss: 0, duplicate: 0, reorder: 0, delayMs: [0, 0] });
    const got = await roundTrips(proxy.port, 200, 300);
    expect(got.sort((a, b) => a - b)).toEqual([...Array(200).keys()]);
  });

  it('loses, duplicates and reorders about as asked, in both directions, and only those', async () => {
    server = await echo();
    const faults = { loss: 0.3, duplicate: 0.3, reorder: 0.3, delayMs: [0, 5] as const, seed: 7 };
    proxy = await startUdpFaultProxy(server.port, faults);
    const got = await roundTrips(proxy.port, 1000, 800);
    const { toTarget, toClient } = proxy.stats;
    for (const lane of [toTarget, toClient]) {
      expect(lane.dropped / lane.received).toBeGreaterThan(0.2);
      expect(lane.dropped / lane.received).toBeLessThan(0.4);
      expect(lane.duplicated).toBeGreaterThan(0);
      expect(lane.reordered).toBeGreaterThan(0);
    }
    // Nothing invented: every answer is one of the datagrams sent; some arrive twice, some not at all.
    expect(got.every((x) => Number.isInteger(x) && x >= 0 && x < 1000)).toBe(true);
    expect(new Set(got).size).toBeLessThan(1000);
    expect(got.length).toBe(toClient.sent);
    // Out of order at least once.
    expect(got.some((x, i) => i > 0 && x < got[i - 1]!)).toBe(true);
  });
});
