import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeSerialPorts } from '../../native/serial-port.js';
import type { SerialTransport } from '../ports/serial.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { encodeFrame, FrameReader } from './frame.js';
import {
  openSession,
  preAuthCall,
  SessionError,
  SessionServer,
  type SessionServerOptions,
} from './session.js';
import { SerialLinkError, SerialRequester, SerialResponder } from './transaction.js';

// Both ends over a real pty pair (socat) under serialport, as the Service reaches a PPD and a PPD a lock.

const LABEL = 'lintel-test/1';
const KEY = Buffer.alloc(16, 7);

let pty: PtyPair;
let hostEnd: SerialTransport;
let deviceEnd: SerialTransport;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  pty = await ptyPair();
  hostEnd = await nodeSerialPorts.open(pty.paths[0], { baudRate: 115_200 });
  deviceEnd = await nodeSerialPorts.open(pty.paths[1], { baudRate: 115_200 });
});
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
afterAll(async () => {
  await hostEnd?.close();
  await deviceEnd?.close();
  await pty?.close();
});

/** A device that echoes what it is sent, reversed, and counts what it handled. */
function device(overrides: Partial<SessionServerOptions> = {}) {
  const handled: string[] = [];
  const server = new SessionServer({
    label: LABEL,
    identity: () => Buffer.from('DEV-1'),
    key: () => KEY,
    handle: (plain) => {
      handled.push(plain.toString());
      return Promise.resolve(Buffer.from(plain.toString().split('').reverse().join('')));
    },
    preAuth: (p) => Promise.resolve(Buffer.from(`info:${p.toString()}`)),
    ...overrides,
  });
  const responder = new SerialResponder(deviceEnd, (p) => server.handle(p));
  cleanups.push(() => responder.close());
  return { server, responder, handled };
}

function requester(transport = hostEnd, timeoutMs = 150) {
  const r = new SerialRequester(transport, { timeoutMs, retries: 6 });
  cleanups.push(() => r.close());
  return r;
}

/** A transport that loses every `n`th write (a line dropping frames), and can corrupt one byte of the next write. */
function lossy(t: SerialTransport, n: number) {
  let writes = 0;
  const state = { dropped: 0, corruptNext: false };
  const wrapped: SerialTransport = {
    write(bytes) {
      writes++;
      if (writes % n === 0) {
        state.dropped++;
        return Promise.resolve();
      }
      if (state.corruptNext) {
        state.corruptNext = false;
        const copy = Buffer.from(bytes);
        copy[copy.length - 3]! ^= 0x40;
        return t.write(copy);
      }
      return t.write(bytes);
    },
    onData: (cb) => t.onData(cb),
    onClose: (cb) => t.onClose(cb),
    close: () => t.close(),
  };
  return { wrapped, state };
}

describe('the serial session over a pty pair', () => {
  it('authenticates both ways and carries sealed requests and answers', async () => {
    const { server, handled } = device();
    const r = requester();
    const identities: string[] = [];
    const session = await openSession(r, {
      label: LABEL,
      keyFor: (id) => (identities.push(id.toString()), KEY),
    });
    expect(identities).toEqual(['DEV-1']);
    expect(server.authenticated).toBe(true);
    expect((await session.call(Buffer.from('hello'))).toString()).toBe('olleh');
    expect((await session.call(Buffer.alloc(900, 0x61))).length).toBe(900);
    expect(handled).toEqual(['hello', 'a'.repeat(900)]);
    expect((await preAuthCall(r, Buffer.from('x'))).toString()).toBe('info:x');
  });

  it('tells a device holding another key (DEVICE_PROOF) before sending a proof, and one it has no key for', async () => {
    const { server } = device();
    const r = requester();
    const wrong = openSession(r, { label: LABEL, keyFor: () => Buffer.alloc(16, 9) });
    await expect(wrong).rejects.toMatchObject({ code: 'DEVICE_PROOF' });
    await expect(openSession(r, { label: LABEL, keyFor: () => undefined })).rejects.toMatchObject({
      code: 'UNKNOWN_DEVICE',
    });
    expect(server.authenticated).toBe(false);
    // Another link's label is another key schedule: the proof does not carry over.
    await expect(openSession(r, { label: 'lintel-other/1', keyFor: () => KEY })).rejects.toMatchObject({
      code: 'DEVICE_PROOF',
    });
  });

  it('refuses a host proof that is wrong and a device that takes no handshake now (REFUSED), changing nothing', async () => {
    const results: boolean[] = [];
    let open = true;
    const { server, handled } = device({
      onHandshake: (ok) => results.push(ok),
      key: () => (open ? KEY : undefined),
    });
    const r = requester();
    // A raw handshake with a made-up proof.
    const challenge = await r.request(Buffer.concat([Buffer.of(0x01), randomBytes(16)]));
    expect(challenge[0]).toBe(0x02);
    const refused = await r.request(Buffer.concat([Buffer.of(0x03), randomBytes(16)]));
    expect(refused[0]).toBe(0x7f);
    expect(results).toEqual([false]);
    open = false;
    await expect(openSession(r, { label: LABEL, keyFor: () => KEY })).rejects.toMatchObject({
      code: 'REFUSED',
    });
    expect(server.authenticated).toBe(false);
    expect(handled).toEqual([]);
    // A sealed message without a session gets NO_SESSION, and a session cannot be skipped to.
    const noSession = await r.request(Buffer.concat([Buffer.of(0x05), randomBytes(40)]));
    expect(noSession[0]).toBe(0x7f);
    expect(server.refused.noSession).toBe(1);
  });

  it('drops a replayed and a tampered request without answering, and the session goes on', async () => {
    const { server, handled } = device();
    const r = requester();
    // Listen to what the host sends, to replay it.
    const sent: Buffer[] = [];
    const reader = new FrameReader();
    const stop = deviceEnd.onData((c) => {
      for (const f of reader.push(c)) if (f.kind === 'request') sent.push(f.payload);
    });
    cleanups.push(stop);
    const session = await openSession(r, { label: LABEL, keyFor: () => KEY });
    await session.call(Buffer.from('open the door'));
    const recorded = sent.at(-1)!;
    expect(handled).toEqual(['open the door']);

    // Replay it under a fresh sequence number (so the transaction layer does not just repeat its answer).
    const replay = new SerialRequester(hostEnd, { timeoutMs: 100, retries: 0 });
    cleanups.push(() => replay.close());
    await expect(replay.request(recorded)).rejects.toMatchObject({ code: 'TIMEOUT' });
    // Tamper with one ciphertext byte of a fresh one.
    const tampered = Buffer.from(recorded);
    tampered.writeBigUInt64BE(99n, 1);
    tampered[12]! ^= 1;
    await expect(replay.request(tampered)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(server.refused).toMatchObject({ replay: 1, forged: 1 });
    expect(handled).toEqual(['open the door']);
    replay.close();
    expect((await session.call(Buffer.from('still here'))).toString()).toBe('ereh llits');
  });

  it('does every request exactly once over a line that loses and corrupts frames both ways', async () => {
    const hostLine = lossy(hostEnd, 3);
    const deviceLine = lossy(deviceEnd, 4);
    const handled: string[] = [];
    const server = new SessionServer({
      label: LABEL,
      identity: () => Buffer.from('DEV-2'),
      key: () => KEY,
      handle: (p) => (handled.push(p.toString()), Promise.resolve(Buffer.from(`ok ${p.toString()}`))),
    });
    const responder = new SerialResponder(deviceLine.wrapped, (p) => server.handle(p));
    cleanups.push(() => responder.close());
    const r = requester(hostLine.wrapped, 80);
    const session = await openSession(r, { label: LABEL, keyFor: () => KEY });
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 5 === 0) hostLine.state.corruptNext = true;
      answers.push((await session.call(Buffer.from(`chunk ${i}`))).toString());
    }
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => `ok chunk ${i}`));
    expect(handled).toEqual(Array.from({ length: 20 }, (_, i) => `chunk ${i}`));
    expect(hostLine.state.dropped + deviceLine.state.dropped).toBeGreaterThan(5);
    expect(responder.stats.repeats).toBeGreaterThan(0);
    expect(responder.lineStats.crcErrors).toBeGreaterThan(0);
  });

  it('gives up with TIMEOUT when nobody answers, ABORTED when cancelled, and TOO_LARGE before sending', async () => {
    const r = requester(hostEnd, 30);
    await expect(r.request(Buffer.from('anyone?'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    const ac = new AbortController();
    const pending = r.request(Buffer.from('anyone?'), { signal: ac.signal });
    ac.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(r.request(Buffer.alloc(2000))).rejects.toBeInstanceOf(SerialLinkError);
  });
});

describe('a session server fed arbitrary bytes (property)', () => {
  it('never throws, never authenticates and never reaches the handler', async () => {
    let reached = 0;
    const server = new SessionServer({
      label: LABEL,
      identity: () => Buffer.from('DEV-F'),
      key: () => KEY,
      handle: () => (reached++, Promise.resolve(Buffer.alloc(0))),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 6 }), async (messages) => {
        for (const m of messages) await server.handle(Buffer.from(m));
        expect(server.authenticated).toBe(false);
        expect(reached).toBe(0);
      }),
    );
  });
});

describe('a requester after the line closes', () => {
  it('fails what is waiting with CLOSED', async () => {
    const p = await ptyPair();
    const a = await nodeSerialPorts.open(p.paths[0], { baudRate: 115_200 });
    const r = new SerialRequester(a, { timeoutMs: 5_000 });
    const pending = r.request(encodeFrame({ kind: 'request', seq: 1, payload: Buffer.from('x') }));
    await p.close(); // the cable pulled: socat gone, the pty hangs up
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(r.request(Buffer.from('again'))).rejects.toBeInstanceOf(SerialLinkError);
    await a.close();
    expect(new SessionError('PROTOCOL', 'x').code).toBe('PROTOCOL');
  });
});
