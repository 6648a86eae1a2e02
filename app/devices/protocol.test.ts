import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DevicePeer } from './peer-rpc.js';
import { decodeJson, DEVICE_METHODS, DeviceProtocolError, encodeJson, SyncReply } from './protocol.js';
import { sampleCard, sampleSyncReply } from './test-support.js';
import type { Datagrams } from '../exchange/exchange.js';

/** Two datagram ends wired to each other in memory (the exchange layer's own tests run it over UDP). */
function pipe(): [Datagrams, Datagrams] {
  const listeners: [Set<(b: Uint8Array) => void>, Set<(b: Uint8Array) => void>] = [new Set(), new Set()];
  const end = (mine: 0 | 1): Datagrams => ({
    send: (bytes) => queueMicrotask(() => listeners[1 - mine]!.forEach((cb) => cb(bytes))),
    onMessage: (cb) => {
      listeners[mine].add(cb);
      return () => listeners[mine].delete(cb);
    },
  });
  return [end(0), end(1)];
}

describe('the device protocol', () => {
  it('round-trips a sync reply', () => {
    const reply = sampleSyncReply({
      revision: 3,
      cards: { full: true, upsert: [sampleCard(1, 3)], remove: [] },
    });
    expect(decodeJson(SyncReply, encodeJson(reply), 'sync result')).toEqual(reply);
  });

  it('refuses any bytes that are not a valid message with a DeviceProtocolError, for every schema', () => {
    const schemas = Object.values(DEVICE_METHODS).flatMap((m) => [m.params, m.result]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.json().map((j) => Buffer.from(j, 'utf8')),
          fc.anything().map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
        ),
        fc.integer({ min: 0, max: schemas.length - 1 }),
        (bytes, i) => {
          try {
            decodeJson(schemas[i]! as never, bytes, 'fuzz');
          } catch (err) {
            expect(err).toBeInstanceOf(DeviceProtocolError);
          }
        },
      ),
    );
  });

  it('answers a request that does not fit its schema with bad-request, and never runs the handler', async () => {
    const [a, b] = pipe();
    let ran = 0;
    const server = new DevicePeer(b, {
      events: () => {
        ran += 1;
        return { ack: 0 };
      },
    });
    const client = new DevicePeer(a, {});
    await expect(
      client.exchange.request('events', Buffer.from('{"events":[{"seq":-1}]}')),
    ).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(client.exchange.request('nope', Buffer.from('{}'))).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(client.call('sync', { revision: 0, blacklistSeq: 0 })).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(ran).toBe(0);
    client.close();
    server.close();
  });

  it("refuses an answer that does not fit the method's result", async () => {
    const [a, b] = pipe();
    const server = new DevicePeer(b, { status: () => ({ now: 'soon' }) as never });
    const client = new DevicePeer(a, {});
    const status = {
      deviceId: 1,
      kind: 'control-unit' as const,
      version: '1',
      revision: 0,
      blacklistSeq: 0,
      pendingEvents: 0,
      clock: 0,
      online: true,
      lastSeen: null,
      readers: [],
      doors: [],
      refused: {},
      rfLocks: [],
    };
    await expect(client.call('status', { units: [status] })).rejects.toBeInstanceOf(DeviceProtocolError);
    client.close();
    server.close();
  });
});
