import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCodec, nearMisses } from '../../test/helpers/codec-fuzz.js';
import { accessOf } from '../lock/lock-test-kit.js';
import {
  newDeviceKey,
  exportDeviceKey,
  importDeviceKey,
  signWithDeviceKey,
  verifyDeviceSignature,
} from './device-key.js';
import {
  groupKeyIdOf,
  newX25519Pair,
  unwrapGroupKey,
  wrapGroupKey,
  x25519,
  x25519PairOf,
  WRAPPED_GROUP_KEY_BYTES,
} from './group-key.js';
import {
  decodeToken,
  encodeToken,
  openToken,
  readTokenHeader,
  sealToken,
  tokenAccessBytes,
  TokenFormatError,
  TokenOpenError,
} from './token.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('device keys (ECDSA P-256, P1363)', () => {
  it('verifies the RFC 6979 A.2.5 P-256/SHA-256 signature of "sample", and refuses it altered', () => {
    const publicKey = Buffer.concat([
      Buffer.of(4),
      hex('60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6'),
      hex('7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299'),
    ]);
    const signature = hex(
      'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716' +
        'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    );
    const sample = Buffer.from('sample', 'ascii');
    expect(verifyDeviceSignature(publicKey, sample, signature)).toBe(true);
    expect(verifyDeviceSignature(publicKey, Buffer.from('samplf'), signature)).toBe(false);
    const bent = Buffer.from(signature);
    bent[63]! ^= 1;
    expect(verifyDeviceSignature(publicKey, sample, bent)).toBe(false);
    expect(verifyDeviceSignature(publicKey.subarray(1), sample, signature)).toBe(false);
    expect(verifyDeviceSignature(Buffer.alloc(65, 4), sample, signature)).toBe(false);
  });

  it('signs with a new key, survives export and import, and another key does not verify', () => {
    const key = newDeviceKey();
    const again = importDeviceKey(exportDeviceKey(key));
    expect(again.publicKey.equals(key.publicKey)).toBe(true);
    const sig = signWithDeviceKey(again, Buffer.from('hello'));
    expect(sig).toHaveLength(64);
    expect(verifyDeviceSignature(key.publicKey, Buffer.from('hello'), sig)).toBe(true);
    expect(verifyDeviceSignature(newDeviceKey().publicKey, Buffer.from('hello'), sig)).toBe(false);
  });
});

describe('group key wrapping (X25519 + HKDF-SHA256 + AES-256-GCM)', () => {
  it('computes the RFC 7748 §6.1 Diffie-Hellman both ways through the wrap code', () => {
    const alice = x25519PairOf(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const bob = x25519PairOf(hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(alice.publicKey.toString('hex')).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
    expect(bob.publicKey.toString('hex')).toBe(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    );
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(x25519(alice.privateKey, bob.publicKey).toString('hex')).toBe(shared);
    expect(x25519(bob.privateKey, alice.publicKey).toString('hex')).toBe(shared);
    // A small-order point gives the all-zero secret: refused, never used as a key.
    expect(() => x25519(alice.privateKey, Buffer.alloc(32))).toThrow(RangeError);
  });

  it('opens only for the lock it was wrapped for, and not altered', () => {
    const key = Buffer.alloc(32, 7);
    const lock = newX25519Pair();
    const wrapped = wrapGroupKey(key, lock.publicKey);
    expect(wrapped).toHaveLength(WRAPPED_GROUP_KEY_BYTES);
    expect(unwrapGroupKey(wrapped, lock)?.equals(key)).toBe(true);
    expect(unwrapGroupKey(wrapped, newX25519Pair())).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(WRAPPED_GROUP_KEY_BYTES - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bent = Buffer.from(wrapped);
        bent[i]! ^= x;
        expect(unwrapGroupKey(bent, lock)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
    expect(unwrapGroupKey(wrapped.subarray(1), lock)).toBeUndefined();
    expect(groupKeyIdOf(key)).toHaveLength(8);
    expect(groupKeyIdOf(key).equals(groupKeyIdOf(Buffer.alloc(32, 8)))).toBe(false);
  });
});

describe('tokens', () => {
  const groupKey = Buffer.alloc(32, 0x33);
  const device = newDeviceKey();
  const token = (pinHash: string | null = null, credentialId = 42) =>
    sealToken(groupKey, {
      notBefore: 1_000,
      notAfter: 2_000,
      devicePublicKey: device.publicKey,
      accessData: tokenAccessBytes(accessOf(credentialId)),
      pinHash,
    });

  it('seals and opens access data and a PIN hash; the header is readable without the key', () => {
    const t = token('$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA');
    const header = readTokenHeader(t);
    expect(header.groupKeyId.equals(groupKeyIdOf(groupKey))).toBe(true);
    expect(header.devicePublicKey.equals(device.publicKey)).toBe(true);
    expect([header.notBefore, header.notAfter]).toEqual([1_000, 2_000]);
    const opened = openToken(groupKey, t);
    expect(opened.access).toEqual(accessOf(42));
    expect(opened.pinHash).toBe('$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA');
    expect(openToken(groupKey, token()).pinHash).toBeNull();
  });

  it('does not open under another key, nor altered anywhere', () => {
    const t = token();
    expect(() => openToken(Buffer.alloc(32, 0x34), t)).toThrow(TokenOpenError);
    fc.assert(
      fc.property(fc.nat(t.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bent = Buffer.from(t);
        bent[i]! ^= x;
        expect(() => openToken(groupKey, bent)).toThrow(/./);
        try {
          openToken(groupKey, bent);
        } catch (err) {
          expect(err instanceof TokenOpenError || err instanceof TokenFormatError).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fuzz: the token codec decodes any bytes to what re-encodes to them, or a TokenFormatError', () => {
    const valid = fc
      .tuple(fc.integer({ min: 1, max: 1000 }), fc.boolean())
      .map(([id, pin]) => Uint8Array.from(token(pin ? '$argon2id$x' : null, id)));
    fuzzCodec(decodeToken, encodeToken, nearMisses(valid, 700), TokenFormatError);
  });

  it('fuzz: opening arbitrary or altered bytes is a token error, never a crash', () => {
    const valid = fc.integer({ min: 1, max: 1000 }).map((id) => Uint8Array.from(token(null, id)));
    fc.assert(
      fc.property(nearMisses(valid, 700), (bytes) => {
        try {
          openToken(groupKey, bytes);
        } catch (err) {
          expect(err instanceof TokenOpenError || err instanceof TokenFormatError).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
