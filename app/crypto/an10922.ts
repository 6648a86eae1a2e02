import { aesCmacPadded } from './cmac.js';

/**
 * AES-128 key diversification per NXP AN10922 (section 2.2): D = 0x01 ‖ M, padded with 0x80 00.. to
 * exactly 32 bytes (K2 into the last block) unless it already fills them (K1); the diversified key is
 * the CMAC chaining result. `m` is the diversification input, 1 to 31 bytes (Lintel: UID ‖ AID ‖ system
 * identifier, see docs/card-format.md).
 */
export function an10922Aes128(masterKey: Uint8Array, m: Uint8Array): Buffer {
  if (masterKey.length !== 16)
    throw new RangeError('an10922Aes128: the master key must be 16 bytes (AES-128)');
  if (m.length < 1 || m.length > 31) {
    throw new RangeError(`an10922Aes128: the diversification input must be 1 to 31 bytes, not ${m.length}`);
  }
  const d = Buffer.alloc(1 + m.length);
  d[0] = 0x01;
  d.set(m, 1);
  return aesCmacPadded(masterKey, d, 32);
}
