import fc from 'fast-check';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVectors } from '../../test/helpers/temp-site.js';
import { an10922Aes128, aesCmac, cmacSubkeys, ev2SessionKeys, ev2SessionVector } from './index.js';

const hex = (s: string) => Buffer.from(s, 'hex');

interface CmacVectors {
  subkey_generation: { key: string; K1: string; K2: string };
  vectors: { name: string; key: string; message: string; mac: string }[];
}

describe('AES-CMAC (RFC 4493 section 4)', () => {
  const v = readVectors<CmacVectors>('aes-cmac-rfc4493.json');

  it('derives the subkeys K1 and K2', () => {
    const { k1, k2 } = cmacSubkeys(hex(v.subkey_generation.key));
    expect(k1.toString('hex')).toBe(v.subkey_generation.K1);
    expect(k2.toString('hex')).toBe(v.subkey_generation.K2);
  });

  it.each(v.vectors.map((x) => [x.name, x] as const))('%s', (_name, x) => {
    expect(aesCmac(hex(x.key), hex(x.message)).toString('hex')).toBe(x.mac);
  });

  it('is a CBC-MAC with the last block xored with K1 when the message fills its blocks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1, max: 4 }),
        (key, n) => {
          const msg = Buffer.alloc(16 * n, 7);
          const { k1 } = cmacSubkeys(key);
          const last = Buffer.from(msg);
          for (let i = 0; i < 16; i++) last[last.length - 16 + i]! ^= k1[i]!;
          const c = createCipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false);
          const enc = Buffer.concat([c.update(last), c.final()]);
          expect(aesCmac(key, msg).equals(enc.subarray(enc.length - 16))).toBe(true);
        },
      ),
    );
  });
});

interface DivVectors {
  vectors: {
    master_key: string;
    diversification_input_M: string;
    diversified_key: string;
    pitfall_plain_rfc4493_cmac_of_D: string;
  }[];
}

describe('an10922Aes128 (NXP AN10922, the AN10957 worked example)', () => {
  const { vectors } = readVectors<DivVectors>('nxp-an10957-aes128-diversification.json');

  it.each(vectors.map((x) => [x.diversification_input_M, x] as const))('M = %s', (_m, x) => {
    const key = an10922Aes128(hex(x.master_key), hex(x.diversification_input_M));
    expect(key.toString('hex')).toBe(x.diversified_key);
    expect(key.toString('hex')).not.toBe(x.pitfall_plain_rfc4493_cmac_of_D);
  });

  it('equals plain CMAC once 0x01 ‖ M passes one block, and only then', () => {
    const master = hex('00112233445566778899aabbccddeeff');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 31 }), (m) => {
        const d = Buffer.concat([Buffer.of(1), m]);
        // Plain CMAC pads to the next block; AN10922 always to 32 bytes, so they agree past 16 bytes.
        expect(an10922Aes128(master, m).equals(aesCmac(master, d))).toBe(d.length > 16);
      }),
    );
  });

  it('refuses inputs outside 1..31 bytes and keys other than AES-128', () => {
    expect(() => an10922Aes128(Buffer.alloc(16), Buffer.alloc(0))).toThrow(RangeError);
    expect(() => an10922Aes128(Buffer.alloc(16), Buffer.alloc(32))).toThrow(RangeError);
    expect(() => an10922Aes128(Buffer.alloc(32), Buffer.alloc(7))).toThrow(RangeError);
  });
});

describe('ev2SessionKeys (NXP AN12196 table 14: AuthenticateEV2First with key 0x00)', () => {
  const key = Buffer.alloc(16);
  const rndA = hex('13c5db8a5930439fc3def9a4c675360f');
  const rndB = hex('b9e2fc789b64bf237cccaa20ec7e6e48');

  it('builds SV1 and SV2 as the application note lays them out', () => {
    expect(ev2SessionVector(0xa55a, rndA, rndB).toString('hex')).toBe(
      'a55a0001008013c56268a548d8fbbf237cccaa20ec7e6e48c3def9a4c675360f',
    );
    expect(ev2SessionVector(0x5aa5, rndA, rndB).toString('hex')).toBe(
      '5aa50001008013c56268a548d8fbbf237cccaa20ec7e6e48c3def9a4c675360f',
    );
  });

  it('derives SesAuthENCKey and SesAuthMACKey', () => {
    const { encKey, macKey } = ev2SessionKeys(key, rndA, rndB);
    expect(encKey.toString('hex')).toBe('1309c877509e5a215007ff0ed19ca564');
    expect(macKey.toString('hex')).toBe('4c6626f5e72ea694202139295c7a7fc7');
  });
});
