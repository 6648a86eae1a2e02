import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import {
  BUNDLE_MAGIC,
  MAC_BYTES,
  MAX_HEADER_BYTES,
  PREAMBLE_BYTES,
  encodeBundleHead,
  parseBundleHead,
  type BundleHeader,
} from './bundle-format.js';

const SITE = '0b6f1d52-8a51-4c6e-9d55-2f4f7e0c9a11';

function header(over: Partial<BundleHeader> = {}): BundleHeader {
  return {
    siteId: SITE,
    siteName: 'Acme HQ',
    schemaVersion: 7,
    exportedAt: '2026-12-01T10:00:00.000Z',
    lintelVersion: '0.1.0',
    dbBytes: 40,
    keyring: {
      format: 'lintel-keyring',
      version: 1,
      siteId: SITE,
      cipher: 'chacha20',
      wraps: [
        {
          kekId: '0123456789abcdef',
          kek: {
            kind: 'passphrase',
            kdf: {
              alg: 'argon2id',
              version: 19,
              memoryKiB: 65536,
              iterations: 3,
              parallelism: 4,
              salt: 'AAAAAAAAAAAAAAAAAAAAAA',
            },
          },
          dbKeyVersion: 1,
          wrappedDbKey: 'c2VhbGVk',
          createdAt: '2026-12-01T10:00:00.000Z',
        },
      ],
    },
    ...over,
  };
}

/** A whole bundle as bytes: head, `dbBytes` bytes of "database", a 32-byte MAC. */
function bundle(h: BundleHeader = header()): Buffer {
  return Buffer.concat([encodeBundleHead(h), Buffer.alloc(h.dbBytes, 0xab), Buffer.alloc(MAC_BYTES, 0xcd)]);
}

function parse(bytes: Uint8Array, size = bytes.length) {
  return parseBundleHead(bytes, size);
}

/** Runs `f`; returns the StoreError it threw (failing on success or on any other kind of error). */
function refusal(f: () => unknown): StoreError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a refusal');
}

const anyHeader = fc
  .record({
    siteName: fc.string({ maxLength: 200, unit: 'grapheme' }),
    schemaVersion: fc.integer({ min: 1, max: 1000 }),
    lintelVersion: fc.string({ maxLength: 64 }),
    dbBytes: fc.integer({ min: 1, max: 4096 }),
  })
  .map((over) => header(over));

describe('site bundle head', () => {
  it('reads back exactly what was written, and finds the database and the MAC', () => {
    fc.assert(
      fc.property(anyHeader, (h) => {
        const bytes = bundle(h);
        const layout = parse(bytes);
        expect(layout.header).toEqual(h);
        expect(bytes.subarray(layout.dbOffset, layout.dbOffset + layout.dbBytes)).toEqual(
          Buffer.alloc(h.dbBytes, 0xab),
        );
        expect(layout.macOffset + MAC_BYTES).toBe(bytes.length);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any bytes that are not a bundle with a StoreError, never another exception', () => {
    const noise = fc.uint8Array({ maxLength: 512 });
    const behindMagic = fc
      .tuple(
        fc.integer({ min: 0, max: 3 }),
        fc.oneof(fc.nat({ max: 600 }), fc.nat({ max: 0xffffffff })),
        fc.uint8Array({ maxLength: 512 }),
      )
      .map(([version, len, rest]) => {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(version, 0);
        fixed.writeUInt32BE(len, 2);
        return Buffer.concat([BUNDLE_MAGIC, fixed, rest]);
      });
    fc.assert(
      fc.property(fc.oneof(noise, behindMagic), fc.nat({ max: 1 << 20 }), (bytes, extra) => {
        const err = refusal(() => parse(bytes, bytes.length + extra));
        expect(['BUNDLE_INVALID', 'BUNDLE_FROM_FUTURE']).toContain(err.code);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every truncation and any trailing bytes', () => {
    const bytes = bundle(header({ dbBytes: 64 }));
    for (let n = 0; n < bytes.length; n++) {
      const err = refusal(() => parse(bytes.subarray(0, n)));
      expect(err.code, `cut at ${n}`).toBe('BUNDLE_INVALID');
      expect(err.message).toMatch(/truncated|too short|damaged|does not start/);
    }
    expect(refusal(() => parse(Buffer.concat([bytes, Buffer.from([0])]))).message).toMatch(/after its end/);
  });

  it('survives any single changed byte in its head: a refusal or a parse, nothing else', () => {
    const bytes = bundle();
    const headEnd = bytes.length - 40 - MAC_BYTES;
    fc.assert(
      fc.property(fc.nat({ max: headEnd - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const copy = Buffer.from(bytes);
        copy[at]! ^= xor;
        try {
          parse(copy);
        } catch (err) {
          expect(err).toBeInstanceOf(StoreError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('names a file that is not a bundle as such', () => {
    fc.assert(
      fc.property(fc.nat({ max: BUNDLE_MAGIC.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const copy = bundle();
        copy[at]! ^= xor;
        expect(refusal(() => parse(copy)).message).toMatch(/does not start as one/);
      }),
    );
    expect(refusal(() => parse(Buffer.from('SQLite format 3\0 and more'))).message).toMatch(/does not start/);
  });

  it('tells a newer format apart from a damaged one', () => {
    const copy = bundle();
    copy.writeUInt16BE(2, BUNDLE_MAGIC.length);
    const future = refusal(() => parse(copy));
    expect(future.code).toBe('BUNDLE_FROM_FUTURE');
    expect(future.message).toMatch(/format version 2, made by a newer Lintel/);
    copy.writeUInt16BE(0, BUNDLE_MAGIC.length);
    expect(refusal(() => parse(copy)).code).toBe('BUNDLE_INVALID');
  });

  it('refuses a huge header length from the first bytes alone, without asking for the rest', () => {
    const fixed = Buffer.alloc(6);
    fixed.writeUInt16BE(1, 0);
    fixed.writeUInt32BE(0xffffffff, 2);
    const head = Buffer.concat([BUNDLE_MAGIC, fixed]);
    expect(head.length).toBe(PREAMBLE_BYTES);
    expect(refusal(() => parse(head, 2 ** 40)).message).toMatch(/header claims 4294967295 bytes/);
    head.writeUInt32BE(MAX_HEADER_BYTES + 1, BUNDLE_MAGIC.length + 2);
    expect(refusal(() => parse(head, 2 ** 40)).message).toMatch(/header claims 65537 bytes/);
  });

  it('accepts only a keyring with one passphrase wrap of the same site, at a bounded cost', () => {
    const h = header();
    const wrap = h.keyring.wraps[0]!;
    const kdf = wrap.kek.kind === 'passphrase' ? wrap.kek.kdf : undefined;
    const variants: [string, BundleHeader, RegExp][] = [
      [
        'key-file wrap',
        header({ keyring: { ...h.keyring, wraps: [{ ...wrap, kek: { kind: 'key-file' } }] } }),
        /one export passphrase/,
      ],
      ['two wraps', header({ keyring: { ...h.keyring, wraps: [wrap, wrap] } }), /one export passphrase/],
      [
        'other site',
        header({ keyring: { ...h.keyring, siteId: '7d0c4a8e-3f7b-4f55-8a0e-1b2c3d4e5f60' } }),
        /another site/,
      ],
      [
        'a 4 GiB passphrase cost',
        header({
          keyring: {
            ...h.keyring,
            wraps: [{ ...wrap, kek: { kind: 'passphrase', kdf: { ...kdf!, memoryKiB: 4_194_304 } } }],
          },
        }),
        /passphrase cost/,
      ],
    ];
    for (const [name, variant, why] of variants) {
      expect(refusal(() => parse(bundle(variant))).message, name).toMatch(why);
    }
  });
});
