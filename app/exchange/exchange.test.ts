import dgram from 'node:dgram';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpFaultProxy, type UdpFaultProxy } from '../../test/helpers/udp-fault-proxy.js';
import {
  decodeMessage,
  encodeMessage,
  ExchangeFormatError,
  KINDS,
  STATUSES,
  type ExchangeMessage,
} from './exchange-codec.js';
import { ExchangeEndpoint, ExchangeError, type Datagrams, type Handler } from './exchange.js';

/** Two ends joined in memory; `tap` sees (and may drop or repeat) every datagram. */
function memoryPair(tap: (bytes: Uint8Array, deliver: () => void) => void = (_b, d) => d()) {
  const ends = [new Set<(b: Uint8Array) => void>(), new Set<(b: Uint8Array) => void>()];
  const end = (me: 0 | 1): Datagrams => ({
    send: (bytes) =>
      tap(bytes, () => queueMicrotask(() => ends[1 - me]!.forEach((cb) => cb(Uint8Array.from(bytes))))),
    onMessage: (cb) => {
      ends[me]!.add(cb);
      return () => ends[me]!.delete(cb);
    },
  });
  return [end(0), end(1)] as const;
}

/**
 * A UDP socket on loopback for one peer: it sends to `peer` when given, else back to whoever it last
 * heard from (a server behind the proxy answers the proxy's upstream socket).
 */
async function udpEnd(peer?: number): Promise<Datagrams & { port: number; close: () => void }> {
  const s = dgram.createSocket('udp4');
  let last = peer ?? 0;
  s.on('message', (_m, from) => {
    if (peer === undefined) last = from.port;
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return {
    port: s.address().port,
    send: (bytes) => s.send(bytes, last, '127.0.0.1'),
    onMessage: (cb) => {
      const on = (m: Buffer) => cb(m);
      s.on('message', on);
      return () => s.off('message', on);
    },
    close: () => s.close(),
  };
}

const echoUpper: Handler = (_method, payload) => ({
  status: 'ok',
  payload: Buffer.from(Buffer.from(payload).toString('latin1').toUpperCase(), 'latin1'),
});

let cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('exchange codec', () => {
  const message = fc.record({
    kind: fc.constantFrom(...KINDS),
    messageId: fc.nat({ max: 0xffff_ffff }),
    exchangeId: fc.nat({ max: 0xffff_ffff }),
    block: fc.option(
      fc.record({
        of: fc.constantFrom('request' as const, 'response' as const),
        num: fc.nat({ max: 0xffff }),
        more: fc.boolean(),
      }),
      { nil: null },
    ),
    status: fc.constantFrom(...STATUSES),
    method: fc.string({ minLength: 1, maxLength: 64 }).filter((s) => /^[\x20-\x7e]+$/.test(s)),
    payload: fc.uint8Array({ maxLength: 200 }),
  });

  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (m) => {
        const msg: ExchangeMessage = { ...m, method: m.kind === 'request' ? m.method : '' };
        const back = decodeMessage(encodeMessage(msg));
        expect({ ...back, payload: Buffer.from(back.payload) }).toEqual({
          ...msg,
          payload: Buffer.from(msg.payload),
        });
      }),
    );
  });

  it('refuses arbitrary bytes with ExchangeFormatError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ExchangeFormatError);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('exchange endpoint', () => {
  it('answers a request, block-wise both ways when large', async () => {
    const [a, b] = memoryPair();
    const client = new ExchangeEndpoint(a, undefined, { blockSize: 64 });
    const server = new ExchangeEndpoint(b, echoUpper, { blockSize: 64 });
    cleanup.push(
      () => client.close(),
      () => server.close(),
    );
    expect(Buffer.from(await client.request('echo', Buffer.from('hello'))).toString()).toBe('HELLO');
    const big = Buffer.from('abcdefghij'.repeat(100));
    expect(Buffer.from(await client.request('echo', big)).toString()).toBe(big.toString().toUpperCase());
  });

  it('runs the handler once for a request whose datagrams arrive twice, and answers both', async () => {
    const [a, b] = memoryPair((_bytes, deliver) => {
      deliver();
      deliver();
    });
    let runs = 0;
    const client = new ExchangeEndpoint(a, undefined);
    const server = new ExchangeEndpoint(b, (m, p) => {
      runs += 1;
      return echoUpper(m, p);
    });
    cleanup.push(
      () => client.close(),
      () => server.close(),
    );
    await client.request('echo', Buffer.from('once'));
    expect(runs).toBe(1);
    expect(server.stats.duplicates).toBeGreaterThan(0);
  });

  it('says what went wrong: a failing handler, an end that serves nothing, a silent peer', async () => {
    const [a, b] = memoryPair();
    const client = new ExchangeEndpoint(a, undefined, { ackTimeoutMs: 5, maxRetransmit: 2 });
    const server = new ExchangeEndpoint(b, () => {
      throw new Error('boom');
    });
    await expect(client.request('x', new Uint8Array(0))).rejects.toMatchObject({ code: 'failed' });
    server.close();
    const mute = new ExchangeEndpoint(b, undefined);
    await expect(client.request('x', new Uint8Array(0))).rejects.toMatchObject({ code: 'not-found' });
    mute.close();
    const err = await client.request('x', new Uint8Array(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeError);
    expect((err as ExchangeError).code).toBe('timeout');
    expect(client.stats.retransmitted).toBe(2);
    client.close();
  });

  it('completes every request exactly once through 30 % loss, duplication and reordering on real UDP', async () => {
    const serverEnd = await udpEnd();
    const proxy: UdpFaultProxy = await startUdpFaultProxy(serverEnd.port, {
      loss: 0.3,
      duplicate: 0.3,
      reorder: 0.3,
      delayMs: [0, 3],
      seed: 42,
    });
    const clientEnd = await udpEnd(proxy.port);
    const runs = new Map<string, number>();
    const server = new ExchangeEndpoint(
      serverEnd,
      (method, payload) => {
        const id = Buffer.from(payload.subarray(0, 8)).toString();
        runs.set(id, (runs.get(id) ?? 0) + 1);
        return {
          status: 'ok',
          payload: Buffer.concat([Buffer.from(payload), Buffer.alloc(method === 'big' ? 3000 : 0, 7)]),
        };
      },
      { ackTimeoutMs: 15, maxRetransmit: 20, maxWaitMs: 250 },
    );
    const client = new ExchangeEndpoint(clientEnd, undefined, {
      ackTimeoutMs: 15,
      maxRetransmit: 20,
      maxWaitMs: 250,
    });
    cleanup.push(
      () => client.close(),
      () => server.close(),
      () => proxy.close(),
      () => serverEnd.close(),
      () => clientEnd.close(),
    );
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const id = String(i).padStart(8, '0');
        const body = Buffer.concat([Buffer.from(id), Buffer.alloc(i % 3 === 0 ? 2500 : 10, i)]);
        return client.request(i % 2 ? 'big' : 'small', body).then((r) => ({ i, body, r }));
      }),
    );
    for (const { i, body, r } of answers) {
      expect(Buffer.from(r.subarray(0, body.length)).equals(body)).toBe(true);
      expect(r.length).toBe(body.length + (i % 2 ? 3000 : 0));
    }
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(60);
    expect(client.stats.retransmitted).toBeGreaterThan(0);
    expect(proxy.stats.toTarget.dropped + proxy.stats.toClient.dropped).toBeGreaterThan(0);
  }, 60_000);
});
