import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSerialPort } from '../../native/serial-port.js';
import { ptyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { readVectors } from '../../test/helpers/temp-site.js';
import { DesfireCard } from '../desfire/card-emulator.js';
import { DesfireClient } from '../desfire/desfire-client.js';
import type { SerialTransport } from '../ports/serial.js';
import {
  BioStatus,
  fingerTemplate,
  keypadText,
  MATCH_SCORE,
  ReaderSimulator,
  SIM_CAPABILITIES,
} from './reader-simulator.js';
import { FrameReader } from './frame-reader.js';
import { decodeReply, type PdReply } from './replies.js';
import { OsdpRequestError, refusedKey, SerialCp, type SerialCpEvent } from './serial-cp.js';
import { SerialPd } from './serial-pd.js';
import { setTransparentMode, transparentTransceive } from './transparent.js';

/**
 * The serial drivers over a real pty pair (socat): a SerialCp on one end, the reader simulator in a
 * SerialPd on the other, in this process. Waits are for events, never fixed sleeps.
 */

const KEY = Buffer.from('8899aabbccddeeff0011223344556677', 'hex');

let pair: PtyPair;
let cpPort: SerialTransport;
let pdPort: SerialTransport;
const open: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  pair = await ptyPair();
  cpPort = await openSerialPort(pair.paths[0], { baudRate: 115_200 });
  pdPort = await openSerialPort(pair.paths[1], { baudRate: 115_200 });
});

afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  await cpPort.close();
  await pdPort.close();
  await pair.close();
});

function reader(opts: { scbk?: Buffer; address?: number } = {}) {
  const keys: Buffer[] = [];
  const sim = new ReaderSimulator({
    address: opts.address ?? 3,
    ...(opts.scbk && { scbk: opts.scbk }),
    serial: 0x00c0ffee,
    onKeyset: (k) => keys.push(k),
  });
  const pd = new SerialPd(pdPort, sim.session);
  open.push(pd);
  return { sim, pd, keys };
}

function controller(opts: {
  scbk?: Buffer;
  installMode?: boolean;
  address?: number;
  replyTimeoutMs?: number;
}) {
  const cp = new SerialCp(cpPort, { address: 3, replyTimeoutMs: 250, ...opts });
  open.push(cp);
  return cp;
}

/** Resolves with the first event that matches. */
function next<T extends SerialCpEvent>(cp: SerialCp, match: (e: SerialCpEvent) => e is T): Promise<T> {
  return new Promise((resolve) => {
    const stop = cp.onEvent((e) => {
      if (!match(e)) return;
      stop();
      resolve(e);
    });
  });
}
const isReport = (e: SerialCpEvent): e is { type: 'report'; reply: PdReply } => e.type === 'report';

describe('SerialCp and SerialPd over a pty pair', () => {
  it('installs a reader: SCBK-D handshake, KEYSET, a new handshake with the key, ID and CAP inside it', async () => {
    const { sim, keys } = reader();
    const cp = controller({ installMode: true });
    await cp.startSecureChannel();
    expect(cp.session.secure).toBe(true);
    await cp.setKey(KEY);
    expect(keys).toEqual([KEY]);
    expect(sim.session.inInstallMode).toBe(false);
    await cp.startSecureChannel();
    const id = await cp.request({ type: 'id' });
    expect(id).toMatchObject({ type: 'pdid', serial: 0x00c0ffee, model: 1 });
    const cap = await cp.request({ type: 'cap' });
    expect(cap).toEqual({ type: 'pdcap', capabilities: SIM_CAPABILITIES });

    // The installed reader now refuses the default key, and a wrong SCBK.
    const again = new SerialCp(cpPort, { address: 3, installMode: true, replyTimeoutMs: 250 });
    const refused = await again.startSecureChannel().catch((e: unknown) => e);
    expect(refusedKey(refused)).toBe(true);
    const wrong = new SerialCp(cpPort, { address: 3, scbk: Buffer.alloc(16, 1), replyTimeoutMs: 250 });
    const bad = await wrong.startSecureChannel().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OsdpRequestError);
    expect((bad as OsdpRequestError).reason).toBe('security');
  });

  it('sets up the Secure Channel over the line exactly as the Annex E example (SCBK-D)', async () => {
    const v = readVectors<{ secure_channel: Record<string, string> }>(
      'osdp-secure-channel-annexE.json',
    ).secure_channel;
    const hex = (k: string) => Buffer.from(v[k]!, 'hex');
    const sim = new ReaderSimulator({ address: 3, serial: 1, random: () => hex('rnd_b_pd') });
    open.push(new SerialPd(pdPort, sim.session));
    // What crosses the line, cut into frames as a bus monitor would.
    const sent = new FrameReader();
    const received = new FrameReader();
    const frames: { dir: 'cp' | 'pd'; code: number; data: Buffer }[] = [];
    const tap: SerialTransport = {
      write: (b) => {
        for (const { frame } of sent.push(b)) frames.push({ dir: 'cp', code: frame.code, data: frame.data });
        return cpPort.write(b);
      },
      onData: (cb) =>
        cpPort.onData((b) => {
          for (const { frame } of received.push(b))
            frames.push({ dir: 'pd', code: frame.code, data: frame.data });
          cb(b);
        }),
      onClose: (cb) => cpPort.onClose(cb),
      close: () => cpPort.close(),
    };
    const cp = new SerialCp(tap, { address: 3, installMode: true, random: () => hex('rnd_a_cp') });
    open.push(cp);
    await cp.startSecureChannel();
    expect(frames.map((f) => [f.dir, f.code])).toEqual([
      ['cp', 0x76],
      ['pd', 0x76],
      ['cp', 0x77],
      ['pd', 0x78],
    ]);
    expect(frames[0]!.data).toEqual(hex('rnd_a_cp'));
    expect(decodeReply(frames[1]!.code, frames[1]!.data)).toMatchObject({
      rndB: hex('rnd_b_pd'),
      clientCryptogram: hex('client_cryptogram'),
    });
    expect(frames[2]!.data).toEqual(hex('server_cryptogram'));
    expect(frames[3]!.data).toEqual(hex('r_mac_i'));
  });

  it('reports a card in the field as osdp_RAW with its UID, and keypad entry as osdp_KEYPAD, on POLL', async () => {
    const { sim } = reader({ scbk: KEY });
    const cp = controller({ scbk: KEY });
    await cp.startSecureChannel();
    cp.startPolling(20);

    const card = new DesfireCard({ size: '2k' });
    const raw = next(cp, isReport);
    sim.placeCard(card);
    const { reply } = await raw;
    expect(reply).toEqual({
      type: 'raw',
      reader: 0,
      format: 0,
      bits: 56,
      data: Buffer.from(card.activation.uid),
    });

    const keypad = next(cp, isReport);
    sim.keypad('1234#');
    const k = (await keypad).reply;
    expect(k.type).toBe('keypad');
    expect(keypadText((k as Extract<PdReply, { type: 'keypad' }>).digits)).toBe('1234#');
    expect(cp.session.secure).toBe(true);
  });

  it('runs DESFire GetVersion and an EV2 authentication through transparent mode', async () => {
    const { sim } = reader({ scbk: KEY });
    const card = new DesfireCard({ size: '8k' });
    sim.placeCard(card);
    const cp = controller({ scbk: KEY });
    await cp.startSecureChannel();
    await setTransparentMode(cp, true);
    expect(sim.transparent).toBe(true);
    const client = new DesfireClient(transparentTransceive(cp));
    const version = await client.getVersion();
    expect(Buffer.from(version.uid)).toEqual(Buffer.from(card.activation.uid));
    expect(version.storageBytes).toBe(8192);
    await client.authenticateEv2First(0, new Uint8Array(16));
    expect(await client.getApplicationIds()).toEqual([]);
    await setTransparentMode(cp, false);

    sim.removeCard();
    await setTransparentMode(cp, true);
    await expect(transparentTransceive(cp)(Buffer.from('9060000000', 'hex'))).rejects.toThrow(/no card/);
  });

  it('reads and matches fingerprints from the enrolled set', async () => {
    const { sim } = reader({ scbk: KEY });
    const cp = controller({ scbk: KEY });
    await cp.startSecureChannel();
    sim.enrolFinger('alice');
    const bio = { reader: 0, bioType: 0, format: 2 };

    expect(await cp.request({ type: 'bioread', ...bio, quality: 50 })).toMatchObject({
      status: BioStatus.TIMEOUT,
    });
    sim.presentFinger('alice');
    expect(await cp.request({ type: 'bioread', ...bio, quality: 50 })).toMatchObject({
      type: 'bioreadr',
      status: 0,
      template: fingerTemplate('alice'),
    });
    const match = (template: Buffer) => cp.request({ type: 'biomatch', ...bio, threshold: 100, template });
    sim.presentFinger('alice');
    expect(await match(fingerTemplate('alice'))).toMatchObject({ status: 0, score: MATCH_SCORE });
    sim.presentFinger('unknown');
    expect(await match(fingerTemplate('alice'))).toMatchObject({ status: 0, score: 0 });
    expect(() => sim.presentFinger('bob')).toThrow(/no finger "bob"/);
  });

  it('drops a partial frame after the inter-character timeout, so the next command gets through', async () => {
    const { pd } = reader({ scbk: KEY });
    const cp = controller({ scbk: KEY });
    // Line noise that looks like the start of a 1000-byte frame: without the timeout the reader
    // would swallow the next real frame while waiting for the rest.
    await cpPort.write(Buffer.from('5303e803', 'hex'));
    // The reset counts the 4 bytes as garbage (a counter, so no race with the 50 ms timer).
    await vi.waitFor(() => expect(pd.session.reader.stats.garbageBytes).toBe(4));
    expect(pd.session.reader.pending).toBe(0);
    expect(await cp.request({ type: 'id' })).toMatchObject({ type: 'pdid' });
  });

  it('gives up on a PD that does not answer (offline), and fails what waits when the port closes', async () => {
    reader({ address: 3 });
    const cp = controller({ address: 9, installMode: true, replyTimeoutMs: 30 });
    const offline = next(cp, (e): e is { type: 'failed' } & SerialCpEvent => e.type === 'failed');
    const err = await cp.startSecureChannel().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsdpRequestError);
    expect((err as OsdpRequestError).reason).toBe('offline');
    expect(cp.session.stats.retries).toBe(3);
    await offline;

    const pending = cp.request({ type: 'id' }).catch((e: unknown) => e);
    const closed = next(cp, (e): e is { type: 'closed' } => e.type === 'closed');
    await cp.close();
    expect(await pending).toMatchObject({ reason: 'closed' });
    await closed;
    await expect(cp.request({ type: 'poll' })).rejects.toThrow(/closed/);
  });

  it('tells the PD side when the line goes away', async () => {
    const { pd } = reader();
    const gone = new Promise<Error | undefined>((resolve) => pd.onClose(resolve));
    await pair.close();
    expect(await gone).toBeInstanceOf(Error);
    expect(pd.closed).toBe(true);
  });
});
