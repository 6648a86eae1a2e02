import { ByteReader, fixed, OsdpMessageError, u16le, u32le, u8 } from './message-bytes.js';

/** Command codes (CP → PD) this implementation speaks. */
export const Cmd = {
  POLL: 0x60,
  ID: 0x61,
  CAP: 0x62,
  LSTAT: 0x64,
  OUT: 0x68,
  LED: 0x69,
  BUZ: 0x6a,
  TEXT: 0x6b,
  COMSET: 0x6e,
  BIOREAD: 0x73,
  BIOMATCH: 0x74,
  KEYSET: 0x75,
  CHLNG: 0x76,
  SCRYPT: 0x77,
  XWR: 0xa1,
} as const;

export interface OutputControl {
  output: number;
  control: number;
  /** In units of 100 ms. */
  timer: number;
}
/** One osdp_LED record: the temporary then the permanent setting of one LED. */
export interface LedControl {
  reader: number;
  led: number;
  temp: {
    control: number;
    onTime: number;
    offTime: number;
    onColor: number;
    offColor: number;
    timer: number;
  };
  perm: { control: number; onTime: number; offTime: number; onColor: number; offColor: number };
}

export type Command =
  | { type: 'poll' }
  | { type: 'id' }
  | { type: 'cap' }
  | { type: 'lstat' }
  | { type: 'out'; outputs: OutputControl[] }
  | { type: 'led'; leds: LedControl[] }
  | { type: 'buz'; reader: number; tone: number; onTime: number; offTime: number; count: number }
  | {
      type: 'text';
      reader: number;
      command: number;
      tempTime: number;
      row: number;
      column: number;
      text: string;
    }
  | { type: 'comset'; address: number; baud: number }
  | { type: 'bioread'; reader: number; bioType: number; format: number; quality: number }
  | { type: 'biomatch'; reader: number; bioType: number; format: number; threshold: number; template: Buffer }
  | { type: 'keyset'; keyType: number; key: Buffer }
  | { type: 'chlng'; rndA: Buffer }
  | { type: 'scrypt'; serverCryptogram: Buffer }
  /** Transparent mode (XRW_MODE 0x00, PCMND 0x01): ask the current mode. */
  | { type: 'xwr-get-mode' }
  /** Transparent mode (0x00, 0x02): set the mode; 1 = transparent smart-card pass-through. */
  | { type: 'xwr-set-mode'; mode: number; config: number }
  /** Mode 1, PCMND 0x01: send one APDU to the card in the field. */
  | { type: 'xwr-apdu'; reader: number; apdu: Buffer }
  /** Mode 1, PCMND 0x02: done with the card; the reader may resume normal reporting. */
  | { type: 'xwr-done'; reader: number }
  /** Mode 1, PCMND 0x04: scan for a card now. */
  | { type: 'xwr-scan'; reader: number };

export interface Encoded {
  code: number;
  data: Buffer;
}

const empty = Buffer.alloc(0);
const ledSetting = (s: LedControl['perm']) => [s.control, s.onTime, s.offTime, s.onColor, s.offColor];

export function encodeCommand(c: Command): Encoded {
  const b = (...v: number[]) => Buffer.from(v.map((x) => u8(x, c.type)));
  switch (c.type) {
    case 'poll':
      return { code: Cmd.POLL, data: empty };
    case 'id':
      return { code: Cmd.ID, data: b(0) };
    case 'cap':
      return { code: Cmd.CAP, data: b(0) };
    case 'lstat':
      return { code: Cmd.LSTAT, data: empty };
    case 'out':
      if (!c.outputs.length) throw new OsdpMessageError('out: no outputs');
      return {
        code: Cmd.OUT,
        data: Buffer.concat(
          c.outputs.map((o) => Buffer.concat([b(o.output, o.control), u16le(o.timer, 'out timer')])),
        ),
      };
    case 'led':
      if (!c.leds.length) throw new OsdpMessageError('led: no LEDs');
      return {
        code: Cmd.LED,
        data: Buffer.concat(
          c.leds.map((l) =>
            Buffer.concat([
              b(l.reader, l.led, ...ledSetting(l.temp)),
              u16le(l.temp.timer, 'led timer'),
              b(...ledSetting(l.perm)),
            ]),
          ),
        ),
      };
    case 'buz':
      return { code: Cmd.BUZ, data: b(c.reader, c.tone, c.onTime, c.offTime, c.count) };
    case 'text': {
      const text = Buffer.from(c.text, 'latin1');
      if (text.length > 0xff || !/^[\x20-\x7e]*$/.test(c.text))
        throw new OsdpMessageError('text: printable ASCII only');
      return {
        code: Cmd.TEXT,
        data: Buffer.concat([b(c.reader, c.command, c.tempTime, c.row, c.column, text.length), text]),
      };
    }
    case 'comset':
      return { code: Cmd.COMSET, data: Buffer.concat([b(c.address), u32le(c.baud, 'comset baud')]) };
    case 'bioread':
      return { code: Cmd.BIOREAD, data: b(c.reader, c.bioType, c.format, c.quality) };
    case 'biomatch':
      return {
        code: Cmd.BIOMATCH,
        data: Buffer.concat([
          b(c.reader, c.bioType, c.format, c.threshold),
          u16le(c.template.length, 'biomatch length'),
          c.template,
        ]),
      };
    case 'keyset':
      return {
        code: Cmd.KEYSET,
        data: Buffer.concat([b(c.keyType, c.key.length), fixed(c.key, 16, 'keyset key')]),
      };
    case 'chlng':
      return { code: Cmd.CHLNG, data: fixed(c.rndA, 8, 'chlng RND.A') };
    case 'scrypt':
      return { code: Cmd.SCRYPT, data: fixed(c.serverCryptogram, 16, 'scrypt cryptogram') };
    case 'xwr-get-mode':
      return { code: Cmd.XWR, data: b(0, 1) };
    case 'xwr-set-mode':
      return { code: Cmd.XWR, data: b(0, 2, c.mode, c.config) };
    case 'xwr-apdu':
      if (!c.apdu.length) throw new OsdpMessageError('xwr-apdu: empty APDU');
      return { code: Cmd.XWR, data: Buffer.concat([b(1, 1, c.reader), c.apdu]) };
    case 'xwr-done':
      return { code: Cmd.XWR, data: b(1, 2, c.reader) };
    case 'xwr-scan':
      return { code: Cmd.XWR, data: b(1, 4, c.reader) };
  }
}

/** Decodes a command's data; throws OsdpMessageError (the PD answers it with NAK 0x02 or 0x03). */
export function decodeCommand(code: number, data: Buffer): Command {
  const r = new ByteReader(data, `command 0x${code.toString(16)}`);
  const done = <T>(v: T): T => (r.end(), v);
  switch (code) {
    case Cmd.POLL:
      return done({ type: 'poll' });
    case Cmd.ID:
      return (r.u8(), done({ type: 'id' }));
    case Cmd.CAP:
      return (r.u8(), done({ type: 'cap' }));
    case Cmd.LSTAT:
      return done({ type: 'lstat' });
    case Cmd.OUT: {
      if (!data.length || data.length % 4) throw new OsdpMessageError('out: records are 4 bytes');
      const outputs: OutputControl[] = [];
      while (r.remaining) outputs.push({ output: r.u8(), control: r.u8(), timer: r.u16() });
      return { type: 'out', outputs };
    }
    case Cmd.LED: {
      if (!data.length || data.length % 14) throw new OsdpMessageError('led: records are 14 bytes');
      const leds: LedControl[] = [];
      const setting = () => ({
        control: r.u8(),
        onTime: r.u8(),
        offTime: r.u8(),
        onColor: r.u8(),
        offColor: r.u8(),
      });
      while (r.remaining) {
        const reader = r.u8();
        const led = r.u8();
        const temp = { ...setting(), timer: r.u16() };
        leds.push({ reader, led, temp, perm: setting() });
      }
      return { type: 'led', leds };
    }
    case Cmd.BUZ:
      return done({
        type: 'buz',
        reader: r.u8(),
        tone: r.u8(),
        onTime: r.u8(),
        offTime: r.u8(),
        count: r.u8(),
      });
    case Cmd.TEXT: {
      const [reader, command, tempTime, row, column, n] = [r.u8(), r.u8(), r.u8(), r.u8(), r.u8(), r.u8()];
      const text = r.bytes(n).toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(text)) throw new OsdpMessageError('text: printable ASCII only');
      return done({ type: 'text', reader, command, tempTime, row, column, text });
    }
    case Cmd.COMSET:
      return done({ type: 'comset', address: r.u8(), baud: r.u32() });
    case Cmd.BIOREAD:
      return done({ type: 'bioread', reader: r.u8(), bioType: r.u8(), format: r.u8(), quality: r.u8() });
    case Cmd.BIOMATCH: {
      const [reader, bioType, format, threshold] = [r.u8(), r.u8(), r.u8(), r.u8()];
      return done({ type: 'biomatch', reader, bioType, format, threshold, template: r.bytes(r.u16()) });
    }
    case Cmd.KEYSET: {
      const keyType = r.u8();
      const n = r.u8();
      if (n !== 16) throw new OsdpMessageError(`keyset: key of ${n} bytes, AES-128 needs 16`);
      return done({ type: 'keyset', keyType, key: r.bytes(16) });
    }
    case Cmd.CHLNG:
      return done({ type: 'chlng', rndA: r.bytes(8) });
    case Cmd.SCRYPT:
      return done({ type: 'scrypt', serverCryptogram: r.bytes(16) });
    case Cmd.XWR:
      return decodeXwr(r);
    default:
      throw new OsdpMessageError(`unknown command code 0x${code.toString(16)}`);
  }
}

function decodeXwr(r: ByteReader): Command {
  const mode = r.u8();
  const pcmnd = r.u8();
  const done = <T>(v: T): T => (r.end(), v);
  if (mode === 0 && pcmnd === 1) return done({ type: 'xwr-get-mode' });
  if (mode === 0 && pcmnd === 2) return done({ type: 'xwr-set-mode', mode: r.u8(), config: r.u8() });
  if (mode === 1 && pcmnd === 1) {
    const reader = r.u8();
    const apdu = r.rest();
    if (!apdu.length) throw new OsdpMessageError('xwr-apdu: empty APDU');
    return { type: 'xwr-apdu', reader, apdu };
  }
  if (mode === 1 && pcmnd === 2) return done({ type: 'xwr-done', reader: r.u8() });
  if (mode === 1 && pcmnd === 4) return done({ type: 'xwr-scan', reader: r.u8() });
  throw new OsdpMessageError(`xwr: unsupported mode ${mode} command ${pcmnd}`);
}
