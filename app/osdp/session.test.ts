import { describe, expect, it } from 'vitest';
import { DesfireCard } from '../desfire/card-emulator.js';
import { commandApdu } from '../desfire/apdu.js';
import { CpSession } from './cp-session.js';
import type { CpEvent, CpOutput } from './cp-types.js';
import { decodeFrame, encodeFrame, Scs } from './frame.js';
import { type Command } from './messages.js';
import { PdSession } from './pd-session.js';
import { NakReason, type PdReply } from './replies.js';

const NEW_KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const ID = {
  vendor: Buffer.from('0a0b0c', 'hex'),
  model: 2,
  version: 1,
  serial: 0x01020304,
  firmware: { major: 1, minor: 4, build: 9 },
};
const CAPS = [
  { function: 3, compliance: 1, count: 1 },
  { function: 9, compliance: 1, count: 0 },
];

/** A wall reader: LEDs and buzzer acknowledged, a fingerprint sensor, a DESFire card in its field. */
function reader(opts: { scbk?: Buffer; installMode?: boolean } = {}) {
  const card = new DesfireCard();
  const keys: Buffer[] = [];
  let mode = 0;
  const pd = new PdSession({
    address: 5,
    id: ID,
    capabilities: CAPS,
    cuid: Buffer.from('0a0b0c0201020304', 'hex'),
    ...opts,
    onKeyset: (k) => keys.push(k),
    handle: (cmd: Command): PdReply => {
      switch (cmd.type) {
        case 'bioread':
          return {
            type: 'bioreadr',
            reader: 0,
            status: 0,
            bioType: cmd.bioType,
            quality: 80,
            template: Buffer.alloc(32, 7),
          };
        case 'biomatch':
          return { type: 'biomatchr', reader: 0, status: 1, bioType: cmd.bioType, score: 99 };
        case 'xwr-set-mode':
          mode = cmd.mode;
          return { type: 'xrd-mode', mode, config: 0 };
        case 'xwr-apdu':
          if (mode !== 1) return { type: 'nak', reason: NakReason.RECORD, detail: Buffer.alloc(0) };
          return {
            type: 'xrd-apdu',
            reader: cmd.reader,
            status: 0,
            response: Buffer.from(card.transceive(cmd.apdu)),
          };
        default:
          return { type: 'ack' };
      }
    },
  });
  return { pd, keys, card };
}

/** Connects a CP and a PD back to back; `line` may corrupt or drop what the CP sends. */
function bus(
  cp: CpSession,
  pd: PdSession,
  line: (b: Buffer) => Buffer | undefined = (b) => b,
  back: (b: Buffer) => Buffer | undefined = (b) => b,
) {
  let now = 0;
  const events: CpEvent[] = [];
  const deliver = (o: CpOutput) => {
    events.push(...o.events);
    for (const b of o.out) {
      const sent = line(b);
      if (!sent) continue;
      for (const r of pd.receive(sent)) {
        const got = back(r);
        if (got) deliver(cp.receive(got, now));
      }
    }
  };
  return {
    events,
    run(): CpEvent[] {
      const start = events.length;
      for (let i = 0; i < 100 && !cp.idle; i++) {
        deliver(cp.tick(now));
        now += 250;
      }
      return events.slice(start);
    },
  };
}

const replyOf = (events: CpEvent[], id: number) => {
  const e = events.find((x) => (x.type === 'reply' || x.type === 'failed') && x.id === id);
  return e?.type === 'reply' ? e.reply : e;
};

describe('CP and PD back to back', () => {
  it('installs a reader with SCBK-D, provisions a key with KEYSET, and works in SCS_17/18', () => {
    const { pd, keys, card } = reader();
    let cp = new CpSession({ address: 5, installMode: true });
    const b1 = bus(cp, pd);
    cp.request({ type: 'poll' });
    cp.startSecureChannel();
    const keyset = cp.setKey(NEW_KEY);
    const ev = b1.run();
    expect(ev.map((e) => e.type)).toEqual(['online', 'secure', 'reply', 'reply']);
    expect(replyOf(ev, keyset)).toEqual({ type: 'ack' });
    expect(keys).toEqual([NEW_KEY]);
    expect(pd.inInstallMode).toBe(false);
    expect(cp.key).toEqual(NEW_KEY);

    // The control unit restarts with the provisioned key; SCBK-D is no longer accepted.
    const sniffed: Buffer[] = [];
    const replies: Buffer[] = [];
    cp = new CpSession({ address: 5, scbk: NEW_KEY });
    const b2 = bus(
      cp,
      pd,
      (b) => (sniffed.push(b), b),
      (b) => (replies.push(b), b),
    );
    cp.startSecureChannel();
    const id = cp.request({ type: 'id' });
    const capId = cp.request({ type: 'cap' });
    pd.report({ type: 'raw', reader: 0, format: 0, bits: 56, data: Buffer.from(card.activation.uid) });
    pd.report({ type: 'keypad', reader: 0, digits: Buffer.from('1234#') });
    const polls = [cp.request({ type: 'poll' }), cp.request({ type: 'poll' }), cp.request({ type: 'poll' })];
    const bio = cp.request({ type: 'bioread', reader: 0, bioType: 2, format: 1, quality: 50 });
    const setMode = cp.request({ type: 'xwr-set-mode', mode: 1, config: 0 });
    const apdu = cp.request({ type: 'xwr-apdu', reader: 0, apdu: commandApdu(0x60) });
    const ev2 = b2.run();
    expect(ev2.filter((e) => e.type === 'failed')).toEqual([]);
    expect(replyOf(ev2, id)).toEqual({ type: 'pdid', ...ID });
    expect(replyOf(ev2, capId)).toEqual({ type: 'pdcap', capabilities: CAPS });
    expect(polls.map((p) => (replyOf(ev2, p) as PdReply).type)).toEqual(['raw', 'keypad', 'ack']);
    expect(replyOf(ev2, bio)).toMatchObject({ type: 'bioreadr', quality: 80 });
    expect(replyOf(ev2, setMode)).toEqual({ type: 'xrd-mode', mode: 1, config: 0 });
    // GetVersion: the card answers its first frame with 91 AF.
    const r = replyOf(ev2, apdu) as PdReply;
    expect(r.type === 'xrd-apdu' && r.response.subarray(-2).toString('hex')).toBe('91af');
    // Everything after the handshake went encrypted: no card UID or PIN on the wire.
    const afterHandshake = sniffed.slice(2).map((s) => decodeFrame(s));
    expect(afterHandshake.every((f) => f.scb?.type === Scs.SCS_15 || f.scb?.type === Scs.SCS_17)).toBe(true);
    const repliesAfter = replies.slice(2).map((x) => decodeFrame(x));
    expect(repliesAfter.every((f) => f.scb?.type === (f.data.length ? Scs.SCS_18 : Scs.SCS_16))).toBe(true);
    const wire = Buffer.concat([...sniffed, ...replies]);
    expect(wire.includes(Buffer.from(card.activation.uid))).toBe(false);
    expect(wire.includes(Buffer.from('1234#'))).toBe(false);
  });

  it('re-handshakes on the same CP with the key it provisioned, and SCBK-D is refused after', () => {
    const { pd } = reader();
    const cp = new CpSession({ address: 5, installMode: true });
    const b = bus(cp, pd);
    cp.startSecureChannel();
    cp.setKey(NEW_KEY);
    b.run();
    cp.startSecureChannel();
    const id = cp.request({ type: 'id' });
    const ev = b.run();
    expect(ev.map((e) => e.type)).toEqual(['secure', 'reply']);
    expect(replyOf(ev, id)).toMatchObject({ type: 'pdid' });
    const installer = new CpSession({ address: 5, installMode: true });
    const b2 = bus(installer, pd);
    const hs = installer.startSecureChannel();
    expect(replyOf(b2.run(), hs)).toMatchObject({
      type: 'failed',
      reply: { type: 'nak', reason: NakReason.SC_UNSUPPORTED },
    });
  });

  it('refuses SCBK-D once the reader has a key, and a wrong key', () => {
    const { pd } = reader({ scbk: NEW_KEY });
    for (const cp of [
      new CpSession({ address: 5, installMode: true }),
      new CpSession({ address: 5, scbk: Buffer.alloc(16) }),
    ]) {
      const b = bus(cp, pd);
      const hs = cp.startSecureChannel();
      const ev = b.run();
      expect(replyOf(ev, hs)).toMatchObject({ type: 'failed' });
      expect(cp.secure).toBe(false);
      expect(pd.secure).toBe(false);
    }
  });

  it('keeps card data and application commands out of the clear once a key is set', () => {
    const { pd } = reader({ scbk: NEW_KEY });
    const cp = new CpSession({ address: 5 });
    const b = bus(cp, pd);
    pd.report({ type: 'keypad', reader: 0, digits: Buffer.from('9') });
    const poll = cp.request({ type: 'poll' });
    const buz = cp.request({ type: 'buz', reader: 0, tone: 2, onTime: 1, offTime: 1, count: 1 });
    const keyset = cp.setKey(NEW_KEY);
    const ev = b.run();
    expect(replyOf(ev, poll)).toEqual({ type: 'ack' });
    expect(replyOf(ev, buz)).toMatchObject({
      type: 'failed',
      reply: { type: 'nak', reason: NakReason.SC_REQUIRED },
    });
    expect(replyOf(ev, keyset)).toMatchObject({ type: 'failed', reason: 'security' });
  });
});

describe('bad input from the application', () => {
  it('a command too large for a frame fails alone; the next one goes through', () => {
    const { pd } = reader();
    const cp = new CpSession({ address: 5 });
    const b = bus(cp, pd);
    const big = cp.request({
      type: 'biomatch',
      reader: 0,
      bioType: 1,
      format: 1,
      threshold: 1,
      template: Buffer.alloc(5000),
    });
    const id = cp.request({ type: 'id' });
    const ev = b.run();
    expect(replyOf(ev, big)).toMatchObject({ type: 'failed', reason: 'malformed' });
    expect(replyOf(ev, id)).toMatchObject({ type: 'pdid' });
  });

  it('a PD whose handler answers something unencodable sends NAK 0x09 instead of throwing', () => {
    const pd = new PdSession({
      address: 1,
      id: ID,
      capabilities: [],
      cuid: Buffer.alloc(8),
      handle: () => ({ type: 'raw', reader: 0, format: 0, bits: 26, data: Buffer.alloc(1) }),
    });
    const [out] = pd.receive(
      encodeFrame({ address: 1, reply: false, sequence: 0, useCrc: true, code: 0x6a, data: Buffer.alloc(5) }),
    );
    const f = decodeFrame(out!);
    expect([f.code, f.data[0]]).toEqual([0x41, NakReason.RECORD]);
  });
});

describe('faults on the line', () => {
  function secured() {
    const { pd } = reader({ scbk: NEW_KEY });
    const cp = new CpSession({ address: 5, scbk: NEW_KEY });
    let fault: ((b: Buffer) => Buffer | undefined) | undefined;
    const b = bus(cp, pd, (x) => (fault ? fault(x) : x));
    cp.startSecureChannel();
    b.run();
    expect(cp.secure && pd.secure).toBe(true);
    return { pd, cp, b, setFault: (f: typeof fault) => (fault = f) };
  }

  it('a bad CRC is dropped and counted; the retry gets through and nothing else changes', () => {
    const { pd, cp, b, setFault } = secured();
    let once = true;
    setFault((x) => {
      if (!once) return x;
      once = false;
      const bad = Buffer.from(x);
      bad[bad.length - 1]! ^= 0xff;
      return bad;
    });
    const id = cp.request({ type: 'id' });
    const ev = b.run();
    expect(replyOf(ev, id)).toMatchObject({ type: 'pdid' });
    expect(pd.reader.stats.badCheck).toBe(1);
    expect(cp.stats.retries).toBe(1);
    expect(cp.secure && pd.secure).toBe(true);
  });

  it('a lost reply is answered again from the PD without processing the command twice', () => {
    const { pd, cp, b } = secured();
    pd.report({ type: 'keypad', reader: 0, digits: Buffer.from('5') });
    // Drop the PD's first answer by feeding the command directly, then let the CP retry.
    const poll = cp.request({ type: 'poll' });
    const out = cp.tick(0);
    pd.receive(out.out[0]!);
    const ev = b.run();
    expect(pd.stats.replays).toBe(1);
    expect(replyOf(ev, poll)).toMatchObject({ type: 'keypad' });
    const next = cp.request({ type: 'poll' });
    expect(replyOf(b.run(), next)).toEqual({ type: 'ack' });
  });

  it('a bad MAC is dropped, counted and ends the Secure Channel; a new handshake restores it', () => {
    const { pd, cp, b } = secured();
    const forged = encodeFrame({
      address: 5,
      reply: false,
      sequence: 2,
      useCrc: true,
      code: 0x61,
      data: Buffer.alloc(16),
      scb: { type: Scs.SCS_17, data: Buffer.alloc(0) },
      mac: Buffer.alloc(4),
    });
    const [nak] = pd.receive(forged);
    expect(decodeFrame(nak!).code).toBe(0x41);
    expect(pd.stats.badMac).toBe(1);
    expect(pd.secure).toBe(false);
    const id = cp.request({ type: 'id' });
    const ev = b.run();
    expect(ev).toContainEqual({ type: 'insecure', reason: 'PD refused: NAK 5' });
    expect(replyOf(ev, id)).toMatchObject({ type: 'failed', reason: 'nak' });
    cp.startSecureChannel();
    const again = cp.request({ type: 'id' });
    expect(replyOf(b.run(), again)).toMatchObject({ type: 'pdid' });
    expect(cp.secure && pd.secure).toBe(true);
  });

  it('a reply with a bad MAC is dropped, counted and ends the Secure Channel at the CP', () => {
    const { pd, cp } = secured();
    const id = cp.request({ type: 'id' });
    const [cmd] = cp.tick(0).out;
    const [reply] = pd.receive(cmd!);
    const bad = Buffer.from(reply!);
    const f = decodeFrame(bad);
    const forged = encodeFrame({ ...f, mac: Buffer.from(f.mac!.map((x) => x ^ 1)) });
    const res = cp.receive(forged, 1);
    expect(cp.stats.badMac).toBe(1);
    expect(cp.secure).toBe(false);
    expect(res.events).toContainEqual({ type: 'failed', id, command: { type: 'id' }, reason: 'security' });
  });

  it('a wrong sequence number is refused and counted with no state change', () => {
    const { pd, cp, b } = secured();
    const before = pd.stats.naks;
    const stray = encodeFrame({
      address: 5,
      reply: false,
      sequence: 3,
      useCrc: true,
      code: 0x60,
      data: Buffer.alloc(0),
    });
    const [nak] = pd.receive(stray);
    expect(decodeFrame(nak!).data[0]).toBe(NakReason.SEQUENCE);
    expect(pd.stats.badSequence).toBe(1);
    expect(pd.stats.naks).toBe(before + 1);
    expect(pd.secure).toBe(true);
    const id = cp.request({ type: 'id' });
    expect(replyOf(b.run(), id)).toMatchObject({ type: 'pdid' });
  });

  it('a clear reply to a secured command is dropped and counted; the real one is accepted', () => {
    const { pd, cp } = secured();
    const id = cp.request({ type: 'lstat' });
    const [cmd] = cp.tick(0).out;
    const [reply] = pd.receive(cmd!);
    const f = decodeFrame(reply!);
    const clear = encodeFrame({
      address: 5,
      reply: true,
      sequence: f.sequence,
      useCrc: true,
      code: 0x40,
      data: Buffer.alloc(0),
    });
    expect(cp.receive(clear, 1).events).toEqual([]);
    expect(cp.stats.badMac).toBe(1);
    expect(cp.secure).toBe(true);
    expect(cp.receive(reply!, 2).events).toEqual([
      { type: 'reply', id, command: { type: 'lstat' }, reply: { type: 'ack' } },
    ]);
  });

  it('a reply with the wrong sequence number is dropped and counted at the CP', () => {
    const { pd, cp } = secured();
    cp.request({ type: 'poll' });
    const [cmd] = cp.tick(0).out;
    const [reply] = pd.receive(cmd!);
    const f = decodeFrame(reply!);
    const wrong = encodeFrame({ ...f, sequence: (f.sequence % 3) + 1 });
    expect(cp.receive(wrong, 1).events).toEqual([]);
    expect(cp.stats.badSequence).toBe(1);
    expect(cp.receive(reply!, 2).events.map((e) => e.type)).toEqual(['reply']);
  });

  it('a PD that stops answering goes offline after the retries, and the CP restarts at sequence 0', () => {
    const { cp, b, setFault } = secured();
    setFault(() => undefined);
    const id = cp.request({ type: 'poll' });
    const ev = b.run();
    expect(cp.stats.retries).toBe(3);
    expect(ev).toContainEqual({ type: 'failed', id, command: { type: 'poll' }, reason: 'offline' });
    expect(ev.map((e) => e.type)).toContain('offline');
    expect(cp.online).toBe(false);
    expect(cp.secure).toBe(false);
    setFault(undefined);
    cp.request({ type: 'poll' });
    const [first] = cp.tick(10_000_000).out;
    expect(decodeFrame(first!).sequence).toBe(0);
  });
});
