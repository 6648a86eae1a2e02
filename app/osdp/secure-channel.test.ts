import fc from 'fast-check';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVectors } from '../../test/helpers/temp-site.js';
import { decodeFrame, Scs } from './frame.js';
import {
  clientCryptogram,
  computeMac,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  MacChain,
  OsdpSecurityError,
  SCBK_D,
  serverCryptogram,
} from './secure-channel.js';
import { bytes, hex } from './test-support.js';

interface ScVectors {
  secure_channel: Record<
    | 'scbk_d'
    | 'scbk_d_ascii'
    | 'rnd_a_cp'
    | 'rnd_b_pd'
    | 's_enc'
    | 's_mac1'
    | 's_mac2'
    | 'client_cryptogram'
    | 'server_cryptogram'
    | 'r_mac_i',
    string
  >;
}
const v = readVectors<ScVectors>('osdp-secure-channel-annexE.json').secure_channel;
const rndA = hex(v.rnd_a_cp);
const rndB = hex(v.rnd_b_pd);

describe('Secure Channel handshake (Annex E, SCBK-D)', () => {
  const keys = deriveSessionKeys(SCBK_D, rndA);

  it('SCBK-D is the published install key', () => {
    expect(SCBK_D.toString('hex')).toBe(v.scbk_d);
    expect(SCBK_D.toString('latin1')).toBe(v.scbk_d_ascii);
  });
  it('derives S-ENC, S-MAC1 and S-MAC2 from SCBK-D and RND.A', () => {
    expect(keys.sEnc.toString('hex')).toBe(v.s_enc);
    expect(keys.sMac1.toString('hex')).toBe(v.s_mac1);
    expect(keys.sMac2.toString('hex')).toBe(v.s_mac2);
  });
  it('computes the client cryptogram (PD, osdp_CCRYPT)', () => {
    expect(clientCryptogram(keys, rndA, rndB).toString('hex')).toBe(v.client_cryptogram);
  });
  it('computes the server cryptogram (CP, osdp_SCRYPT)', () => {
    expect(serverCryptogram(keys, rndA, rndB).toString('hex')).toBe(v.server_cryptogram);
  });
  it('computes R-MAC-I', () => {
    expect(initialRmac(keys, hex(v.server_cryptogram)).toString('hex')).toBe(v.r_mac_i);
  });
  it('uses only the first 6 bytes of RND.A for the keys', () => {
    const other = Buffer.from(rndA);
    other[7]! ^= 0xff;
    expect(deriveSessionKeys(SCBK_D, other)).toEqual(keys);
  });
  it('refuses keys and randoms of the wrong size', () => {
    expect(() => deriveSessionKeys(Buffer.alloc(15), rndA)).toThrow(OsdpSecurityError);
    expect(() => deriveSessionKeys(SCBK_D, Buffer.alloc(7))).toThrow(OsdpSecurityError);
  });
});

describe('MAC and data encryption', () => {
  const keys = deriveSessionKeys(SCBK_D, rndA);

  it('is CBC-MAC with S-MAC1 then S-MAC2 for the last block', () => {
    const iv = hex(v.r_mac_i);
    const msg = Buffer.alloc(20, 0x11);
    const padded = Buffer.concat([msg, Buffer.of(0x80), Buffer.alloc(11)]);
    const c1 = createCipheriv('aes-128-cbc', keys.sMac1, iv)
      .setAutoPadding(false)
      .update(padded.subarray(0, 16));
    const c2 = createCipheriv('aes-128-cbc', keys.sMac2, c1)
      .setAutoPadding(false)
      .update(padded.subarray(16));
    expect(computeMac(keys, iv, msg)).toEqual(c2);
  });

  it('encrypts with the complement of the last MAC received, and decrypts back', () => {
    fc.assert(
      fc.property(bytes(0, 100), bytes(16, 16), (data, mac) => {
        const enc = encryptData(keys, mac, data);
        expect(enc.length % 16).toBe(0);
        expect(enc.length).toBeGreaterThan(data.length);
        expect(decryptData(keys, mac, enc)).toEqual(data);
      }),
    );
  });

  it('refuses bad padding and partial blocks', () => {
    expect(() => decryptData(keys, Buffer.alloc(16), Buffer.alloc(15))).toThrow(OsdpSecurityError);
    expect(() => decryptData(keys, Buffer.alloc(16), Buffer.alloc(16))).toThrow(/padding/);
  });
});

describe('MacChain', () => {
  const keys = deriveSessionKeys(SCBK_D, rndA);
  const rmacI = hex(v.r_mac_i);
  const cmd = (seq: number, data: Buffer) => ({
    address: 3,
    reply: false,
    sequence: seq,
    useCrc: true,
    code: 0x61,
    data,
  });
  const reply = (seq: number, data: Buffer) => ({
    address: 3,
    reply: true,
    sequence: seq,
    useCrc: true,
    code: 0x45,
    data,
  });

  it('carries commands and replies back and forth, SCS_17/18 with data and SCS_15/16 without', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(bytes(0, 40), bytes(0, 40)), { minLength: 1, maxLength: 6 }),
        (exchanges) => {
          const cp = new MacChain(keys, rmacI, 'cp');
          const pd = new MacChain(keys, rmacI, 'pd');
          exchanges.forEach(([c, r], i) => {
            const seq = (i % 3) + 1;
            const wire = cp.seal(cmd(seq, c));
            const f = decodeFrame(wire);
            expect(f.scb!.type).toBe(c.length ? Scs.SCS_17 : Scs.SCS_15);
            if (c.length) expect(f.data.equals(c)).toBe(false);
            expect(pd.open(wire, f)).toEqual(c);
            const back = pd.seal(reply(seq, r));
            const g = decodeFrame(back);
            expect(g.scb!.type).toBe(r.length ? Scs.SCS_18 : Scs.SCS_16);
            expect(cp.open(back, g)).toEqual(r);
          });
        },
      ),
    );
  });

  it('refuses a flipped bit anywhere the MAC covers, and does not move', () => {
    fc.assert(
      fc.property(bytes(1, 30), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, at, bit) => {
        const cp = new MacChain(keys, rmacI, 'cp');
        const pd = new MacChain(keys, rmacI, 'pd');
        const wire = cp.seal(cmd(1, data));
        const f = decodeFrame(wire);
        // Corrupt the decoded data (as if the CRC had been recomputed by an attacker).
        const bad = Buffer.from(wire);
        const pos = 6 + 2 + (at % f.data.length);
        bad[pos]! ^= 1 << bit;
        const fb = { ...f, data: Buffer.from(bad.subarray(8, 8 + f.data.length)) };
        expect(() => pd.open(bad, fb)).toThrow(OsdpSecurityError);
        // The good frame still opens: the failed attempt left the chain where it was.
        expect(pd.open(wire, f)).toEqual(data);
      }),
    );
  });

  it('refuses a replayed command (the IV has moved on)', () => {
    const cp = new MacChain(keys, rmacI, 'cp');
    const pd = new MacChain(keys, rmacI, 'pd');
    const wire = cp.seal(cmd(1, Buffer.of(1)));
    pd.open(wire, decodeFrame(wire));
    const r = pd.seal(reply(1, Buffer.alloc(0)));
    cp.open(r, decodeFrame(r));
    expect(() => pd.open(wire, decodeFrame(wire))).toThrow(/bad MAC/);
  });

  it('refuses frames secured for the other direction or not at all', () => {
    const cp = new MacChain(keys, rmacI, 'cp');
    const wire = cp.seal(cmd(1, Buffer.of(1)));
    expect(() => cp.open(wire, decodeFrame(wire))).toThrow(/direction/);
    expect(() => cp.seal(reply(1, Buffer.of(1)))).toThrow(/cannot seal/);
    const plain = { ...decodeFrame(wire), reply: true };
    delete plain.scb;
    expect(() => cp.open(wire, plain)).toThrow(/direction/);
  });
});
