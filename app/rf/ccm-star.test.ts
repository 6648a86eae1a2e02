import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readVectors } from '../../test/helpers/temp-site.js';
import {
  ccmOpen,
  ccmSeal,
  ccmStarNonce,
  ccmStarOpen,
  ccmStarSeal,
  CcmStarError,
  micLength,
} from './ccm-star.js';

const hex = (s: string) => Buffer.from(s, 'hex');

interface Rfc3610 {
  vectors: {
    name: string;
    key: string;
    nonce: string;
    aad: string;
    plaintext: string;
    ciphertext: string;
    tag: string;
    tag_length: number;
  }[];
  negative: { name: string; key: string; nonce: string; aad: string; ciphertext: string; tag: string }[];
}

interface AnnexC {
  frames: {
    name: string;
    key: string;
    security_level: number;
    mic_length: number;
    nonce: string;
    aad_a_data: string;
    plaintext_m_data: string;
    ciphertext: string;
    mic: string;
  }[];
}

describe('CCM (RFC 3610 packet vectors)', () => {
  const v = readVectors<Rfc3610>('aes-ccm-rfc3610.json');

  it.each(v.vectors.map((x) => [x.name, x] as const))('%s seals and opens', (_n, x) => {
    const sealed = ccmSeal(hex(x.key), hex(x.nonce), hex(x.aad), hex(x.plaintext), x.tag_length);
    expect(sealed.toString('hex')).toBe(x.ciphertext + x.tag);
    expect(ccmOpen(hex(x.key), hex(x.nonce), hex(x.aad), sealed, x.tag_length).toString('hex')).toBe(
      x.plaintext,
    );
  });

  it.each(v.negative.map((x) => [x.name, x] as const))('%s', (_n, x) => {
    const sealed = Buffer.concat([hex(x.ciphertext), hex(x.tag)]);
    expect(() => ccmOpen(hex(x.key), hex(x.nonce), hex(x.aad), sealed, x.tag.length / 2)).toThrow(
      CcmStarError,
    );
  });
});

describe('CCM* (802.15.4 Annex C.2)', () => {
  const v = readVectors<AnnexC>('ieee802154-ccm-star-annexC.json');

  it('builds the nonce from the source address, frame counter and level', () => {
    expect(ccmStarNonce('ACDE480000000001', 5, 6).toString('hex')).toBe('acde4800000000010000000506');
  });

  it.each(v.frames.map((x) => [x.name, x] as const))('%s', (_n, x) => {
    expect(micLength(x.security_level)).toBe(x.mic_length);
    const key = hex(x.key);
    const nonce = hex(x.nonce);
    const sealed = ccmStarSeal(key, nonce, hex(x.aad_a_data), hex(x.plaintext_m_data), x.security_level);
    const expected = (x.ciphertext || (x.security_level < 4 ? x.plaintext_m_data : '')) + x.mic;
    expect(sealed.toString('hex')).toBe(expected);
    const opened = ccmStarOpen(key, nonce, hex(x.aad_a_data), sealed, x.security_level);
    expect(opened.toString('hex')).toBe(x.plaintext_m_data);
  });

  it('opens what it seals at every level, and refuses any changed bit where there is a MIC', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 13, maxLength: 13 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 0, max: 7 }),
        fc.nat(),
        (key, nonce, aad, m, level, flip) => {
          const sealed = ccmStarSeal(key, nonce, aad, m, level);
          expect(sealed.length).toBe(m.length + micLength(level));
          expect([...ccmStarOpen(key, nonce, aad, sealed, level)]).toEqual([...m]);
          if (micLength(level) === 0 || sealed.length === 0) return;
          const bad = Buffer.from(sealed);
          bad[flip % bad.length]! ^= 1 << (flip % 8);
          expect(() => ccmStarOpen(key, nonce, aad, bad, level)).toThrow(CcmStarError);
          if (aad.length) {
            const badAad = Buffer.from(aad);
            badAad[flip % badAad.length]! ^= 1;
            expect(() => ccmStarOpen(key, nonce, badAad, sealed, level)).toThrow(CcmStarError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('seals an empty message given as a view without a backing store (node skips the update)', () => {
    const key = Buffer.alloc(16, 1);
    const nonce = Buffer.alloc(13, 2);
    const empty = Buffer.from(new Uint8Array(0));
    const sealed = ccmStarSeal(key, nonce, Buffer.alloc(20), empty, 6);
    expect(sealed.equals(ccmStarSeal(key, nonce, Buffer.alloc(20), Buffer.alloc(0), 6))).toBe(true);
    expect(ccmStarOpen(key, nonce, Buffer.alloc(20), sealed, 6).length).toBe(0);
  });

  it('refuses bad inputs with CcmStarError', () => {
    expect(() =>
      ccmStarSeal(Buffer.alloc(15), Buffer.alloc(13), Buffer.alloc(0), Buffer.alloc(1), 6),
    ).toThrow(CcmStarError);
    expect(() => ccmStarNonce('ACDE480000000001', 2 ** 32, 6)).toThrow(CcmStarError);
    expect(() => micLength(8)).toThrow(CcmStarError);
    expect(() =>
      ccmStarOpen(Buffer.alloc(16), Buffer.alloc(13), Buffer.alloc(0), Buffer.alloc(3), 5),
    ).toThrow(CcmStarError);
  });
});
