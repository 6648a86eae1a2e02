import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nearMisses } from '../../test/helpers/codec-fuzz.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import { until } from '../../test/helpers/until.js';
import { RadioPort, RfAir } from './air.js';
import { CounterFile, LAST_FRAME_COUNTER } from './frame-counters.js';
import { decodeMacFrame, encodeDecodedMacFrame, encodeMacFrame, fcs16, type MacFrame } from './mac-frame.js';
import {
  BROADCAST,
  maxRfPayload,
  RfEndpoint,
  RfEndpointError,
  type RfEndpointOptions,
  type RfMessage,
} from './rf-endpoint.js';

const NODE = '00124B00000000AA';
const LOCK = '00124B00000000BB';
const STRANGER = '00124B00000000CC';
const PAN = 0x1a2b;
const NETWORK_KEY = Buffer.alloc(16, 0x11);
const JOIN_KEY = Buffer.alloc(16, 0x22);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function air(): Promise<RfAir> {
  const a = await RfAir.start({ seed: 1 });
  cleanups.push(() => a.close());
  return a;
}

async function radio(a: RfAir, ext: string): Promise<RadioPort> {
  const r = await RadioPort.connect({ air: { host: '127.0.0.1', port: a.port }, ext });
  cleanups.push(() => r.close());
  return r;
}

const dir = (): string => {
  const d = tempDir('lintel-rf-endpoint-');
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
};

/** A radio and an endpoint on it, with its counters in `folder` (so it can be "restarted"). */
async function endpoint(
  a: RfAir,
  ext: string,
  folder: string,
  opts: Partial<RfEndpointOptions> = {},
): Promise<{ ep: RfEndpoint; radio: RadioPort; got: RfMessage[] }> {
  const r = await radio(a, ext);
  const ep = new RfEndpoint({
    radio: r,
    ext,
    panId: PAN,
    keys: new Map([[1, NETWORK_KEY]]),
    counters: CounterFile.open(path.join(folder, `${ext}.json`)),
    ...opts,
  });
  cleanups.push(() => ep.close());
  const got: RfMessage[] = [];
  ep.on('message', (m) => got.push(m));
  return { ep, radio: r, got };
}

/** A radio that hears every frame on the air (as an attacker's would). */
async function sniffer(a: RfAir): Promise<{ radio: RadioPort; frames: Buffer[] }> {
  const r = await radio(a, STRANGER);
  const frames: Buffer[] = [];
  r.on('frame', (psdu) => frames.push(psdu));
  return { radio: r, frames };
}

const total = (ep: RfEndpoint): number => Object.values(ep.refused).reduce((x, y) => x + y, 0);

function refixFcs(psdu: Buffer): Buffer {
  const b = Buffer.from(psdu);
  b.writeUInt16LE(fcs16(b.subarray(0, b.length - 2)), b.length - 2);
  return b;
}

describe('RfEndpoint over a real air', () => {
  it('delivers authenticated messages with source, key index, counter and LQI; tracks neighbours', async () => {
    const a = await air();
    const d = dir();
    const node = await endpoint(a, NODE, d);
    const lock = await endpoint(a, LOCK, d);
    node.ep.send(LOCK, Buffer.from('hello lock'));
    lock.ep.send(NODE, Buffer.alloc(maxRfPayload(6), 7));
    node.ep.send(BROADCAST, Buffer.from('everyone'));
    await until(() => lock.got.length === 2 && node.got.length === 1, 'both messages');
    expect(lock.got[0]).toMatchObject({ src: NODE, keyIndex: 1, payload: Buffer.from('hello lock') });
    expect(lock.got[1]!.payload.toString()).toBe('everyone');
    expect(lock.got[1]!.counter).toBeGreaterThan(lock.got[0]!.counter);
    expect(node.got[0]!.payload.length).toBe(maxRfPayload(6));
    expect(node.got[0]!.lqi).toBeGreaterThanOrEqual(0);
    expect([...lock.ep.neighbours().keys()]).toEqual([NODE]);
    expect(total(lock.ep)).toBe(0);
  });

  it('says what is wrong with a send it cannot make', async () => {
    const a = await air();
    const { ep } = await endpoint(a, NODE, dir());
    expect(() => ep.send(LOCK, Buffer.alloc(maxRfPayload(6) + 1))).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
    expect(() => ep.send(LOCK, Buffer.from('x'), { keyIndex: 2 })).toThrow(
      expect.objectContaining({ code: 'NO_KEY' }),
    );
    ep.close();
    expect(() => ep.send(LOCK, Buffer.from('x'))).toThrow(RfEndpointError);
  });

  it('refuses to send once its frame counter is exhausted (a new key is needed)', async () => {
    const a = await air();
    const d = dir();
    fs.writeFileSync(
      path.join(d, `${NODE}.json`),
      JSON.stringify({ format: 1, outgoingCeiling: LAST_FRAME_COUNTER, incoming: {} }),
    );
    const { ep } = await endpoint(a, NODE, d);
    ep.send(LOCK, Buffer.from('the last frame'));
    expect(() => ep.send(LOCK, Buffer.from('one too many'))).toThrow(
      expect.objectContaining({
        code: 'COUNTER_EXHAUSTED',
        message: expect.stringMatching(/key must be changed/),
      }),
    );
  });

  it('uses a per-peer key lookup (join keys) and setKey overrides', async () => {
    const a = await air();
    const d = dir();
    const node = await endpoint(a, NODE, d, {
      keys: (index, peer) =>
        index === 1 ? NETWORK_KEY : index === 2 && peer === LOCK ? JOIN_KEY : undefined,
    });
    const lock = await endpoint(a, LOCK, d, { keys: new Map([[2, JOIN_KEY]]) });
    lock.ep.send(NODE, Buffer.from('join me'), { keyIndex: 2 });
    await until(() => node.got.length === 1, 'the join request');
    expect(node.got[0]).toMatchObject({ src: LOCK, keyIndex: 2 });
    node.ep.send(LOCK, Buffer.from('network only'));
    await until(() => lock.ep.refused['unknown-key'] === 1, 'refused for want of the network key');
    lock.ep.setKey(1, NETWORK_KEY);
    node.ep.send(LOCK, Buffer.from('now you have it'));
    await until(() => lock.got.length === 1, 'the message under the network key');
  });

  it('refuses replays of captured frames, also after the receiver restarts; and old counters', async () => {
    const a = await air();
    const d = dir();
    const spy = await sniffer(a);
    const node = await endpoint(a, NODE, d);
    let lock = await endpoint(a, LOCK, d);
    node.ep.send(LOCK, Buffer.from('open 1'));
    node.ep.send(LOCK, Buffer.from('open 2'));
    await until(() => lock.got.length === 2 && spy.frames.length === 2, 'two frames heard');
    spy.radio.send(spy.frames[1]!);
    spy.radio.send(spy.frames[0]!);
    await until(() => lock.ep.refused.replay === 2, 'both replays refused');
    // The receiver restarts: a new radio and endpoint, counters from its file.
    lock.ep.close();
    lock.radio.close();
    lock = await endpoint(a, LOCK, d);
    spy.radio.send(spy.frames[0]!);
    spy.radio.send(spy.frames[1]!);
    await until(() => lock.ep.refused.replay === 2, 'replays refused after the restart');
    expect(lock.got).toEqual([]);
    node.ep.send(LOCK, Buffer.from('open 3'));
    await until(() => lock.got.length === 1, 'a fresh frame still accepted');
  });

  it('refuses its own broadcast reflected back to it', async () => {
    const a = await air();
    const d = dir();
    const spy = await sniffer(a);
    const node = await endpoint(a, NODE, d);
    const lock = await endpoint(a, LOCK, d);
    node.ep.send(BROADCAST, Buffer.from('to all'));
    await until(() => spy.frames.length === 1 && lock.got.length === 1, 'the broadcast');
    spy.radio.send(spy.frames[0]!);
    await until(() => node.ep.refused.replay === 1 && lock.ep.refused.replay === 1, 'the reflection refused');
    expect(node.got).toEqual([]);
  });

  it('never repeats its own frame counter across restarts', async () => {
    const a = await air();
    const d = dir();
    const spy = await sniffer(a);
    for (let life = 0; life < 4; life++) {
      const node = await endpoint(a, NODE, d);
      for (let i = 0; i < 3; i++) node.ep.send(LOCK, Buffer.from([life, i]));
      node.ep.close();
      node.radio.close();
    }
    await until(() => spy.frames.length === 12, 'all frames heard');
    const counters = spy.frames.map((f) => decodeMacFrame(f).secured!.frameCounter);
    expect(new Set(counters).size).toBe(12);
  });

  it('refuses a tampered MIC, foreign PANs, frames for others, unsecured and weaker frames, bad FCS', async () => {
    const a = await air();
    const d = dir();
    const spy = await sniffer(a);
    const node = await endpoint(a, NODE, d);
    node.ep.send(LOCK, Buffer.from('genuine'));
    await until(() => spy.frames.length === 1, 'the genuine frame');
    // The lock was not listening yet: the captured frame is fresh to it, so only its MIC can fail.
    const lock = await endpoint(a, LOCK, d);
    const genuine = spy.frames[0]!;
    const base = decodeMacFrame(genuine);
    // Tampered: one ciphertext bit, FCS fixed so only the MIC can tell.
    const tampered = Buffer.from(genuine);
    tampered[genuine.length - 12]! ^= 0x04;
    // A later counter (so not a replay) with a wrong MIC.
    const forged = encodeDecodedMacFrame({ ...base, secured: { ...base.secured!, frameCounter: 999_999 } });
    const plain: MacFrame = { ...base.frame, payload: Buffer.from('open') };
    const sends = [
      refixFcs(tampered),
      forged,
      encodeMacFrame(plain),
      encodeMacFrame(plain, { key: NETWORK_KEY, level: 5, frameCounter: 1_000_001, keyIndex: 1 }),
      encodeMacFrame(plain, { key: NETWORK_KEY, level: 2, frameCounter: 1_000_002, keyIndex: 1 }),
      encodeMacFrame(
        { ...plain, dstPan: PAN + 1 },
        { key: NETWORK_KEY, level: 6, frameCounter: 1_000_003, keyIndex: 1 },
      ),
      encodeMacFrame(
        { ...plain, dst: { mode: 'ext', ext: STRANGER } },
        { key: NETWORK_KEY, level: 6, frameCounter: 1_000_004, keyIndex: 1 },
      ),
      encodeMacFrame(plain, { key: NETWORK_KEY, level: 6, frameCounter: 1_000_005, keyIndex: 9 }),
      Buffer.concat([genuine.subarray(0, -1), Buffer.from([genuine.at(-1)! ^ 1])]),
    ];
    for (const s of sends) spy.radio.send(s);
    await until(() => total(lock.ep) === sends.length, 'every forgery refused');
    expect(lock.ep.refused).toEqual({
      'bad-fcs': 1,
      malformed: 0,
      'foreign-pan': 1,
      'not-for-us': 1,
      unsecured: 3,
      'unknown-key': 1,
      replay: 0,
      mic: 2,
    });
    expect(lock.got.length).toBe(0);
    // Frames a forger got refused did not move the replay window: the genuine sender goes on.
    node.ep.send(LOCK, Buffer.from('still fine'));
    await until(() => lock.got.length === 1, 'the next genuine frame');
  });

  it('fuzz: arbitrary datagrams on the air never deliver a message, never throw out, never move the counters', async () => {
    const a = await air();
    const d = dir();
    const spy = await sniffer(a);
    const node = await endpoint(a, NODE, d);
    const lock = await endpoint(a, LOCK, d);
    for (let i = 0; i < 5; i++) node.ep.send(LOCK, Buffer.from(`frame ${i}`));
    await until(() => lock.got.length === 5 && spy.frames.length === 5, 'the genuine frames');
    const valid = fc.constantFrom(...spy.frames.map((f) => Uint8Array.from(f)));
    const inputs = fc.sample(
      fc.oneof(
        nearMisses(valid, 130),
        nearMisses(valid, 130).map((b) => (b.length > 2 ? Uint8Array.from(refixFcs(Buffer.from(b))) : b)),
      ),
      { numRuns: 600, seed: 42 },
    );
    const counterFile = path.join(d, `${LOCK}.json`);
    const before = fs.readFileSync(counterFile, 'utf8');
    const heardBefore = lock.radio.counts.heard;
    const refusedBefore = total(lock.ep);
    let sent = 0;
    for (const input of inputs) {
      if (input.length < 1 || input.length > 127) continue;
      spy.radio.send(input);
      sent += 1;
      if (sent % 50 === 0) await until(() => lock.radio.counts.heard - heardBefore === sent, 'a batch heard');
    }
    await until(() => lock.radio.counts.heard - heardBefore === sent, 'every datagram heard');
    await until(() => total(lock.ep) - refusedBefore === sent, 'every datagram refused');
    expect(lock.got.length).toBe(5);
    expect(fs.readFileSync(counterFile, 'utf8')).toBe(before);
  });
});
