import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fuzzCodec, nearMisses } from '../../test/helpers/codec-fuzz.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import { RadioPort, RfAir, type RfAirOptions } from './air.js';
import { CounterFile } from './frame-counters.js';
import { RfEndpoint } from './rf-endpoint.js';
import {
  decodeTxFrame,
  encodeTxFrame,
  MAX_RF_MESSAGE,
  RfPeer,
  type RfPeerOptions,
  RfTransactionError,
  type TxFrame,
  TxFrameError,
} from './rf-transaction.js';

const NODE = '00124B00000000AA';
const LOCK = '00124B00000000BB';
const PAN = 0x4c49;
const KEY = Buffer.alloc(16, 0x33);
/** Quick retries for loopback; the exchange is still bounded by the attempts, not by wall time. */
const FAST: RfPeerOptions = { timeoutMs: 60, retries: 30, deadlineMs: 60_000 };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(airOpts: RfAirOptions = {}, peerOpts: RfPeerOptions = FAST) {
  const air = await RfAir.start({ seed: 7, ...airOpts });
  cleanups.push(() => air.close());
  const d = tempDir('lintel-rf-tx-');
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  const endpoints = new Map<string, RfEndpoint>();
  const peer = async (ext: string): Promise<RfPeer> => {
    const radio = await RadioPort.connect({ air: { host: '127.0.0.1', port: air.port }, ext });
    cleanups.push(() => radio.close());
    const ep = new RfEndpoint({
      radio,
      ext,
      panId: PAN,
      keys: new Map([[1, KEY]]),
      counters: CounterFile.open(path.join(d, `${ext}.json`)),
    });
    cleanups.push(() => ep.close());
    endpoints.set(ext, ep);
    const p = new RfPeer(ep, peerOpts);
    cleanups.push(() => p.close());
    return p;
  };
  return { air, node: await peer(NODE), lock: await peer(LOCK), endpoints };
}

describe('transaction frames', () => {
  const frames: fc.Arbitrary<TxFrame> = fc.oneof(
    fc
      .record({
        kind: fc.constantFrom('req' as const, 'resp' as const),
        txId: fc.nat({ max: 0xffff_ffff }),
        count: fc.integer({ min: 1, max: 64 }),
        index: fc.nat(),
        data: fc.uint8Array({ maxLength: 83 }).map((b) => Buffer.from(b)),
      })
      .map((f) => ({ ...f, index: f.index % f.count })),
    fc
      .record({
        txId: fc.nat({ max: 0xffff_ffff }),
        count: fc.integer({ min: 1, max: 64 }),
        have: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      })
      .map((f) => ({ kind: 'probe' as const, ...f, have: f.have & ((1n << BigInt(f.count)) - 1n) })),
    fc
      .record({ txId: fc.nat({ max: 0xffff_ffff }), have: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) })
      .map((f) => ({ kind: 'need' as const, ...f })),
    fc.record({ txId: fc.nat({ max: 0xffff_ffff }) }).map((f) => ({ kind: 'busy' as const, ...f })),
  );

  it('decode is the inverse of encode; any other bytes are a TxFrameError', () => {
    fuzzCodec(
      decodeTxFrame,
      encodeTxFrame,
      nearMisses(
        frames.map((f) => Uint8Array.from(encodeTxFrame(f))),
        100,
      ),
      TxFrameError,
    );
  });
});

describe('RfPeer over a real air', () => {
  it('answers a request; small and 4 KiB messages both ways', async () => {
    const { node, lock } = await setup();
    lock.serve((src, bytes, keyIndex) => Buffer.concat([Buffer.from(`${src}/${keyIndex}:`), bytes]));
    expect((await node.request(LOCK, Buffer.from('status'))).toString()).toBe(`${NODE}/1:status`);
    const big = Buffer.alloc(MAX_RF_MESSAGE - 100, 0x5a);
    big.write('start');
    const answer = await node.request(LOCK, big);
    expect(answer.subarray(answer.indexOf(':') + 1).equals(big)).toBe(true);
    node.serve(() => Buffer.alloc(MAX_RF_MESSAGE, 1));
    expect((await lock.request(NODE, Buffer.from('audit please'))).length).toBe(MAX_RF_MESSAGE);
    expect((await lock.request(NODE, Buffer.alloc(0))).length).toBe(MAX_RF_MESSAGE);
  });

  it('with 30 % loss and 20 % duplication: every request handled exactly once and answered', async () => {
    const { air, node, lock } = await setup({ loss: 0.3, dup: 0.2 });
    const handled = new Map<string, number>();
    lock.serve(async (_src, bytes) => {
      const id = bytes.subarray(0, 8).toString();
      handled.set(id, (handled.get(id) ?? 0) + 1);
      await new Promise((r) => setImmediate(r));
      return Buffer.concat([Buffer.from('ok '), bytes]);
    });
    const N = 40;
    const requests = Array.from({ length: N }, (_, i) => {
      // Every fifth request needs many fragments (about 1.5 KiB: ~19 fragments).
      const body = Buffer.alloc(i % 5 === 0 ? 1500 : 20, i);
      body.write(`req${String(i).padStart(5, '0')}`);
      return body;
    });
    const answers = await Promise.all(requests.map((r) => node.request(LOCK, r)));
    answers.forEach((a, i) => expect(a.equals(Buffer.concat([Buffer.from('ok '), requests[i]!]))).toBe(true));
    expect(handled.size).toBe(N);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(air.stats.lost).toBeGreaterThan(0);
    expect(air.stats.duplicated).toBeGreaterThan(0);
    expect(lock.stats.handled).toBe(N);
    expect(node.stats.probes).toBeGreaterThan(0);
  });

  it('4 KiB each way over 30 % loss', async () => {
    const { node, lock } = await setup({ loss: 0.3, dup: 0.2, seed: 99 });
    let calls = 0;
    lock.serve((_src, bytes) => {
      calls += 1;
      return Buffer.from(bytes).reverse();
    });
    const msg = Buffer.from(Array.from({ length: MAX_RF_MESSAGE }, (_, i) => (i * 7) & 0xff));
    const answer = await node.request(LOCK, msg);
    expect(answer.equals(Buffer.from(msg).reverse())).toBe(true);
    expect(calls).toBe(1);
  });

  it('rejects TOO_LARGE, REMOTE (the handler failed), TIMEOUT (nobody answers), CLOSED', async () => {
    const { node, lock } = await setup({}, { timeoutMs: 50, retries: 10 });
    await expect(node.request(LOCK, Buffer.alloc(MAX_RF_MESSAGE + 1))).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    lock.serve(() => {
      throw new Error('door 4 is not this lock');
    });
    await expect(node.request(LOCK, Buffer.from('x'))).rejects.toThrow(/door 4 is not this lock/);
    await expect(node.request('00124B00000000EE', Buffer.from('x'), { retries: 2 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    lock.serve(() => new Promise(() => undefined));
    const pending = node.request(LOCK, Buffer.from('never answered'), { deadlineMs: 60_000, retries: 100 });
    node.close();
    await expect(pending).rejects.toBeInstanceOf(RfTransactionError);
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(node.request(LOCK, Buffer.from('x'))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('fuzz: a network-key holder sending arbitrary transaction frames never breaks the peer', async () => {
    const { node, lock, endpoints } = await setup();
    const handled: Buffer[] = [];
    lock.serve((_src, bytes) => {
      handled.push(bytes);
      return Buffer.from('fine');
    });
    const frames = fc.sample(
      fc.oneof(
        fc.record({
          kind: fc.constantFrom('req' as const, 'resp' as const),
          txId: fc.nat({ max: 20 }),
          count: fc.integer({ min: 2, max: 64 }),
          index: fc.nat(),
          data: fc.uint8Array({ maxLength: 83 }).map((b) => Buffer.from(b)),
        }),
        fc.record({
          kind: fc.constant('probe' as const),
          txId: fc.nat({ max: 20 }),
          count: fc.integer({ min: 1, max: 64 }),
        }),
        fc.record({
          kind: fc.constant('need' as const),
          txId: fc.nat({ max: 20 }),
          have: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        }),
        fc.record({ kind: fc.constant('busy' as const), txId: fc.nat({ max: 20 }) }),
      ),
      { numRuns: 300, seed: 11 },
    );
    // Every REQ claims one fragment less than it needs (index 0 never sent): nothing is ever complete.
    const endpoint = endpoints.get(NODE)!;
    for (const f of frames) {
      const frame: TxFrame =
        f.kind === 'req' || f.kind === 'resp'
          ? { ...f, index: 1 + (f.index % (f.count - 1)) }
          : f.kind === 'probe'
            ? { ...f, have: 0n }
            : f;
      endpoint.send(LOCK, encodeTxFrame(frame));
    }
    lock.serve((_src, bytes) => {
      handled.push(bytes);
      return Buffer.from('fine');
    });
    expect((await node.request(LOCK, Buffer.from('genuine'))).toString()).toBe('fine');
    expect(handled.map((b) => b.toString())).toEqual(['genuine']);
  });

  it('keeps a slow handler alive with BUSY (no retries spent) and still handles it once', async () => {
    const { node, lock } = await setup({}, { timeoutMs: 100, retries: 3 });
    let calls = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    lock.serve(async () => {
      calls += 1;
      await released;
      return Buffer.from('done');
    });
    const answer = node.request(LOCK, Buffer.from('commit'));
    // Wait until several probes were answered BUSY (more than `retries`), then let the handler finish.
    while (node.stats.probes < 8) await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await answer).toString()).toBe('done');
    expect(calls).toBe(1);
  });
});
