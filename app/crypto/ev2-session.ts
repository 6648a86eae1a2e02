import { aesCmac } from './cmac.js';

/** The two session keys an AuthenticateEV2First agrees (NXP AN12343 / AN12196, "session key generation"). */
export interface Ev2SessionKeys {
  /** SesAuthENCKey: encrypts command and response data in full mode. */
  encKey: Buffer;
  /** SesAuthMACKey: computes the MACs of MAC and full modes. */
  macKey: Buffer;
}

/**
 * The session vector SV1 (label A5 5A) or SV2 (5A A5): label ‖ 00 01 00 80 ‖ RndA[15..14] ‖
 * (RndA[13..8] ⊕ RndB[15..10]) ‖ RndB[9..0] ‖ RndA[7..0], where byte 15 is the first one sent.
 */
export function ev2SessionVector(label: 0xa55a | 0x5aa5, rndA: Uint8Array, rndB: Uint8Array): Buffer {
  if (rndA.length !== 16 || rndB.length !== 16)
    throw new RangeError('ev2SessionVector: RndA and RndB are 16 bytes');
  const sv = Buffer.alloc(32);
  sv.writeUInt16BE(label, 0);
  sv.set([0x00, 0x01, 0x00, 0x80], 2);
  sv.set(rndA.subarray(0, 2), 6);
  for (let i = 0; i < 6; i++) sv[8 + i] = rndA[2 + i]! ^ rndB[i]!;
  sv.set(rndB.subarray(6, 16), 14);
  sv.set(rndA.subarray(8, 16), 24);
  return sv;
}

/** SesAuthENCKey = CMAC(Kx, SV1) and SesAuthMACKey = CMAC(Kx, SV2): used by the client and the card emulator alike. */
export function ev2SessionKeys(key: Uint8Array, rndA: Uint8Array, rndB: Uint8Array): Ev2SessionKeys {
  if (key.length !== 16) throw new RangeError('ev2SessionKeys: the key must be 16 bytes (AES-128)');
  const sv1 = ev2SessionVector(0xa55a, rndA, rndB);
  const sv2 = ev2SessionVector(0x5aa5, rndA, rndB);
  const keys = { encKey: aesCmac(key, sv1), macKey: aesCmac(key, sv2) };
  sv1.fill(0);
  sv2.fill(0);
  return keys;
}
