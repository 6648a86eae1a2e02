import dgram from 'node:dgram';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startUdpFaultProxy } from '../../test/helpers/udp-fault-proxy.js';
import { ExchangeEndpoint, type ExchangeOptions, type Handler } from '../exchange/exchange.js';
import { REJECT_AFTER_TIME, REKEY_AFTER_TIME, REKEY_ATTEMPT_TIME, REKEY_TIMEOUT } from './constants.js';
import { INITIATION_BYTES, MSG_INITIATION, MSG_TRANSPORT } from './formats.js';
import { Initiator } from './handshake.js';
import { RateMeter } from './load-meter.js';
import { testKey } from './test-keys.js';
import { LinkEndpoint, type BindOptions, type LinkEndpointOptions } from './udp-endpoint.js';

const serverKey = testKey(0x31);
const deviceKey = testKey(0x32);
const strangerKey = testKey(0x33);
const psk = Buffer.alloc(32, 0x7e);
const LOOPBACK = '127.0.0.1';
const T0 = 1_780_000_000_000;

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Extra = Partial<Omit<LinkEndpointOptions, 'staticKey' | 'peers'> & BindOptions>;

async function server(extra: Extra = {}): Promise<LinkEndpoint> {
  const s = await LinkEndpoint.bind({
    staticKey: serverKey,
    peers: [{ publicKey: deviceKey.publicKey, psk }],
    random: () => 0,
    ...extra,
  });
  cleanup.push(() => s.close());
  return s;
}

async function device(port: number, extra: Extra = {}, key = deviceKey): Promise<LinkEndpoint> {
  const d = await LinkEndpoint.bind({
    staticKey: key,
    peers: [{ publicKey: serverKey.publicKey, psk, address: { address: LOOPBACK, port } }],
    random: () => 0,
    ...extra,
  });
  cleanup.push(() => d.close());
  return d;
}

/** Upper-cases the payload; counts how often it ran per payload (the first 8 bytes name the request). */
function counting(): { handler: Handler; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  return {
    runs,
    handler: (method, payload) => {
      const id = Buffer.from(payload.subarray(0, 8)).toString('latin1');
      runs.set(id, (runs.get(id) ?? 0) + 1);
      const body = Buffer.from(Buffer.from(payload).toString('latin1').toUpperCase(), 'latin1');
      return { status: 'ok', payload: method === 'grow' ? Buffer.concat([body, body, body]) : body };
    },
  };
}

function exchanges(s: LinkEndpoint, d: LinkEndpoint, handler: Handler, o: ExchangeOptions = {}) {
  const served = new ExchangeEndpoint(s.peer(deviceKey.publicKey), handler, o);
  const client = new ExchangeEndpoint(d.peer(serverKey.publicKey), undefined, o);
  cleanup.push(
    () => served.close(),
    () => client.close(),
  );
  return client;
}

/** A plain socket for sending hand-made datagrams. */
async function rawSocket(): Promise<dgram.Socket> {
  const raw = dgram.createSocket('udp4');
  await new Promise<void>((r) => raw.bind(0, LOOPBACK, r));
  cleanup.push(() => new Promise<void>((r) => raw.close(() => r())));
  return raw;
}

/** Records every datagram an endpoint sends. */
function capture(e: LinkEndpoint): Buffer[] {
  const sent: Buffer[] = [];
  const original = e.socket.send.bind(e.socket) as (...a: unknown[]) => void;
  vi.spyOn(e.socket, 'send').mockImplementation(((...a: unknown[]) => {
    sent.push(Buffer.from(a[0] as Buffer));
    original(...a);
  }) as typeof e.socket.send);
  return sent;
}

const text = (s: string) => Buffer.from(s, 'latin1');
const noRefusals = {
  malformed: 0,
  wrongReceiver: 0,
  replayed: 0,
  forged: 0,
  expired: 0,
  cookie: 0,
  mac1: 0,
  unknownPeer: 0,
  enrolmentClosed: 0,
  enrolmentRateLimited: 0,
  enrolmentRefused: 0,
};

describe('LinkEndpoint on loopback', () => {
  it('does the IKpsk2 handshake on demand and carries requests, block-wise ones too', async () => {
    const s = await server();
    const d = await device(s.address.port);
    const { handler, runs } = counting();
    const client = exchanges(s, d, handler, { ackTimeoutMs: 200 });
    expect(Buffer.from(await client.request('echo', text('req-0001 open door 7'))).toString()).toBe(
      'REQ-0001 OPEN DOOR 7',
    );
    const big = Buffer.concat([text('req-0002'), Buffer.alloc(5_000, 'x')]);
    const answer = await client.request('grow', big);
    expect(answer.length).toBe(3 * big.length);
    expect(Buffer.from(answer).subarray(0, 8).toString()).toBe('REQ-0002');
    expect([...runs.values()]).toEqual([1, 1]);
    expect(d.stats.handshakesCompleted).toBe(1);
    expect(s.stats.handshakesCompleted).toBe(1);
    expect(d.stats.initiationsSent).toBe(1);
    expect(s.stats.refused).toEqual(noRefusals);
    expect(d.stats.refused).toEqual(noRefusals);
    expect(s.sessionCount).toBe(1);
    expect(s.peerState(deviceKey.publicKey)).toMatchObject({
      address: { address: LOOPBACK, port: d.address.port },
      connected: true,
    });
  });

  it('finds a peer that restarted (and lost its sessions) again: unanswered data starts a new handshake', async () => {
    const first = await server();
    const port = first.address.port;
    const d = await device(port, { newHandshakeAfterMs: 300, tickMs: 25 });
    const got: string[] = [];
    const out = d.peer(serverKey.publicKey);
    first.peer(deviceKey.publicKey).onMessage((m) => got.push(Buffer.from(m).toString()));
    out.send(text('before'));
    await until(() => got.includes('before'));
    await first.close();
    // The same Service key on the same port, with no memory of the session the device still uses.
    const again = await server({ port });
    again.peer(deviceKey.publicKey).onMessage((m) => got.push(Buffer.from(m).toString()));
    const resend = setInterval(() => out.send(text('after')), 50);
    try {
      await until(() => got.includes('after'));
    } finally {
      clearInterval(resend);
    }
    expect(again.stats.refused.wrongReceiver).toBeGreaterThan(0);
    expect(d.stats.unansweredHandshakes).toBe(1);
  });

  it('sends a passive keepalive to a peer whose data it did not answer, so that peer never re-handshakes', async () => {
    const s = await server({ tickMs: 25 });
    const d = await device(s.address.port, { newHandshakeAfterMs: 11_000, tickMs: 25 });
    const out = d.peer(serverKey.publicKey);
    let heard = 0;
    s.peer(deviceKey.publicKey).onMessage(() => (heard += 1));
    out.send(text('one-way'));
    await until(() => heard === 1);
    await until(() => s.stats.keepalivesSent === 1, 12_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(d.stats.unansweredHandshakes).toBe(0);
    expect(d.stats.handshakesCompleted).toBe(1);
  }, 20_000);

  it('completes every request exactly once through 30 % loss, duplication and reordering', async () => {
    const s = await server({ rekeyTimeoutMs: 100 });
    const faults = { loss: 0.3, duplicate: 0.3, reorder: 0.3, delayMs: [0, 3] as const, seed: 8 };
    const proxy = await startUdpFaultProxy(s.address.port, faults);
    cleanup.push(() => proxy.close());
    const d = await device(proxy.port, { rekeyTimeoutMs: 100 });
    const { handler, runs } = counting();
    const client = exchanges(s, d, handler, { ackTimeoutMs: 5, maxRetransmit: 20, maxWaitMs: 250 });
    const ids = Array.from({ length: 32 }, (_, i) => `req-${String(i).padStart(4, '0')}`);
    const answers = await Promise.all(
      ids.map((id, i) =>
        client.request(
          i % 4 === 0 ? 'grow' : 'echo',
          Buffer.concat([text(id), Buffer.alloc(i % 4 ? 50 : 1_200, 'a')]),
        ),
      ),
    );
    answers.forEach((a, i) => {
      expect(Buffer.from(a).subarray(0, 8).toString()).toBe(ids[i]!.toUpperCase());
      expect(a.length).toBe((i % 4 === 0 ? 3 : 1) * (8 + (i % 4 ? 50 : 1_200)));
    });
    expect(runs.size).toBe(ids.length);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(proxy.stats.toTarget.dropped + proxy.stats.toClient.dropped).toBeGreaterThan(0);
    // Duplicated transport datagrams are refused by the replay window, and nothing else was.
    expect(s.stats.refused.replayed + d.stats.refused.replayed).toBeGreaterThan(0);
    expect(s.stats.refused.forged + d.stats.refused.forged + s.stats.refused.malformed).toBe(0);
  });
});

describe('LinkEndpoint refuses bad input and counts it', () => {
  it('refuses a replayed initiation and a replayed transport datagram', async () => {
    const s = await server();
    const d = await device(s.address.port);
    const sent = capture(d);
    const client = exchanges(s, d, counting().handler);
    await client.request('echo', text('req-0001'));
    const initiation = sent.find((b) => b[0] === MSG_INITIATION)!;
    const transport = sent.find((b) => b[0] === MSG_TRANSPORT && b.length > 32)!;
    expect(initiation.length).toBe(INITIATION_BYTES);
    const raw = await rawSocket();
    raw.send(initiation, s.address.port, LOOPBACK);
    await until(() => s.stats.refused.replayed === 1);
    raw.send(transport, s.address.port, LOOPBACK);
    await until(() => s.stats.refused.replayed === 2);
    expect(s.stats.handshakesCompleted).toBe(1);
    expect(s.sessionCount).toBe(1);
    expect(s.peerState(deviceKey.publicKey)?.address?.port).toBe(d.address.port);
    await client.request('echo', text('req-0002'));
  });

  it('drops a handshake flood with cookie replies, creates no session, and a real peer still connects', async () => {
    const s = await server({ underLoadPerSecond: 20 });
    const raw = await rawSocket();
    const stranger = new Initiator({ staticKey: strangerKey, peerPublic: serverKey.publicKey });
    let n = 0;
    const flood = () => {
      for (let i = 0; i < 10; i++) {
        const junk = Buffer.alloc(INITIATION_BYTES);
        for (let j = 4; j < junk.length; j++) junk[j] = (n * 31 + j * 7) & 0xff;
        junk[0] = MSG_INITIATION;
        raw.send(junk, s.address.port, LOOPBACK);
        raw.send(stranger.createInitiation(Date.now() + n), s.address.port, LOOPBACK);
        n += 1;
      }
    };
    flood();
    const timer = setInterval(flood, 20);
    cleanup.push(() => clearInterval(timer));
    await until(() => s.stats.refused.cookie > 10);
    const d = await device(s.address.port, { rekeyTimeoutMs: 50 });
    const client = exchanges(s, d, counting().handler);
    expect(Buffer.from(await client.request('echo', text('req-0001'))).toString()).toBe('REQ-0001');
    clearInterval(timer);
    expect(d.stats.cookiesReceived).toBeGreaterThanOrEqual(1);
    expect(d.stats.initiationsSent).toBeGreaterThanOrEqual(2); // the retry carried mac2
    expect(s.stats.refused.mac1).toBeGreaterThanOrEqual(n - 10); // junk fails at mac1, before any DH
    expect(s.stats.handshakesCompleted).toBe(1);
    expect(s.sessionCount).toBe(1);
  });

  it('counts forged, truncated, oversized and misaddressed datagrams and changes nothing', async () => {
    const s = await server();
    const d = await device(s.address.port);
    const sent = capture(d);
    const client = exchanges(s, d, counting().handler);
    await client.request('echo', text('req-0001'));
    const real = sent.find((b) => b[0] === MSG_TRANSPORT && b.length > 32)!;
    const raw = await rawSocket();
    const forged = Buffer.from(real);
    forged.writeBigUInt64LE(7n, 8); // an unused counter, so the window lets it through to the tag check
    forged[20]! ^= 1;
    const farAhead = Buffer.from(real);
    farAhead.writeBigUInt64LE(1n << 40n, 8);
    const misaddressed = Buffer.from(real);
    misaddressed.writeUInt32LE((real.readUInt32LE(4) + 1) >>> 0, 4);
    const bad = [
      forged,
      farAhead,
      real.subarray(0, 20),
      Buffer.alloc(2_000, 4),
      misaddressed,
      Buffer.alloc(2),
    ];
    for (const b of bad) raw.send(b, s.address.port, LOOPBACK);
    await until(() => s.stats.refused.forged === 2 && s.stats.refused.malformed === 3);
    expect(s.stats.refused.wrongReceiver).toBe(1);
    expect(s.stats.refused.replayed).toBe(0);
    // The window did not move (a real later datagram still opens) and the peer did not "roam".
    expect(s.peerState(deviceKey.publicKey)?.address?.port).toBe(d.address.port);
    expect(s.stats.roamed).toBe(0);
    await client.request('echo', text('req-0002'));

    // Arbitrary bytes: refused and counted, never an exception, never a session.
    const before = s.stats.received;
    const junk = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 1_600 }), 200);
    for (const b of junk) raw.send(b, s.address.port, LOOPBACK);
    await until(() => s.stats.received >= before + junk.length - 5);
    const r = s.stats.refused;
    expect(r.malformed + r.wrongReceiver + r.mac1 + r.forged).toBeGreaterThanOrEqual(
      3 + 1 + 2 + junk.length - 5,
    );
    expect(s.sessionCount).toBe(1);
    await client.request('echo', text('req-0003'));
  });

  it('refuses an initiation from a key that is not pinned', async () => {
    const s = await server();
    const stranger = await device(s.address.port, {}, strangerKey);
    stranger.peer(serverKey.publicKey).send(text('let me in'));
    await until(() => s.stats.refused.unknownPeer === 1);
    expect(s.sessionCount).toBe(0);
    expect(stranger.stats.handshakesCompleted).toBe(0);
  });
});

describe('LinkEndpoint timers (injected clock)', () => {
  it('rekeys after REKEY_AFTER_TIME, keeps the previous session briefly, and recovers after expiry', async () => {
    let t = T0;
    const now = () => t;
    const s = await server({ now, tickMs: 0 });
    const d = await device(s.address.port, { now, tickMs: 0 });
    const sent = capture(d);
    const client = exchanges(s, d, counting().handler);
    await client.request('echo', text('req-0001'));
    const first = sent.filter((b) => b[0] === MSG_TRANSPORT && b.length > 32).at(-1)!;

    t += REKEY_AFTER_TIME + 1;
    await client.request('echo', text('req-0002')); // sent on the old keys; the send starts a rekey
    await until(() => d.stats.handshakesCompleted === 2 && s.stats.handshakesCompleted === 2);
    await client.request('echo', text('req-0003'));
    expect(s.sessionCount).toBe(2); // the new session and the previous one
    // The device answers the response it had nothing to say to with a passive keepalive (so the server
    // does not take the silence for a restart), then the previous session expires.
    const heard = s.stats.received;
    t += 10_000;
    d.tick();
    await until(() => s.stats.received === heard + 1);
    t += 5_001;
    s.tick();
    d.tick();
    expect(s.sessionCount).toBe(1);
    // A datagram of the dropped session is now for no one.
    const dgramSocket = await rawSocket();
    dgramSocket.send(first, s.address.port, LOOPBACK);
    await until(() => s.stats.refused.wrongReceiver === 1);

    // Keys past REJECT_AFTER_TIME: refused as expired; the next send handshakes again and goes through.
    const latest = sent.filter((b) => b[0] === MSG_TRANSPORT && b.length > 32).at(-1)!;
    t += REJECT_AFTER_TIME;
    dgramSocket.send(latest, s.address.port, LOOPBACK);
    await until(() => s.stats.refused.expired === 1);
    await client.request('echo', text('req-0004'));
    expect(d.stats.handshakesCompleted).toBe(3);
  });

  it('retries an unanswered initiation after REKEY_TIMEOUT and gives up after REKEY_ATTEMPT_TIME', async () => {
    let t = T0;
    const silent = await rawSocket();
    const d = await device(silent.address().port, { now: () => t, tickMs: 0 });
    const link = d.peer(serverKey.publicKey);
    link.send(text('one'));
    link.send(text('two'));
    expect(d.stats.initiationsSent).toBe(1);
    expect(d.peerState(serverKey.publicKey)).toMatchObject({ handshaking: true, queued: 2 });
    t += REKEY_TIMEOUT - 1;
    d.tick();
    expect(d.stats.initiationsSent).toBe(1);
    t += 1;
    d.tick();
    expect(d.stats.initiationsSent).toBe(2);
    t = T0 + REKEY_ATTEMPT_TIME;
    d.tick();
    expect(d.stats.queueDropped).toBe(2);
    expect(d.peerState(serverKey.publicKey)).toMatchObject({ handshaking: false, queued: 0 });
    link.send(text('three')); // new data starts a new attempt
    expect(d.stats.initiationsSent).toBe(3);
  });

  it('sends a persistent keepalive after keepaliveMs without sending, and only then', async () => {
    let t = T0;
    const now = () => t;
    const s = await server({ now, tickMs: 0 });
    const d = await LinkEndpoint.bind({
      staticKey: deviceKey,
      peers: [
        {
          publicKey: serverKey.publicKey,
          psk,
          address: { address: LOOPBACK, port: s.address.port },
          keepaliveMs: 25_000,
        },
      ],
      now,
      tickMs: 0,
    });
    cleanup.push(() => d.close());
    d.peer(serverKey.publicKey).send(text('hello'));
    await until(() => s.stats.received === 2);
    // The server has nothing to say: its passive keepalive tells the device the hello arrived.
    t += 10_000;
    s.tick();
    await until(() => d.stats.received === 2);
    const keepalives = d.stats.keepalivesSent;
    t += 14_999;
    d.tick();
    expect(d.stats.keepalivesSent).toBe(keepalives);
    t += 1;
    d.tick();
    expect(d.stats.keepalivesSent).toBe(keepalives + 1);
    await until(() => s.stats.received === 3);
    expect(s.stats.refused).toEqual(noRefusals);
  });

  it('follows a peer that moves to another address (roaming) on authenticated datagrams only', async () => {
    const s = await server();
    const d1 = await device(s.address.port);
    const { handler } = counting();
    const served = new ExchangeEndpoint(s.peer(deviceKey.publicKey), handler);
    cleanup.push(() => served.close());
    const c1 = new ExchangeEndpoint(d1.peer(serverKey.publicKey), undefined);
    await c1.request('echo', text('req-0001'));
    c1.close();
    await d1.close();
    const d2 = await device(s.address.port); // same key, new port
    const c2 = new ExchangeEndpoint(d2.peer(serverKey.publicKey), undefined);
    cleanup.push(() => c2.close());
    await c2.request('echo', text('req-0002'));
    expect(s.peerState(deviceKey.publicKey)?.address?.port).toBe(d2.address.port);
    expect(s.stats.roamed).toBe(1);
  });
});

describe('RateMeter', () => {
  it('counts events in the last second and forgets them', () => {
    const m = new RateMeter();
    for (let i = 0; i < 100; i++) m.add(T0 + i);
    expect(m.rate(T0 + 100)).toBe(100);
    expect(m.rate(T0 + 1_500)).toBeCloseTo(50, 0);
    expect(m.rate(T0 + 2_500)).toBe(0);
  });
});
