import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessRight } from '../access/engine.js';
import {
  ACCESS_DATA_FILE_BYTES,
  BLACKLIST_FILE_BYTES,
  CARD_INFO_FILE_BYTES,
  CardFormatError,
  MAX_CARD_BLACKLIST,
  MAX_CARD_RIGHTS,
  blacklistFragmentOf,
  credentialDataOf,
  decodeAccessData,
  decodeAuditRecord,
  decodeAuditRecords,
  decodeBlacklistFragment,
  decodeCardInfo,
  encodeAccessData,
  encodeAuditRecord,
  encodeBlacklistFragment,
  encodeCardInfo,
  revalidated,
  type CardAccessData,
} from './card-format.js';
import { crc32Of, crc8 } from './bytes.js';
import { cardArbitraries } from './test-arbitraries.js';

const U32 = 0xffff_ffff;
const { instant, access: accessArb, blacklist: blacklistArb, audit: auditArb } = cardArbitraries(fc);

/** Decodes, or returns the CardFormatError; anything else thrown fails the property. */
function attempt<T>(decode: (b: Uint8Array) => T, bytes: Uint8Array): T | CardFormatError {
  try {
    return decode(bytes);
  } catch (err) {
    if (err instanceof CardFormatError) {
      expect(err.message.length).toBeGreaterThan(10);
      return err;
    }
    throw err;
  }
}

/** `bytes` as the whole file would hold them (zero padded), for comparing with an encoding. */
function asFile(bytes: Uint8Array, size: number): Buffer {
  const out = Buffer.alloc(Math.max(size, bytes.length));
  out.set(bytes);
  return out.subarray(0, size);
}

/**
 * Random bytes that pass the cheap outer checks (version byte, a count within the limit, a valid CRC at
 * the place the count says), so the fuzzing reaches the field checks behind them.
 */
function plausible(
  raw: Uint8Array,
  version: number,
  countAt: number,
  limit: number,
  header: number,
  entry: number,
  size: number,
): Buffer {
  const b = Buffer.alloc(size);
  b.set(raw.subarray(0, size));
  b[0] = version;
  b[countAt] = b[countAt]! % (limit + 1);
  const end = header + b[countAt]! * entry;
  b.writeUInt32BE(crc32Of(b.subarray(0, end)), end);
  b.fill(0, end + 4);
  return b;
}

const decoders = [
  ['card info', decodeCardInfo, encodeCardInfo, CARD_INFO_FILE_BYTES],
  ['access data', decodeAccessData, encodeAccessData, ACCESS_DATA_FILE_BYTES],
  ['blacklist fragment', decodeBlacklistFragment, encodeBlacklistFragment, BLACKLIST_FILE_BYTES],
] as const;

describe('card format decoders under fuzzing', () => {
  it.each(decoders)(
    '%s: arbitrary bytes give a value that re-encodes to them, or a CardFormatError',
    (_n, dec, enc, size) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: size + 40 }), (bytes) => {
          const out = attempt(dec as (b: Uint8Array) => unknown, bytes);
          // Every decodable file has exactly one encoding: a decoded value re-encodes to the same bytes.
          if (!(out instanceof CardFormatError)) expect(enc(out as never)).toEqual(asFile(bytes, size));
        }),
        { numRuns: 2000 },
      );
    },
  );

  it('access data: plausible bytes (version, count and CRC right) reach the field checks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: ACCESS_DATA_FILE_BYTES, maxLength: ACCESS_DATA_FILE_BYTES }),
        (raw) => {
          const bytes = plausible(raw, 1, 31, MAX_CARD_RIGHTS, 32, 6, ACCESS_DATA_FILE_BYTES);
          const out = attempt(decodeAccessData, bytes);
          if (out instanceof CardFormatError) expect(out.code).toBe('INVALID');
          else expect(encodeAccessData(out)).toEqual(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('access data: plausible bytes with sane flag bytes decode, and re-encode to themselves', () => {
    let decoded = 0;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: ACCESS_DATA_FILE_BYTES, maxLength: ACCESS_DATA_FILE_BYTES }),
        fc.integer({ min: 0, max: 15 }),
        (raw, flags) => {
          const r = Buffer.from(raw);
          r[13] = flags;
          r[14] = 0; // no optional fields, so they must be zero
          r.fill(0, 15, 31);
          const bytes = plausible(r, 1, 31, MAX_CARD_RIGHTS, 32, 6, ACCESS_DATA_FILE_BYTES);
          const out = attempt(decodeAccessData, bytes);
          if (!(out instanceof CardFormatError)) {
            decoded++;
            expect(encodeAccessData(out)).toEqual(bytes);
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(decoded).toBeGreaterThan(100); // …but with them they mostly do (ids of 0 aside)
  });

  it('blacklist fragment: plausible bytes decode or fail a field check', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: BLACKLIST_FILE_BYTES, maxLength: BLACKLIST_FILE_BYTES }),
        (raw) => {
          const bytes = plausible(raw, 1, 5, MAX_CARD_BLACKLIST, 6, 12, BLACKLIST_FILE_BYTES);
          const out = attempt(decodeBlacklistFragment, bytes);
          if (!(out instanceof CardFormatError)) expect(encodeBlacklistFragment(out)).toEqual(bytes);
          else expect(out.code).toBe('INVALID');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('audit records: arbitrary bytes give records or a CardFormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const out = attempt(decodeAuditRecords, bytes);
        if (!(out instanceof CardFormatError)) {
          expect(Buffer.concat(out.map(encodeAuditRecord))).toEqual(Buffer.from(bytes));
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const b = Buffer.from(raw);
        b[0] = 1;
        b[3] = crc8(Buffer.concat([b.subarray(0, 3), b.subarray(4)]));
        const out = attempt(decodeAuditRecord, b);
        if (out instanceof CardFormatError) expect(out.code).toBe('INVALID');
        else expect(encodeAuditRecord(out)).toEqual(b);
      }),
      { numRuns: 1000 },
    );
  });

  it('a flipped bit in a valid encoding is caught', () => {
    fc.assert(
      fc.property(accessArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (a, at, bit) => {
        const bytes = encodeAccessData(a);
        const used = 36 + 6 * a.rights.length;
        bytes[at % used]! ^= 1 << bit;
        expect(attempt(decodeAccessData, bytes)).toBeInstanceOf(CardFormatError);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(auditArb, fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 7 }), (r, at, bit) => {
        const bytes = encodeAuditRecord(r);
        bytes[at]! ^= 1 << bit;
        expect(attempt(decodeAuditRecord, bytes)).toBeInstanceOf(CardFormatError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('card format round trips', () => {
  it('access data', () => {
    fc.assert(
      fc.property(accessArb, (a) => {
        const bytes = encodeAccessData(a);
        expect(bytes.length).toBe(ACCESS_DATA_FILE_BYTES);
        expect(decodeAccessData(bytes)).toEqual(a);
        // A reader may read just the encoding, without the padding.
        expect(decodeAccessData(bytes.subarray(0, 36 + 6 * a.rights.length))).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('blacklist fragment (entries come back newest first)', () => {
    fc.assert(
      fc.property(blacklistArb, (f) => {
        const back = decodeBlacklistFragment(encodeBlacklistFragment(f));
        expect(back).toEqual(f);
      }),
      { numRuns: 1000 },
    );
  });

  it('card info', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 255 }),
        (tag, keyVersion) => {
          expect(decodeCardInfo(encodeCardInfo({ siteTag: tag, keyVersion }))).toEqual({
            formatVersion: 1,
            siteTag: Buffer.from(tag),
            keyVersion,
          });
        },
      ),
    );
  });

  it('audit records', () => {
    fc.assert(
      fc.property(fc.array(auditArb, { maxLength: 20 }), (records) => {
        expect(decodeAuditRecords(Buffer.concat(records.map(encodeAuditRecord)))).toEqual(records);
      }),
    );
  });
});

describe('card format limits and refusals', () => {
  const base: CardAccessData = {
    credentialId: 7,
    userId: 3,
    validFrom: null,
    validUntil: null,
    revalidation: null,
    rights: [],
    flags: { pinRequired: false, office: false, privacyOverride: false, extendedOpening: false },
    issuedAt: 1_700_000_000,
  };
  const rights = (n: number): AccessRight[] =>
    Array.from({ length: n }, (_, i) => ({ kind: 'door', id: i + 1, periodId: 1 }));
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(CardFormatError);
      return err as CardFormatError;
    }
    throw new Error('expected a refusal');
  };

  it('refuses more doors and zones than a card holds, saying what to do', () => {
    expect(encodeAccessData({ ...base, rights: rights(64) }).length).toBe(ACCESS_DATA_FILE_BYTES);
    const err = refusal(() => encodeAccessData({ ...base, rights: rights(70) }));
    expect(err.code).toBe('OVER_LIMIT');
    expect(err.message).toBe(
      'this user has 70 doors and zones; a card holds at most 64: group doors into zones',
    );
  });

  it('refuses more blacklist entries than a card carries, and picks the newest for it', () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({
      seq: i + 1,
      credentialId: 100 + i,
      expiresAt: 5,
    }));
    const err = refusal(() => encodeBlacklistFragment({ highestSeq: 40, entries }));
    expect(err.code).toBe('OVER_LIMIT');
    expect(err.message).toMatch(/at most 16: write the newest/);
    const frag = blacklistFragmentOf(entries, 42);
    expect(frag.highestSeq).toBe(42);
    expect(frag.entries.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => 40 - i));
    expect(decodeBlacklistFragment(encodeBlacklistFragment(frag))).toEqual(frag);
  });

  it('refuses values the fields cannot carry', () => {
    const cases: [Partial<CardAccessData>, RegExp][] = [
      [{ credentialId: 0 }, /credential id must be a whole number from 1/],
      [{ userId: 2 ** 32 }, /user id/],
      [{ validFrom: 1.5 }, /valid from/],
      [{ validFrom: 10, validUntil: 10 }, /must be before valid until/],
      [{ revalidation: { by: 5, windowSeconds: 0 } }, /revalidation window/],
      [{ issuedAt: -1 }, /issue time/],
      [{ rights: [{ kind: 'door', id: 2 ** 31, periodId: 1 }] }, /right 1: door id/],
      [{ rights: [{ kind: 'zone', id: 1, periodId: 65536 }] }, /right 1: time period id/],
    ];
    for (const [change, message] of cases) {
      const err = refusal(() => encodeAccessData({ ...base, ...change }));
      expect(err.code).toBe('INVALID_VALUE');
      expect(err.message).toMatch(message);
    }
    expect(refusal(() => encodeCardInfo({ siteTag: Buffer.alloc(8), keyVersion: 0 })).message).toMatch(
      /1 to 255/,
    );
    expect(refusal(() => encodeCardInfo({ siteTag: Buffer.alloc(4), keyVersion: 1 })).message).toMatch(
      /8 bytes/,
    );
    expect(
      refusal(() =>
        encodeBlacklistFragment({ highestSeq: 1, entries: [{ seq: 2, credentialId: 1, expiresAt: 0 }] }),
      ).message,
    ).toMatch(/newer than the highest/);
    expect(
      refusal(() =>
        encodeAuditRecord({ event: 'granted', reason: 'expired', doorId: 1, at: 0, credentialId: 1 }),
      ).message,
    ).toMatch(/only a denial/);
  });

  it('tells an unwritten file, an unknown version and damage apart', () => {
    expect(refusal(() => decodeAccessData(Buffer.alloc(ACCESS_DATA_FILE_BYTES))).code).toBe('EMPTY');
    const future = encodeAccessData(base);
    future[0] = 2;
    const err = refusal(() => decodeAccessData(future));
    expect(err.code).toBe('UNKNOWN_VERSION');
    expect(err.message).toMatch(/newer Lintel/);
    const damaged = encodeAccessData(base);
    damaged[6]! ^= 0x10;
    expect(refusal(() => decodeAccessData(damaged)).code).toBe('CHECKSUM');
    expect(refusal(() => decodeAccessData(Buffer.of(1, 0, 0))).code).toBe('TRUNCATED');
    const trailing = encodeAccessData(base);
    trailing[ACCESS_DATA_FILE_BYTES - 1] = 1;
    expect(refusal(() => decodeAccessData(trailing)).message).toMatch(/non-zero bytes after the data/);
  });

  it('matches the byte tables of docs/card-format.md (known-answer vectors)', () => {
    const access = encodeAccessData({
      credentialId: 0x01020304,
      userId: 42,
      validFrom: 1_700_000_000,
      validUntil: 1_800_000_000,
      revalidation: { by: 1_700_604_800, windowSeconds: 604_800 },
      rights: [
        { kind: 'door', id: 5, periodId: 1 },
        { kind: 'zone', id: 2, periodId: 3 },
      ],
      flags: { pinRequired: true, office: false, privacyOverride: false, extendedOpening: true },
      issuedAt: 1_700_000_000,
    });
    // Byte for byte as docs/card-format.md lists them (version, ids, times, flags, rights, CRC-32).
    expect(access.subarray(0, 48).toString('hex')).toBe(
      '01' +
        '01020304' +
        '0000002a' +
        '6553f100' +
        '09' +
        '07' +
        '6553f100' +
        '6b49d200' +
        '655d2b80' +
        '00093a80' +
        '02' +
        '00000005' +
        '0001' +
        '80000002' +
        '0003' +
        '5b24cbcd',
    );
    expect(access.readUInt32BE(44)).toBe(crc32Of(access.subarray(0, 44)));
    expect(access.subarray(48).every((b) => b === 0)).toBe(true);
    const info = encodeCardInfo({ siteTag: Buffer.from('0011223344556677', 'hex'), keyVersion: 1 });
    expect(info.subarray(0, 14).toString('hex')).toBe('01' + '0011223344556677' + '01' + '6c160667');
    const fragment = encodeBlacklistFragment({
      highestSeq: 12,
      entries: [
        { seq: 9, credentialId: 77, expiresAt: 0xffff_ffff },
        { seq: 11, credentialId: 300, expiresAt: 1_800_000_000 },
      ],
    });
    expect(fragment.subarray(0, 34).toString('hex')).toBe(
      '01' + '0000000c' + '02' + '0000000b0000012c6b49d200' + '000000090000004dffffffff' + '91c407e7',
    );
    const rec = encodeAuditRecord({
      event: 'denied',
      reason: 'expired',
      doorId: 9,
      at: 1_700_000_000,
      credentialId: 7,
    });
    expect(rec.toString('hex')).toBe('01' + '02' + '03' + '65' + '00000009' + '6553f100' + '00000007');
  });
});

describe('card access data and the access engine', () => {
  it('gives the engine what it decides on, and an update point extends revalidation by the window', () => {
    fc.assert(
      fc.property(accessArb, instant, (a, now) => {
        const c = credentialDataOf(a);
        expect(c.revalidateBy).toBe(a.revalidation?.by ?? null);
        expect(c.rights).toEqual(a.rights);
        expect(c.privileges.office).toBe(a.flags.office);
        const r = revalidated(a, now);
        if (a.revalidation === null) expect(r).toBe(a);
        else expect(r.revalidation!.by).toBe(Math.min(now + a.revalidation.windowSeconds, U32));
        expect(decodeAccessData(encodeAccessData(r))).toEqual(r);
      }),
    );
  });
});
