import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OsdpMessageError } from './message-bytes.js';
import { Cmd, type Command, decodeCommand, encodeCommand } from './messages.js';
import { decodeReply, encodeReply, type PdReply, Reply } from './replies.js';
import { byte, bytes } from './test-support.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ledSetting = fc.record({ control: byte, onTime: byte, offTime: byte, onColor: byte, offColor: byte });

const commands: Record<Command['type'], fc.Arbitrary<Command>> = {
  poll: fc.constant({ type: 'poll' }),
  id: fc.constant({ type: 'id' }),
  cap: fc.constant({ type: 'cap' }),
  lstat: fc.constant({ type: 'lstat' }),
  out: fc.record({
    type: fc.constant('out'),
    outputs: fc.array(fc.record({ output: byte, control: byte, timer: u16 }), { minLength: 1, maxLength: 4 }),
  }),
  led: fc.record({
    type: fc.constant('led'),
    leds: fc.array(
      fc.record({
        reader: byte,
        led: byte,
        temp: ledSetting.chain((s) => u16.map((timer) => ({ ...s, timer }))),
        perm: ledSetting,
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  buz: fc.record({
    type: fc.constant('buz'),
    reader: byte,
    tone: byte,
    onTime: byte,
    offTime: byte,
    count: byte,
  }),
  text: fc.record({
    type: fc.constant('text'),
    reader: byte,
    command: byte,
    tempTime: byte,
    row: byte,
    column: byte,
    text: fc.stringMatching(/^[\x20-\x7e]{0,32}$/),
  }),
  comset: fc.record({ type: fc.constant('comset'), address: byte, baud: u32 }),
  bioread: fc.record({
    type: fc.constant('bioread'),
    reader: byte,
    bioType: byte,
    format: byte,
    quality: byte,
  }),
  biomatch: fc.record({
    type: fc.constant('biomatch'),
    reader: byte,
    bioType: byte,
    format: byte,
    threshold: byte,
    template: bytes(0, 64),
  }),
  keyset: fc.record({ type: fc.constant('keyset'), keyType: byte, key: bytes(16, 16) }),
  chlng: fc.record({ type: fc.constant('chlng'), rndA: bytes(8, 8) }),
  scrypt: fc.record({ type: fc.constant('scrypt'), serverCryptogram: bytes(16, 16) }),
  'xwr-get-mode': fc.constant({ type: 'xwr-get-mode' }),
  'xwr-set-mode': fc.record({ type: fc.constant('xwr-set-mode'), mode: byte, config: byte }),
  'xwr-apdu': fc.record({ type: fc.constant('xwr-apdu'), reader: byte, apdu: bytes(1, 64) }),
  'xwr-done': fc.record({ type: fc.constant('xwr-done'), reader: byte }),
  'xwr-scan': fc.record({ type: fc.constant('xwr-scan'), reader: byte }),
} as Record<Command['type'], fc.Arbitrary<Command>>;

const replies: Record<PdReply['type'], fc.Arbitrary<PdReply>> = {
  ack: fc.constant({ type: 'ack' }),
  nak: fc.record({ type: fc.constant('nak'), reason: byte, detail: bytes(0, 4) }),
  pdid: fc.record({
    type: fc.constant('pdid'),
    vendor: bytes(3, 3),
    model: byte,
    version: byte,
    serial: u32,
    firmware: fc.record({ major: byte, minor: byte, build: byte }),
  }),
  pdcap: fc.record({
    type: fc.constant('pdcap'),
    capabilities: fc.array(fc.record({ function: byte, compliance: byte, count: byte }), { maxLength: 8 }),
  }),
  lstatr: fc.record({ type: fc.constant('lstatr'), tamper: byte, power: byte }),
  raw: fc
    .record({ reader: byte, format: byte, bits: fc.integer({ min: 0, max: 400 }) })
    .chain((r) =>
      bytes(Math.ceil(r.bits / 8), Math.ceil(r.bits / 8)).map((data) => ({ type: 'raw', ...r, data })),
    ),
  keypad: fc.record({ type: fc.constant('keypad'), reader: byte, digits: bytes(0, 16) }),
  com: fc.record({ type: fc.constant('com'), address: byte, baud: u32 }),
  bioreadr: fc.record({
    type: fc.constant('bioreadr'),
    reader: byte,
    status: byte,
    bioType: byte,
    quality: byte,
    template: bytes(0, 64),
  }),
  biomatchr: fc.record({
    type: fc.constant('biomatchr'),
    reader: byte,
    status: byte,
    bioType: byte,
    score: byte,
  }),
  ccrypt: fc.record({
    type: fc.constant('ccrypt'),
    cuid: bytes(8, 8),
    rndB: bytes(8, 8),
    clientCryptogram: bytes(16, 16),
  }),
  'rmac-i': fc.record({ type: fc.constant('rmac-i'), rmacI: bytes(16, 16) }),
  busy: fc.constant({ type: 'busy' }),
  'xrd-mode': fc.record({ type: fc.constant('xrd-mode'), mode: byte, config: byte }),
  'xrd-card-info': fc.record({
    type: fc.constant('xrd-card-info'),
    reader: byte,
    protocol: byte,
    csn: bytes(0, 10),
    protocolData: bytes(0, 20),
  }),
  'xrd-card-present': fc.record({ type: fc.constant('xrd-card-present'), reader: byte, status: byte }),
  'xrd-apdu': fc.record({
    type: fc.constant('xrd-apdu'),
    reader: byte,
    status: byte,
    response: bytes(0, 64),
  }),
} as Record<PdReply['type'], fc.Arbitrary<PdReply>>;

describe('OSDP commands', () => {
  it.each(Object.entries(commands))('%s round-trips', (_t, arb) => {
    fc.assert(
      fc.property(arb, (c) => {
        const { code, data } = encodeCommand(c);
        expect(decodeCommand(code, data)).toEqual(c);
      }),
    );
  });

  it.each([...Object.values(Cmd)])(
    'decoder of code %i fails only with OsdpMessageError, and re-encodes exactly',
    (code) => {
      fc.assert(
        fc.property(bytes(0, 80), (data) => {
          let c: Command;
          try {
            c = decodeCommand(code, data);
          } catch (e) {
            expect(e).toBeInstanceOf(OsdpMessageError);
            return;
          }
          // ID and CAP carry a reply-type byte we do not keep; everything else is canonical.
          if (c.type !== 'id' && c.type !== 'cap') expect(encodeCommand(c).data.equals(data)).toBe(true);
        }),
      );
    },
  );

  it('explains malformed data', () => {
    expect(() => decodeCommand(Cmd.KEYSET, Buffer.of(1, 8, 1, 2))).toThrow(/AES-128 needs 16/);
    expect(() => decodeCommand(Cmd.OUT, Buffer.of(1, 2, 3))).toThrow(/4 bytes/);
    expect(() => decodeCommand(Cmd.POLL, Buffer.of(0))).toThrow(/trailing/);
    expect(() => decodeCommand(0x99, Buffer.alloc(0))).toThrow(/unknown command/);
    expect(() => decodeCommand(Cmd.XWR, Buffer.of(1, 1, 0))).toThrow(/empty APDU/);
    expect(() =>
      encodeCommand({ type: 'text', reader: 0, command: 1, tempTime: 0, row: 0, column: 0, text: 'é' }),
    ).toThrow(OsdpMessageError);
  });

  it('puts transparent mode in the XRW_MODE / PCMND bytes', () => {
    expect(encodeCommand({ type: 'xwr-set-mode', mode: 1, config: 0 }).data.toString('hex')).toBe('00020100');
    expect(
      encodeCommand({ type: 'xwr-apdu', reader: 0, apdu: Buffer.of(0x90, 0x60, 0, 0, 0) }).data.toString(
        'hex',
      ),
    ).toBe('0101009060000000');
  });
});

describe('OSDP replies', () => {
  it.each(Object.entries(replies))('%s round-trips', (_t, arb) => {
    fc.assert(
      fc.property(arb, (p) => {
        const { code, data } = encodeReply(p);
        expect(decodeReply(code, data)).toEqual(p);
      }),
    );
  });

  it.each([...Object.values(Reply)])(
    'decoder of code %i fails only with OsdpMessageError, and re-encodes exactly',
    (code) => {
      fc.assert(
        fc.property(bytes(0, 80), (data) => {
          let p: PdReply;
          try {
            p = decodeReply(code, data);
          } catch (e) {
            expect(e).toBeInstanceOf(OsdpMessageError);
            return;
          }
          expect(encodeReply(p).data.equals(data)).toBe(true);
        }),
      );
    },
  );

  it('decodes an ID report field by field', () => {
    const p = decodeReply(Reply.PDID, Buffer.from('5c26230102d2040000030107', 'hex'));
    expect(p).toEqual({
      type: 'pdid',
      vendor: Buffer.from('5c2623', 'hex'),
      model: 1,
      version: 2,
      serial: 1234,
      firmware: { major: 3, minor: 1, build: 7 },
    });
  });

  it('explains malformed data', () => {
    expect(() => decodeReply(Reply.RAW, Buffer.of(0, 1, 26, 0, 1, 2))).toThrow(/too short/);
    expect(() => decodeReply(Reply.PDCAP, Buffer.of(1, 2))).toThrow(/3 bytes/);
    expect(() => decodeReply(Reply.XRD, Buffer.of(2, 1))).toThrow(/unsupported mode/);
    expect(() => encodeReply({ type: 'raw', reader: 0, format: 0, bits: 26, data: Buffer.alloc(3) })).toThrow(
      /bit count/,
    );
  });
});
