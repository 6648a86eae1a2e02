import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/until.js';
import {
  BleLinkError,
  connectBle,
  listenBle,
  MAX_BLE_MESSAGE,
  type BleConnection,
  type BleServer,
} from './ble-link.js';
import { newDeviceKey } from './device-key.js';
import { serveMobileOpenings, type MobileOpenings } from './mobile-openings.js';
import { cheapHasher, mobileLock, tokenFor } from './mobile-test-kit.js';
import { openFromPhone } from './opening.js';

/** The BLE-like link on real UDP sockets on loopback, and phone openings over it. */

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function echoServer(o: Parameters<typeof listenBle>[0] = { port: 0 }): Promise<BleServer> {
  const server = await listenBle(o, (conn) => {
    void (async () => {
      try {
        for (;;) await conn.send(await conn.receive(5000));
      } catch {
        conn.close();
      }
    })();
  });
  closers.push(() => server.close());
  return server;
}

async function connect(port: number): Promise<BleConnection> {
  const conn = await connectBle('127.0.0.1', port);
  closers.push(() => conn.close());
  return conn;
}

/**
 * A UDP relay between the phone and the lock that drops every `n`th packet either way: the link must
 * still deliver every message whole and once.
 */
async function lossyRelay(target: number, n: number): Promise<number> {
  const socket = dgram.createSocket('udp4');
  let phone: dgram.RemoteInfo | undefined;
  let count = 0;
  socket.on('message', (b, from) => {
    if (++count % n === 0) return;
    if (from.port === target) {
      if (phone) socket.send(b, phone.port, phone.address);
    } else {
      phone = from;
      socket.send(b, target, '127.0.0.1');
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket.address().port;
}

describe('BLE-like link', () => {
  it('carries messages of every size up to the limit whole, in order', async () => {
    const server = await echoServer();
    const conn = await connect(server.port);
    for (const size of [1, 179, 180, 1000, MAX_BLE_MESSAGE]) {
      const m = randomBytes(size);
      await conn.send(m);
      expect((await conn.receive(3000)).equals(m)).toBe(true);
    }
    await expect(conn.send(Buffer.alloc(MAX_BLE_MESSAGE + 1))).rejects.toThrow(RangeError);
  });

  it('delivers every message once through a link that loses packets', async () => {
    const server = await echoServer({ port: 0, retryMs: 30 });
    const port = await lossyRelay(server.port, 4);
    const conn = await connectBle('127.0.0.1', port, { retryMs: 30, tries: 20 });
    closers.push(() => conn.close());
    for (let i = 0; i < 5; i++) {
      const m = randomBytes(600 + i);
      await conn.send(m);
      expect((await conn.receive(5000)).equals(m)).toBe(true);
    }
  });

  it('serves one phone at a time: a second hears that the lock is busy', async () => {
    const server = await echoServer();
    const first = await connect(server.port);
    await expect(connectBle('127.0.0.1', server.port)).rejects.toThrow(/busy/);
    first.close();
    const second = await until(() => connect(server.port), 'the lock to take the next phone', 5000);
    await second.send(Buffer.from('hi'));
    expect((await second.receive(3000)).toString()).toBe('hi');
  });

  it('says what to check when nothing listens', async () => {
    const server = await echoServer();
    const port = server.port;
    await server.close();
    await expect(connectBle('127.0.0.1', port, { connectTimeoutMs: 300 })).rejects.toThrow(BleLinkError);
  });
});

describe('serveMobileOpenings', () => {
  it('opens for a phone over the link, and refuses a copied token, each recorded once', async () => {
    const group = Buffer.alloc(32, 0x44);
    const { lock, memory } = mobileLock(group);
    const outcomes: unknown[] = [];
    const served: MobileOpenings = await serveMobileOpenings({
      port: 0,
      lock,
      pins: cheapHasher,
      onOutcome: (o) => outcomes.push(o),
    });
    closers.push(() => served.close());
    const device = newDeviceKey();
    const token = tokenFor(group, device);
    const phone = await connect(served.port);
    expect(await openFromPhone(phone, { deviceKey: device, pick: () => token })).toMatchObject({
      granted: true,
    });
    const thief = await until(() => connect(served.port), 'the lock to take the next phone', 5000);
    expect(await openFromPhone(thief, { deviceKey: newDeviceKey(), pick: () => token })).toMatchObject({
      granted: false,
      reason: 'bad-signature',
    });
    expect(outcomes).toHaveLength(2);
    expect(memory.state.audit.records.slice(-2).map((r) => r.event)).toEqual(['granted', 'denied']);
  });
});
