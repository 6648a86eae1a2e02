import { ByteReader, fixed, OsdpMessageError, u16le, u32le, u8 } from './message-bytes.js';
import type { Encoded } from './messages.js';

/** Reply codes (PD → CP) this implementation speaks. */
export const Reply = {
  ACK: 0x40,
  NAK: 0x41,
  PDID: 0x45,
  PDCAP: 0x46,
  LSTATR: 0x48,
  RAW: 0x50,
  KEYPAD: 0x53,
  COM: 0x54,
  BIOREADR: 0x57,
  BIOMATCHR: 0x58,
  CCRYPT: 0x76,
  RMAC_I: 0x78,
  BUSY: 0x79,
  XRD: 0xb1,
} as const;

/** osdp_NAK error codes (OSDP v2.2 table "NAK error codes"). */
export const NakReason = {
  NONE: 0x00,
  CHECK: 0x01,
  LENGTH: 0x02,
  UNKNOWN_COMMAND: 0x03,
  SEQUENCE: 0x04,
  SC_UNSUPPORTED: 0x05,
  SC_REQUIRED: 0x06,
  BIO_TYPE: 0x07,
  BIO_FORMAT: 0x08,
  RECORD: 0x09,
} as const;

export interface PdId {
  /** IEEE OUI, 3 bytes. */
  vendor: Buffer;
  model: number;
  version: number;
  serial: number;
  firmware: { major: number; minor: number; build: number };
}

export interface Capability {
  function: number;
  compliance: number;
  count: number;
}

export type PdReply =
  | { type: 'ack' }
  | { type: 'nak'; reason: number; detail: Buffer }
  | ({ type: 'pdid' } & PdId)
  | { type: 'pdcap'; capabilities: Capability[] }
  | { type: 'lstatr'; tamper: number; power: number }
  | { type: 'raw'; reader: number; format: number; bits: number; data: Buffer }
  | { type: 'keypad'; reader: number; digits: Buffer }
  | { type: 'com'; address: number; baud: number }
  | { type: 'bioreadr'; reader: number; status: number; bioType: number; quality: number; template: Buffer }
  | { type: 'biomatchr'; reader: number; status: number; bioType: number; score: number }
  | { type: 'ccrypt'; cuid: Buffer; rndB: Buffer; clientCryptogram: Buffer }
  | { type: 'rmac-i'; rmacI: Buffer }
  | { type: 'busy' }
  /** XRD mode 0 reply 0x01: the current transparent mode. */
  | { type: 'xrd-mode'; mode: number; config: number }
  /** XRD mode 1 reply 0x01: a smart card entered the field. */
  | { type: 'xrd-card-info'; reader: number; protocol: number; csn: Buffer; protocolData: Buffer }
  /** XRD mode 1 reply 0x02: card present status (0 absent, 1 present not connected, 2 connected). */
  | { type: 'xrd-card-present'; reader: number; status: number }
  /** XRD mode 1 reply 0x03: the card's response APDU (status 0 = delivered). */
  | { type: 'xrd-apdu'; reader: number; status: number; response: Buffer };

const empty = Buffer.alloc(0);

export function encodeReply(p: PdReply): Encoded {
  const b = (...v: number[]) => Buffer.from(v.map((x) => u8(x, p.type)));
  switch (p.type) {
    case 'ack':
      return { code: Reply.ACK, data: empty };
    case 'nak':
      return { code: Reply.NAK, data: Buffer.concat([b(p.reason), p.detail]) };
    case 'pdid':
      return {
        code: Reply.PDID,
        data: Buffer.concat([
          fixed(p.vendor, 3, 'pdid vendor'),
          b(p.model, p.version),
          u32le(p.serial, 'pdid serial'),
          b(p.firmware.major, p.firmware.minor, p.firmware.build),
        ]),
      };
    case 'pdcap':
      return {
        code: Reply.PDCAP,
        data: b(...p.capabilities.flatMap((c) => [c.function, c.compliance, c.count])),
      };
    case 'lstatr':
      return { code: Reply.LSTATR, data: b(p.tamper, p.power) };
    case 'raw':
      if (p.data.length !== Math.ceil(p.bits / 8))
        throw new OsdpMessageError('raw: data does not match the bit count');
      return {
        code: Reply.RAW,
        data: Buffer.concat([b(p.reader, p.format), u16le(p.bits, 'raw bits'), p.data]),
      };
    case 'keypad':
      return { code: Reply.KEYPAD, data: Buffer.concat([b(p.reader, p.digits.length), p.digits]) };
    case 'com':
      return { code: Reply.COM, data: Buffer.concat([b(p.address), u32le(p.baud, 'com baud')]) };
    case 'bioreadr':
      return {
        code: Reply.BIOREADR,
        data: Buffer.concat([
          b(p.reader, p.status, p.bioType, p.quality),
          u16le(p.template.length, 'bioreadr length'),
          p.template,
        ]),
      };
    case 'biomatchr':
      return { code: Reply.BIOMATCHR, data: b(p.reader, p.status, p.bioType, p.score) };
    case 'ccrypt':
      return {
        code: Reply.CCRYPT,
        data: Buffer.concat([
          fixed(p.cuid, 8, 'ccrypt cUID'),
          fixed(p.rndB, 8, 'ccrypt RND.B'),
          fixed(p.clientCryptogram, 16, 'ccrypt cryptogram'),
        ]),
      };
    case 'rmac-i':
      return { code: Reply.RMAC_I, data: fixed(p.rmacI, 16, 'R-MAC-I') };
    case 'busy':
      return { code: Reply.BUSY, data: empty };
    case 'xrd-mode':
      return { code: Reply.XRD, data: b(0, 1, p.mode, p.config) };
    case 'xrd-card-info':
      return {
        code: Reply.XRD,
        data: Buffer.concat([
          b(1, 1, p.reader, p.protocol, p.csn.length, p.protocolData.length),
          p.csn,
          p.protocolData,
        ]),
      };
    case 'xrd-card-present':
      return { code: Reply.XRD, data: b(1, 2, p.reader, p.status) };
    case 'xrd-apdu':
      return { code: Reply.XRD, data: Buffer.concat([b(1, 3, p.reader, p.status), p.response]) };
  }
}

/** Decodes a reply's data; throws OsdpMessageError with the reason. */
export function decodeReply(code: number, data: Buffer): PdReply {
  const r = new ByteReader(data, `reply 0x${code.toString(16)}`);
  const done = <T>(v: T): T => (r.end(), v);
  switch (code) {
    case Reply.ACK:
      return done({ type: 'ack' });
    case Reply.NAK:
      return { type: 'nak', reason: r.u8(), detail: r.rest() };
    case Reply.PDID: {
      const vendor = r.bytes(3);
      const [model, version, serial] = [r.u8(), r.u8(), r.u32()];
      const firmware = { major: r.u8(), minor: r.u8(), build: r.u8() };
      return done({ type: 'pdid', vendor, model, version, serial, firmware });
    }
    case Reply.PDCAP: {
      if (data.length % 3) throw new OsdpMessageError('pdcap: records are 3 bytes');
      const capabilities: Capability[] = [];
      while (r.remaining) capabilities.push({ function: r.u8(), compliance: r.u8(), count: r.u8() });
      return { type: 'pdcap', capabilities };
    }
    case Reply.LSTATR:
      return done({ type: 'lstatr', tamper: r.u8(), power: r.u8() });
    case Reply.RAW: {
      const [reader, format, bits] = [r.u8(), r.u8(), r.u16()];
      return done({ type: 'raw', reader, format, bits, data: r.bytes(Math.ceil(bits / 8)) });
    }
    case Reply.KEYPAD: {
      const reader = r.u8();
      return done({ type: 'keypad', reader, digits: r.bytes(r.u8()) });
    }
    case Reply.COM:
      return done({ type: 'com', address: r.u8(), baud: r.u32() });
    case Reply.BIOREADR: {
      const [reader, status, bioType, quality] = [r.u8(), r.u8(), r.u8(), r.u8()];
      return done({ type: 'bioreadr', reader, status, bioType, quality, template: r.bytes(r.u16()) });
    }
    case Reply.BIOMATCHR:
      return done({ type: 'biomatchr', reader: r.u8(), status: r.u8(), bioType: r.u8(), score: r.u8() });
    case Reply.CCRYPT:
      return done({ type: 'ccrypt', cuid: r.bytes(8), rndB: r.bytes(8), clientCryptogram: r.bytes(16) });
    case Reply.RMAC_I:
      return done({ type: 'rmac-i', rmacI: r.bytes(16) });
    case Reply.BUSY:
      return done({ type: 'busy' });
    case Reply.XRD:
      return decodeXrd(r);
    default:
      throw new OsdpMessageError(`unknown reply code 0x${code.toString(16)}`);
  }
}

function decodeXrd(r: ByteReader): PdReply {
  const mode = r.u8();
  const reply = r.u8();
  const done = <T>(v: T): T => (r.end(), v);
  if (mode === 0 && reply === 1) return done({ type: 'xrd-mode', mode: r.u8(), config: r.u8() });
  if (mode === 1 && reply === 1) {
    const [reader, protocol, csnLen, pdLen] = [r.u8(), r.u8(), r.u8(), r.u8()];
    return done({
      type: 'xrd-card-info',
      reader,
      protocol,
      csn: r.bytes(csnLen),
      protocolData: r.bytes(pdLen),
    });
  }
  if (mode === 1 && reply === 2) return done({ type: 'xrd-card-present', reader: r.u8(), status: r.u8() });
  if (mode === 1 && reply === 3)
    return { type: 'xrd-apdu', reader: r.u8(), status: r.u8(), response: r.rest() };
  throw new OsdpMessageError(`xrd: unsupported mode ${mode} reply ${reply}`);
}
