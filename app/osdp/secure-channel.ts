import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { aesCbcEncrypt } from '../crypto/index.js';
import { encodeFrame, type Frame, MAC_LENGTH, macInput, Scs } from './frame.js';

/**
 * OSDP v2.2 Secure Channel (Annex D): session keys from the SCBK and the CP's random, the two
 * cryptograms of the handshake, R-MAC-I, the MAC chain over every secured frame and the encryption
 * of SCS_17/SCS_18 data. Pure functions plus one small state object shared by CP and PD.
 */

const BLOCK = 16;
/** SCBK-D, the well-known install key "0123456789:;<=>?"; a PD accepts it only in install mode. */
export const SCBK_D = Buffer.from('303132333435363738393a3b3c3d3e3f', 'hex');

export class OsdpSecurityError extends Error {
  override name = 'OsdpSecurityError';
}

export interface SessionKeys {
  sEnc: Buffer;
  sMac1: Buffer;
  sMac2: Buffer;
}

function aesEcb(key: Uint8Array, block: Uint8Array): Buffer {
  return aesCbcEncrypt(key, Buffer.alloc(BLOCK), block);
}

function check(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new OsdpSecurityError(`${what} must be ${n} bytes, not ${b.length}`);
}

/** S-ENC, S-MAC1, S-MAC2 = AES-ECB(SCBK, 01 xx ‖ RND.A[0..5] ‖ 00×8), xx = 82, 01, 02. */
export function deriveSessionKeys(scbk: Uint8Array, rndA: Uint8Array): SessionKeys {
  check(scbk, 16, 'SCBK');
  check(rndA, 8, 'RND.A');
  const derive = (x: number) => {
    const block = Buffer.alloc(BLOCK);
    block[0] = 0x01;
    block[1] = x;
    Buffer.from(rndA.subarray(0, 6)).copy(block, 2);
    return aesEcb(scbk, block);
  };
  return { sEnc: derive(0x82), sMac1: derive(0x01), sMac2: derive(0x02) };
}

/** The PD's proof (in osdp_CCRYPT): AES(S-ENC, RND.A ‖ RND.B). */
export function clientCryptogram(keys: SessionKeys, rndA: Uint8Array, rndB: Uint8Array): Buffer {
  return aesEcb(keys.sEnc, Buffer.concat([rndA, rndB]));
}

/** The CP's proof (in osdp_SCRYPT): AES(S-ENC, RND.B ‖ RND.A). */
export function serverCryptogram(keys: SessionKeys, rndA: Uint8Array, rndB: Uint8Array): Buffer {
  return aesEcb(keys.sEnc, Buffer.concat([rndB, rndA]));
}

/** R-MAC-I = AES(S-MAC2, AES(S-MAC1, server cryptogram)): the IV of the first secured command. */
export function initialRmac(keys: SessionKeys, serverCrypt: Uint8Array): Buffer {
  return aesEcb(keys.sMac2, aesEcb(keys.sMac1, serverCrypt));
}

/** Pads with 0x80 then zeros to a whole block; always adds at least the 0x80. */
export function pad80(data: Uint8Array): Buffer {
  const out = Buffer.alloc((Math.floor(data.length / BLOCK) + 1) * BLOCK);
  Buffer.from(data).copy(out);
  out[data.length] = 0x80;
  return out;
}

/**
 * The 16-byte MAC: CBC-MAC with S-MAC1 over all blocks but the last, S-MAC2 for the last. Input that
 * is not a whole number of blocks is padded 0x80 00…; input that is, is not (as libosdp does).
 */
export function computeMac(keys: SessionKeys, iv: Uint8Array, input: Uint8Array): Buffer {
  const data = input.length % BLOCK === 0 && input.length > 0 ? Buffer.from(input) : pad80(input);
  let chain: Buffer = Buffer.from(iv);
  if (data.length > BLOCK) {
    const head = aesCbcEncrypt(keys.sMac1, chain, data.subarray(0, data.length - BLOCK));
    chain = head.subarray(head.length - BLOCK);
  }
  return aesCbcEncrypt(keys.sMac2, chain, data.subarray(data.length - BLOCK));
}

const complement = (b: Uint8Array) => Buffer.from(b.map((x) => ~x & 0xff));

/** SCS_17/18 data: AES-CBC(S-ENC, IV = ~last MAC received, data ‖ 80 00…). */
export function encryptData(keys: SessionKeys, lastMacReceived: Uint8Array, data: Uint8Array): Buffer {
  return aesCbcEncrypt(keys.sEnc, complement(lastMacReceived), pad80(data));
}

export function decryptData(keys: SessionKeys, lastMacSent: Uint8Array, data: Uint8Array): Buffer {
  if (data.length === 0 || data.length % BLOCK)
    throw new OsdpSecurityError('encrypted data is not whole blocks');
  const d = createDecipheriv('aes-128-cbc', keys.sEnc, complement(lastMacSent)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(data), d.final()]);
  let end = plain.length - 1;
  while (end >= plain.length - BLOCK && plain[end] === 0) end--;
  if (end < plain.length - BLOCK || plain[end] !== 0x80) throw new OsdpSecurityError('bad padding');
  return plain.subarray(0, end);
}

/** What a secured frame needs before sealing: everything but the SCB, the MAC and the direction. */
export type PlainFrame = Omit<Frame, 'scb' | 'mac'>;

/**
 * The MAC chain of one established session, identical on both ends: a command is MACed with the
 * last reply MAC as IV (R-MAC-I at first) and a reply with the last command MAC. Either side
 * seals what it sends and opens what it receives; the chain only moves on success, so a forged or
 * corrupted frame cannot shift it (the session layer then ends the channel).
 */
export class MacChain {
  private lastCommandMac: Buffer;
  private lastReplyMac: Buffer;

  /** `role` fixes which direction this end seals, so its own frames reflected back never open. */
  constructor(
    readonly keys: SessionKeys,
    rmacI: Uint8Array,
    readonly role: 'cp' | 'pd',
  ) {
    this.lastReplyMac = Buffer.from(rmacI);
    this.lastCommandMac = Buffer.alloc(BLOCK);
  }

  /** Encodes a frame as SCS_17/18 (SCS_15/16 when it has no data, which needs no encryption). */
  seal(f: PlainFrame): Buffer {
    if (f.reply !== (this.role === 'pd'))
      throw new OsdpSecurityError(`a ${this.role} cannot seal this direction`);
    const ivMac = f.reply ? this.lastCommandMac : this.lastReplyMac;
    const encrypted = f.data.length > 0;
    const type = (f.reply ? Scs.SCS_16 : Scs.SCS_15) + (encrypted ? 2 : 0);
    const data = encrypted ? encryptData(this.keys, ivMac, f.data) : f.data;
    const frame: Frame = { ...f, data, scb: { type, data: Buffer.alloc(0) }, mac: Buffer.alloc(MAC_LENGTH) };
    const mac = computeMac(this.keys, ivMac, macInput(encodeFrame(frame)));
    if (f.reply) this.lastReplyMac = mac;
    else this.lastCommandMac = mac;
    return encodeFrame({ ...frame, mac: mac.subarray(0, MAC_LENGTH) });
  }

  /** Checks the MAC of a received secured frame and returns its plaintext data; throws on any fault. */
  open(raw: Buffer, f: Frame): Buffer {
    const expected = f.reply ? [Scs.SCS_16, Scs.SCS_18] : [Scs.SCS_15, Scs.SCS_17];
    if (f.reply !== (this.role === 'cp') || !f.scb || !expected.includes(f.scb.type as never) || !f.mac)
      throw new OsdpSecurityError('frame is not secured for this direction');
    const ivMac = f.reply ? this.lastCommandMac : this.lastReplyMac;
    const mac = computeMac(this.keys, ivMac, macInput(raw));
    if (!timingSafeEqual(mac.subarray(0, MAC_LENGTH), f.mac)) throw new OsdpSecurityError('bad MAC');
    const encrypted = f.scb.type === Scs.SCS_17 || f.scb.type === Scs.SCS_18;
    if (encrypted && f.data.length === 0) throw new OsdpSecurityError('SCS_17/18 without data');
    const data = encrypted ? decryptData(this.keys, ivMac, f.data) : f.data;
    if (f.reply) this.lastReplyMac = mac;
    else this.lastCommandMac = mac;
    return data;
  }
}
