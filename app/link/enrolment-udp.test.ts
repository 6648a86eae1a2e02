import dgram from 'node:dgram';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startUdpFaultProxy } from '../../test/helpers/udp-fault-proxy.js';
import { EnrolmentAttempt, type EnrolmentHost, type EnrolmentRequest } from './enrolment.js';
import { MSG_ENROL_INIT, MSG_ENROL_REPLY, MSG_ENROL_RESPONSE, MAX_ENROL_PAYLOAD_BYTES } from './formats.js';
import { testKey } from './test-keys.js';
import { LinkEndpoint, type LinkEndpointOptions } from './udp-endpoint.js';

const serviceKey = testKey(0x51);
const deviceKey = testKey(0x52);
const otherKey = testKey(0x53);
const CODE = 'T4KX-9QZR-2M7B-HC8P-VN3W-5JYD';
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

async function endpoint(o: Partial<LinkEndpointOptions> & { staticKey: LinkEndpointOptions['staticKey'] }) {
  const e = await LinkEndpoint.bind({ random: () => 0, ...o });
  cleanup.push(() => e.close());
  return e;
}

/** The Service's host: one or more pending codes, consumed on accept; pins the device on the endpoint. */
function serviceHost(codes: { id: string; code: string }[]) {
  const pending = new Map(codes.map((c) => [c.id, c]));
  const accepted: EnrolmentRequest[] = [];
  let endpointRef: LinkEndpoint | undefined;
  const host: EnrolmentHost = {
    codes: () => pending.values(),
    accept: async (e) => {
      if (!pending.delete(e.codeId)) throw new Error('code already used');
      accepted.push(e);
      endpointRef!.addPeer({ publicKey: e.publicKey, psk: e.psk, address: e.address });
      await new Promise((r) => setTimeout(r, 1)); // a database write
      return Buffer.from(`welcome ${e.payload.toString()}`);
    },
  };
  return {
    host,
    accepted,
    pending,
    attach: (e: LinkEndpoint) => {
      endpointRef = e;
    },
  };
}

async function service(codes: { id: string; code: string }[], extra: Partial<LinkEndpointOptions> = {}) {
  const h = serviceHost(codes);
  const s = await endpoint({ staticKey: serviceKey, enrolment: h.host, ...extra });
  h.attach(s);
  return { s, ...h };
}

const text = (s: string) => Buffer.from(s, 'latin1');

function received(e: LinkEndpoint, key: Uint8Array): string[] {
  const got: string[] = [];
  e.peer(key).onMessage((b) => got.push(Buffer.from(b).toString('latin1')));
  return got;
}

/** Drops datagrams an endpoint sends while `drop` says so. */
function dropSent(e: LinkEndpoint, drop: (b: Buffer) => boolean): void {
  const original = e.socket.send.bind(e.socket) as (...a: unknown[]) => void;
  vi.spyOn(e.socket, 'send').mockImplementation(((...a: unknown[]) => {
    if (!drop(Buffer.from(a[0] as Buffer))) original(...a);
  }) as typeof e.socket.send);
}

async function rawSocket(): Promise<{ socket: dgram.Socket; got: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, LOOPBACK, r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, got };
}

describe('enrolment over UDP', () => {
  it('enrols a device with the right code, then both sides talk IKpsk2 with the derived psk', async () => {
    const { s, accepted, pending } = await service([{ id: 'code-1', code: CODE }]);
    const d = await endpoint({ staticKey: deviceKey });
    const address = s.address;
    const result = await d.enrol({ address, code: CODE.toLowerCase(), payload: text('gw-7 v1.2') });
    expect(result.peerPublicKey).toEqual(serviceKey.publicKey);
    expect(result.reply.toString()).toBe('welcome gw-7 v1.2');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      codeId: 'code-1',
      address: { address: LOOPBACK, port: d.address.port },
    });
    expect(accepted[0]!.publicKey).toEqual(deviceKey.publicKey);
    expect(result.psk).toEqual(accepted[0]!.psk);
    expect(pending.size).toBe(0);
    expect(s.peers()).toEqual([deviceKey.publicKey]);
    expect(s.stats.enrolmentsAccepted).toBe(1);
    expect(d.stats.enrolmentsCompleted).toBe(1);

    // The device keeps its socket and pins the Service: IKpsk2 both ways with the derived psk.
    d.addPeer({ publicKey: result.peerPublicKey, psk: result.psk, address });
    const atService = received(s, deviceKey.publicKey);
    const atDevice = received(d, serviceKey.publicKey);
    d.peer(serviceKey.publicKey).send(text('hello service'));
    await until(() => atService.length === 1);
    s.peer(deviceKey.publicKey).send(text('hello device'));
    await until(() => atDevice.length === 1);
    expect(atService).toEqual(['hello service']);
    expect(atDevice).toEqual(['hello device']);
    expect(s.stats.handshakesCompleted).toBe(1);
    expect(s.stats.refused.forged + d.stats.refused.forged).toBe(0);
  });

  it('refuses a wrong code: the device hears "refused", nothing is pinned, the host is not asked', async () => {
    const { s, accepted, pending } = await service([{ id: 'code-1', code: CODE }]);
    const d = await endpoint({ staticKey: deviceKey });
    await expect(
      d.enrol({ address: s.address, code: 'AAAA-BBBB-CCCC-DDDD', payload: text('x'), timeoutMs: 2_000 }),
    ).rejects.toThrow(/the pairing code was refused by 127\.0\.0\.1:\d+/);
    await until(() => s.stats.refused.forged === 1);
    expect(accepted).toHaveLength(0);
    expect(pending.size).toBe(1);
    expect(s.peers()).toEqual([]);
    expect(d.peers()).toEqual([]);
  });

  it('completes when message 4 is lost: the retry is answered again with the same psk and reply', async () => {
    const { s, accepted } = await service([{ id: 'code-1', code: CODE }]);
    let dropped = 0;
    dropSent(s, (b) => b[0] === MSG_ENROL_REPLY && dropped++ === 0);
    const d = await endpoint({ staticKey: deviceKey });
    const result = await d.enrol({ address: s.address, code: CODE, payload: text('gw'), retryMs: 150 });
    expect(dropped).toBeGreaterThanOrEqual(2);
    expect(accepted).toHaveLength(1); // the host decided once
    expect(result.psk).toEqual(accepted[0]!.psk);
    expect(result.reply.toString()).toBe('welcome gw');
    expect(s.stats.enrolmentsAccepted).toBe(1);
    expect(s.stats.enrolmentsRepeated).toBeGreaterThanOrEqual(1);
    expect(d.stats.enrolmentInitsSent).toBeGreaterThanOrEqual(2);
    // And the link works with that psk.
    d.addPeer({ publicKey: result.peerPublicKey, psk: result.psk, address: s.address });
    const atService = received(s, deviceKey.publicKey);
    d.peer(serviceKey.publicKey).send(text('ping'));
    await until(() => atService.length === 1);
  });

  it('says the Service answered but never confirmed when every message 4 is lost, and stops on close', async () => {
    const { s } = await service([{ id: 'code-1', code: CODE }]);
    dropSent(s, (b) => b[0] === MSG_ENROL_REPLY);
    const d = await endpoint({ staticKey: deviceKey });
    await expect(
      d.enrol({ address: s.address, code: CODE, payload: text('gw'), retryMs: 40, timeoutMs: 300 }),
    ).rejects.toThrow(/127\.0\.0\.1:\d+ answered but did not confirm the pairing code within 300 ms/);
    const running = d.enrol({ address: s.address, code: CODE, payload: text('gw'), timeoutMs: 10_000 });
    await d.close();
    await expect(running).rejects.toThrow(/closed/);
  });

  it('completes through loss, duplication and reordering', async () => {
    const { s, accepted } = await service([{ id: 'code-1', code: CODE }]);
    const faults = { loss: 0.3, duplicate: 0.3, reorder: 0.3, delayMs: [0, 3] as const, seed: 11 };
    const proxy = await startUdpFaultProxy(s.address.port, faults);
    cleanup.push(() => proxy.close());
    const d = await endpoint({ staticKey: deviceKey });
    const address = { address: LOOPBACK, port: proxy.port };
    const results = [];
    for (let i = 0; i < 3; i++) {
      // The same device enrolling again with its (now used) code is answered as a repeat.
      results.push(
        await d.enrol({ address, code: CODE, payload: text('gw'), retryMs: 40, timeoutMs: 5_000 }),
      );
    }
    expect(accepted).toHaveLength(1);
    for (const r of results) expect(r.psk).toEqual(accepted[0]!.psk);
    expect(s.stats.refused.enrolmentRefused).toBe(0);
  });

  it('drops message 1 at no cost while no code is pending, and counts it', async () => {
    const { s } = await service([]);
    const bare = await endpoint({ staticKey: otherKey }); // no enrolment host at all
    const d = await endpoint({ staticKey: deviceKey });
    for (const target of [s, bare]) {
      await expect(
        d.enrol({ address: target.address, code: CODE, payload: text('x'), retryMs: 30, timeoutMs: 100 }),
      ).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ within 100 ms/);
      await until(() => target.stats.refused.enrolmentClosed >= 2);
      expect(target.stats.sent).toBe(0);
    }
  });

  it('answers at most enrolmentPerSecond message 1s a second and counts the rest', async () => {
    const { s } = await service([{ id: 'code-1', code: CODE }], { enrolmentPerSecond: 5, now: () => T0 });
    const raw = await rawSocket();
    for (let i = 0; i < 12; i++) {
      const m1 = new EnrolmentAttempt(i + 1, { staticKey: deviceKey, code: CODE, payload: Buffer.alloc(0) });
      raw.socket.send(m1.message1(), s.address.port, LOOPBACK);
    }
    await until(() => s.stats.received === 12 && raw.got.length === 5);
    expect(s.stats.refused.enrolmentRateLimited).toBe(7);
    expect(raw.got.every((b) => b[0] === MSG_ENROL_RESPONSE && b.length === 108)).toBe(true);
  });

  it('refuses a used code from another key, and a code whose host refuses it', async () => {
    const { s, accepted } = await service([{ id: 'code-1', code: CODE }]);
    const d = await endpoint({ staticKey: deviceKey });
    await d.enrol({ address: s.address, code: CODE, payload: text('first') });
    const thief = await endpoint({ staticKey: otherKey });
    await expect(thief.enrol({ address: s.address, code: CODE, payload: text('second') })).rejects.toThrow(
      /refused/,
    );
    await until(() => s.stats.refused.enrolmentRefused === 1);
    expect(accepted).toHaveLength(1);
    expect(s.peers()).toEqual([deviceKey.publicKey]);

    const grumpy: EnrolmentHost = {
      codes: () => [{ id: 'code-2', code: 'ZZZZ-YYYY-XXXX' }],
      accept: () => {
        throw new Error('device limit reached');
      },
    };
    s.setEnrolment(grumpy);
    await expect(
      thief.enrol({ address: s.address, code: 'zzzz-yyyy-xxxx', payload: text('x') }),
    ).rejects.toThrow(/the pairing code was refused/);
    expect(s.stats.refused.enrolmentRefused).toBe(2);
    expect(s.peers()).toEqual([deviceKey.publicKey]);
  });

  it('rejects an oversized payload with a RangeError and sends nothing', async () => {
    const d = await endpoint({ staticKey: deviceKey });
    await expect(
      d.enrol({ address: d.address, code: CODE, payload: Buffer.alloc(MAX_ENROL_PAYLOAD_BYTES + 1) }),
    ).rejects.toThrow(RangeError);
    expect(d.stats.sent).toBe(0);
  });

  it('counts arbitrary enrolment datagrams as refused and never throws or pins', async () => {
    const { s, accepted } = await service([{ id: 'code-1', code: CODE }]);
    const d = await endpoint({ staticKey: deviceKey });
    const running = d.enrol({ address: s.address, code: 'WRONG', payload: text('x'), timeoutMs: 200 });
    running.catch(() => undefined);
    const raw = await rawSocket();
    const typed = fc
      .tuple(
        fc.constantFrom(5, 6, 7, 8),
        fc.constantFrom(8, 56, 72, 108, 300),
        fc.uint8Array({ maxLength: 300 }),
      )
      .map(([type, size, fill]) => {
        const b = Buffer.alloc(size);
        b.set(fill.subarray(0, size));
        b[0] = type;
        b.fill(0, 1, 4);
        if (type === MSG_ENROL_INIT) b.fill(0, 56);
        return b;
      });
    const junk = fc.sample(fc.oneof(typed, fc.uint8Array({ maxLength: 400 })), 300);
    // In batches, so the sockets' receive buffers never overflow (a lost datagram is not a refusal).
    for (let at = 0; at < junk.length; at += 50) {
      const before = { s: s.stats.received, d: d.stats.received };
      const batch = junk.slice(at, at + 50);
      for (const b of batch) {
        raw.socket.send(b, s.address.port, LOOPBACK);
        raw.socket.send(b, d.address.port, LOOPBACK);
      }
      await until(
        () => s.stats.received >= before.s + batch.length && d.stats.received >= before.d + batch.length,
      );
    }
    await new Promise((r) => setTimeout(r, 20)); // message 3s are answered asynchronously
    const total = (e: LinkEndpoint) => Object.values(e.stats.refused).reduce((a, b) => a + b, 0);
    // Each junk datagram is refused and counted (a well-formed message 1 may be answered instead).
    expect(total(s) + s.stats.sent).toBeGreaterThanOrEqual(junk.length);
    expect(total(d)).toBeGreaterThanOrEqual(junk.length);
    expect(accepted).toHaveLength(0);
    expect(s.peers()).toEqual([]);
    expect(s.sessionCount + d.sessionCount).toBe(0);
    await expect(running).rejects.toThrow();
  });
});

describe('peers at runtime', () => {
  async function pair(serverPeers: boolean) {
    const psk = Buffer.alloc(32, 9);
    const s = await endpoint({
      staticKey: serviceKey,
      peers: serverPeers ? [{ publicKey: deviceKey.publicKey, psk }] : [],
      rekeyTimeoutMs: 30,
      tickMs: 10,
    });
    const d = await endpoint({
      staticKey: deviceKey,
      peers: [{ publicKey: serviceKey.publicKey, psk, address: s.address }],
      rekeyTimeoutMs: 30,
      tickMs: 10,
    });
    return { s, d, psk };
  }

  it('addPeer pins a device at runtime; re-adding replaces its psk and drops its sessions', async () => {
    const { s, d, psk } = await pair(false);
    d.peer(serviceKey.publicKey).send(text('early'));
    await until(() => s.stats.refused.unknownPeer >= 1);
    s.addPeer({ publicKey: deviceKey.publicKey, psk });
    const atService = received(s, deviceKey.publicKey);
    await until(() => atService.length === 1); // the device's retry gets through, with its queue
    expect(atService).toEqual(['early']);
    expect(s.sessionCount).toBe(1);

    // A new psk: the old sessions go; the device (still on the old psk) cannot complete a handshake…
    const newPsk = Buffer.alloc(32, 10);
    s.addPeer({ publicKey: deviceKey.publicKey, psk: newPsk });
    expect(s.sessionCount).toBe(0);
    d.addPeer({ publicKey: serviceKey.publicKey, psk, address: s.address }); // drops the device's keys too
    d.peer(serviceKey.publicKey).send(text('old psk'));
    await until(() => d.stats.refused.forged >= 1);
    expect(atService).toEqual(['early']);
    // …until it has the new one; the listener registered before the replacement still hears it.
    d.addPeer({ publicKey: serviceKey.publicKey, psk: newPsk, address: s.address });
    d.peer(serviceKey.publicKey).send(text('new psk'));
    await until(() => atService.length === 2);
    expect(atService).toEqual(['early', 'new psk']);
  });

  it('removePeer erases the sessions, drops the listeners and refuses the device from then on', async () => {
    const { s, d } = await pair(true);
    const atService = received(s, deviceKey.publicKey);
    const handle = s.peer(deviceKey.publicKey);
    d.peer(serviceKey.publicKey).send(text('one'));
    await until(() => atService.length === 1);
    expect(s.removePeer(deviceKey.publicKey)).toBe(true);
    expect(s.removePeer(deviceKey.publicKey)).toBe(false);
    expect(s.sessionCount).toBe(0);
    expect(s.peers()).toEqual([]);
    expect(s.peerState(deviceKey.publicKey)).toBeUndefined();
    expect(() => s.peer(deviceKey.publicKey)).toThrow(/not a pinned peer/);
    const sentBefore = s.stats.sent;
    handle.send(text('to a forgotten device'));
    expect(s.stats.sent).toBe(sentBefore);

    // The device's datagrams on its old session find no session; its new handshakes are refused.
    d.peer(serviceKey.publicKey).send(text('two'));
    await until(() => s.stats.refused.wrongReceiver >= 1);
    d.addPeer({ publicKey: serviceKey.publicKey, psk: Buffer.alloc(32, 9), address: s.address });
    d.peer(serviceKey.publicKey).send(text('three'));
    await until(() => s.stats.refused.unknownPeer >= 2);
    expect(atService).toEqual(['one']);
    expect(s.sessionCount).toBe(0);
  });
});
