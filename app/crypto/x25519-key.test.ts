import { createPublicKey, diffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newX25519PrivateKey, x25519PrivateKey } from './x25519-key.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const rawPublic = (k: Parameters<typeof createPublicKey>[0]) =>
  Buffer.from(createPublicKey(k).export({ format: 'jwk' }).x!, 'base64url');

describe('X25519 private keys from raw bytes', () => {
  it('give RFC 7748 §6.1’s public keys and shared secret (the placeholder x is not used)', () => {
    const alice = x25519PrivateKey(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const bob = x25519PrivateKey(hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(rawPublic(alice).toString('hex')).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
    expect(rawPublic(bob).toString('hex')).toBe(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    );
    expect(diffieHellman({ privateKey: alice, publicKey: createPublicKey(bob) }).toString('hex')).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    );
  });

  it('makes fresh keys that differ, and refuses a key of the wrong size', () => {
    expect(rawPublic(newX25519PrivateKey()).equals(rawPublic(newX25519PrivateKey()))).toBe(false);
    expect(() => x25519PrivateKey(Buffer.alloc(31))).toThrow(RangeError);
  });
});
