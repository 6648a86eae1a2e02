import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/until.js';
import {
  AirUnreachableError,
  parseAirAddress,
  RadioPort,
  RfAir,
  type RfAirOptions,
  wireLimit,
} from './air.js';

const A = '00124B0000000001';
const B = '00124B0000000002';
const C = '00124B0000000003';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(opts: RfAirOptions = {}): Promise<RfAir> {
  const air = await RfAir.start(opts);
  cleanups.push(() => air.close());
  return air;
}

async function radio(air: RfAir, ext: string, channel?: number) {
  const r = await RadioPort.connect({ air: { host: '127.0.0.1', port: air.port }, ext, channel });
  cleanups.push(() => r.close());
  const heard: { psdu: Buffer; lqi: number }[] = [];
  r.on('frame', (psdu, lqi) => heard.push({ psdu, lqi }));
  return { r, heard };
}

describe('wireLimit', () => {
  it('counts the PHY header, the turnaround and the ACK at 250 kbit/s', () => {
    // 127-byte PSDU: (6 + 127) × 32 µs = 4256 µs; + 192 µs turnaround + (6 + 5) × 32 µs ACK = 4800 µs.
    expect(wireLimit(127)).toMatchObject({ frameUs: 4800 });
    expect(wireLimit(127).framesPerSecond).toBeCloseTo(208.33, 2);
    expect(wireLimit(127, { ack: false }).frameUs).toBe(4256);
    expect(wireLimit(50).frameUs).toBe((6 + 50) * 32 + 192 + 11 * 32);
    expect(() => wireLimit(128)).toThrow(RangeError);
  });
});

describe('RfAir and RadioPort', () => {
  it('delivers each frame to every other radio on the channel, with an LQI', async () => {
    const air = await start({ seed: 3 });
    const a = await radio(air, A);
    const b = await radio(air, B);
    const c = await radio(air, C, 20);
    a.r.send(Buffer.from('hello'));
    await until(() => b.heard.length === 1, 'B hears A');
    expect(b.heard[0]!.psdu.toString()).toBe('hello');
    expect(b.heard[0]!.lqi).toBeGreaterThanOrEqual(70);
    b.r.send(Buffer.from('back'));
    await until(() => a.heard.length === 1, 'A hears B');
    expect(a.heard[0]!.psdu.toString()).toBe('back');
    expect(c.heard).toEqual([]);
    expect(
      air
        .attached()
        .map((x) => x.channel)
        .sort(),
    ).toEqual([15, 15, 20]);
    expect(air.stats).toMatchObject({ radios: 3, transmitted: 2, delivered: 2 });
  });

  it('loses and duplicates as told, from its seed', async () => {
    const run = async (seed: number) => {
      const air = await start({ seed, loss: 0.3, dup: 0.2 });
      const a = await radio(air, A);
      const b = await radio(air, B);
      for (let i = 0; i < 200; i++) a.r.send(Buffer.from([i]));
      await until(() => air.stats.transmitted === 200, 'all sent');
      await until(() => b.heard.length === air.stats.delivered, 'all delivered heard');
      return { stats: { ...air.stats }, got: b.heard.map((h) => h.psdu[0]) };
    };
    const one = await run(5);
    const two = await run(5);
    expect(one).toEqual(two);
    expect(one.stats.lost).toBeGreaterThan(30);
    expect(one.stats.duplicated).toBeGreaterThan(10);
    expect(one.got.length).toBe(200 - one.stats.lost + one.stats.duplicated);
  });

  it('paces the channel at 250 kbit/s with --airtime, frames in order', async () => {
    const air = await start({ airtime: true });
    const a = await radio(air, A);
    const b = await radio(air, B);
    for (let i = 0; i < 20; i++) a.r.send(Buffer.alloc(127, i));
    await until(() => b.heard.length === 20, 'all frames through');
    expect(b.heard.map((h) => h.psdu[0])).toEqual([...Array(20).keys()]);
  });

  it('ignores strays and oversize frames; a radio refuses to send one', async () => {
    const air = await start();
    const a = await radio(air, A);
    const b = await radio(air, B);
    const sock = dgram.createSocket('udp4');
    cleanups.push(() => sock.close());
    await new Promise<void>((r) => sock.send(Buffer.from('junk'), air.port, '127.0.0.1', () => r()));
    await new Promise<void>((r) =>
      sock.send(
        Buffer.concat([Buffer.from('LA'), Buffer.from([2]), Buffer.alloc(10)]),
        air.port,
        '127.0.0.1',
        () => r(),
      ),
    );
    await until(() => air.stats.strays === 2, 'strays counted');
    expect(() => a.r.send(Buffer.alloc(128))).toThrow(RangeError);
    a.r.send(Buffer.from('still works'));
    await until(() => b.heard.length === 1, 'the air still works');
  });

  it('says how to start an air when none answers', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    cleanups.push(() => sock.close());
    await expect(
      RadioPort.connect({ air: { host: '127.0.0.1', port }, ext: A, timeoutMs: 300 }),
    ).rejects.toThrow(AirUnreachableError);
  });

  it('parses HOST:PORT', () => {
    expect(parseAirAddress('127.0.0.1:4000')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseAirAddress('[::1]:4000')).toEqual({ host: '::1', port: 4000 });
    expect(() => parseAirAddress('nohost')).toThrow(/HOST:PORT/);
  });
});
