import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadOpenError, open, seal } from './aead.js';

describe('seal/open (AES-256-GCM with purpose as associated data)', () => {
  const key = randomBytes(32);

  it('round-trips any plaintext and associated data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (plain, aad) => {
        expect(open(key, seal(key, plain, aad), aad).equals(Buffer.from(plain))).toBe(true);
      }),
    );
  });

  it('uses a fresh nonce every time', () => {
    const a = seal(key, Buffer.from('same'), 'p');
    const b = seal(key, Buffer.from('same'), 'p');
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
  });

  it('refuses another key, another purpose, or any flipped bit', () => {
    const sealed = seal(key, Buffer.from('site master key'), 'purpose=a');
    expect(() => open(randomBytes(32), sealed, 'purpose=a')).toThrow(AeadOpenError);
    expect(() => open(key, sealed, 'purpose=b')).toThrow(AeadOpenError);
    fc.assert(
      fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
        const bad = Buffer.from(sealed);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => open(key, bad, 'purpose=a')).toThrow(AeadOpenError);
      }),
    );
  });

  it('refuses truncated input without throwing anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (junk) => {
        expect(() => open(key, junk, 'x')).toThrow(AeadOpenError);
      }),
    );
  });
});
