import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandApdu, parseCommandApdu, parseResponseApdu, responseApdu } from './apdu.js';
import {
  accessOf,
  accessValue,
  decodeFileSettings,
  encodeFileSettings,
  type FileSettings,
} from './file-settings.js';
import { padMethod2, truncateMac, unpadMethod2 } from './secure-messaging.js';
import { DesfireError, Status, statusName } from './status.js';
import { hex, toHex } from './test-support.js';
import { decodeVersion, encodeVersion } from './version.js';

/** The shared codec: APDU wrapping, status names, padding, file settings, GetVersion. */

describe('ISO 7816-4 wrapping', () => {
  it('wraps native commands as 90 INS 00 00 [Lc data] 00', () => {
    expect(toHex(commandApdu(0x60))).toBe('9060000000');
    expect(toHex(commandApdu(0x5a, hex('010203')))).toBe('905A00000301020300');
  });

  it('parses what it wraps, for every INS and data length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 255 }), (ins, data) => {
        const parsed = parseCommandApdu(commandApdu(ins, data));
        expect(parsed).toEqual({ ok: true, ins, data: Buffer.from(data) });
      }),
    );
  });

  it('answers data ‖ 91 status and reads it back', () => {
    expect(toHex(responseApdu(Status.ADDITIONAL_FRAME, hex('0102')))).toBe('010291AF');
    expect(parseResponseApdu(hex('010291AF'))).toEqual({ status: 0xaf, data: hex('0102') });
  });

  it('refuses short responses and reports ISO status words by name', () => {
    expect(() => parseResponseApdu(hex('91'))).toThrow(
      expect.objectContaining({ code: 'MALFORMED_RESPONSE' }),
    );
    expect(() => parseResponseApdu(hex('6700'))).toThrow(
      expect.objectContaining({ code: 'WRONG_LENGTH', status: 0x6700 }),
    );
    expect(() => parseResponseApdu(hex('6283'))).toThrow(expect.objectContaining({ code: 'ISO_ERROR' }));
  });

  it('names DESFire statuses', () => {
    expect(statusName(0xae)).toBe('AUTHENTICATION_ERROR');
    expect(statusName(0x42)).toBe('UNKNOWN_STATUS');
    const e = DesfireError.fromStatus(0x9d);
    expect(e).toMatchObject({ name: 'DesfireError', status: 0x9d, code: 'PERMISSION_DENIED' });
    expect(e.message).toContain('PERMISSION_DENIED');
  });
});

describe('secure-messaging helpers', () => {
  it('pads with ISO/IEC 9797-1 method 2 (always) and unpads exactly', () => {
    expect(toHex(padMethod2(hex('0102')))).toBe('0102' + '80' + '00'.repeat(13));
    expect(padMethod2(Buffer.alloc(16))).toHaveLength(32);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(unpadMethod2(padMethod2(data))).toEqual(Buffer.from(data));
      }),
    );
    expect(unpadMethod2(Buffer.alloc(16))).toBeNull();
    expect(unpadMethod2(hex('80' + '00'.repeat(14) + '01'))).toBeNull();
    expect(unpadMethod2(hex('0102'))).toBeNull();
  });

  it('truncates a CMAC to its odd-indexed bytes', () => {
    expect(toHex(truncateMac(hex('B7A60161F202EC3489BD4BEDEF64BB32')))).toBe('A6610234BDED6432');
  });
});

const right = fc.integer({ min: 0, max: 15 });
const accessArb = fc.record({ read: right, write: right, readWrite: right, change: right });
const comm = fc.constantFrom('plain' as const, 'mac' as const, 'full' as const);
const u24 = fc.integer({ min: 0, max: 0xffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const settingsArb: fc.Arbitrary<FileSettings> = fc.oneof(
  fc.record({ type: fc.constantFrom('std' as const, 'backup' as const), comm, access: accessArb, size: u24 }),
  fc.record({
    type: fc.constantFrom('linear' as const, 'cyclic' as const),
    comm,
    access: accessArb,
    recordSize: u24,
    maxRecords: u24,
    currentRecords: u24,
  }),
  fc.record({
    type: fc.constant('value' as const),
    comm,
    access: accessArb,
    lowerLimit: i32,
    upperLimit: i32,
    limitedCreditValue: i32,
    limitedCreditEnabled: fc.boolean(),
  }),
);

describe('file settings', () => {
  it('packs access rights Read, Write, Read&Write, Change from the high nibble, LSB first on the wire', () => {
    expect(accessValue({ read: 1, write: 2, readWrite: 3, change: 4 })).toBe(0x1234);
    expect(accessOf(0xe0f1)).toEqual({ read: 0xe, write: 0, readWrite: 0xf, change: 1 });
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(settingsArb, (s) => {
        expect(decodeFileSettings(encodeFileSettings(s))).toEqual(s);
      }),
    );
  });

  it('decodes a real card answer (AN12196 section 5.3: an NTAG 424 DNA file, with options we refuse)', () => {
    expect(() => decodeFileSettings(hex('0040EEEE000100D1FE001F00004400004400002000006A0000'))).toThrow(
      expect.objectContaining({ code: 'MALFORMED_RESPONSE' }),
    );
    expect(decodeFileSettings(hex('000300E1800000'))).toEqual({
      type: 'std',
      comm: 'full',
      access: { read: 0xe, write: 1, readWrite: 0, change: 0 },
      size: 128,
    });
  });
});

describe('GetVersion', () => {
  it('round-trips and reads the storage size and BCD production date', () => {
    const block = {
      vendorId: 4,
      type: 1,
      subType: 1,
      majorVersion: 0x12,
      minorVersion: 0,
      storageSize: 0x1a,
      protocol: 5,
    };
    const v = {
      hardware: block,
      software: block,
      uid: hex('04112233445566'),
      batch: hex('0102030405'),
      production: { week: 42, year: 2019 },
      storageBytes: 8192,
    };
    const parts = encodeVersion(v);
    expect(parts.map((p) => p.length)).toEqual([7, 7, 14]);
    expect(toHex(parts[2]).slice(-4)).toBe('4219');
    expect(decodeVersion(Buffer.concat(parts))).toEqual(v);
    expect(() =>
      decodeVersion(Buffer.concat([...parts.slice(0, 2), parts[2].subarray(0, 12), hex('4A19')])),
    ).toThrow(DesfireError);
  });
});
