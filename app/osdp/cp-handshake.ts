import { timingSafeEqual } from 'node:crypto';
import type { PdReply } from './replies.js';
import {
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  MacChain,
  SCBK_D,
  serverCryptogram,
  type SessionKeys,
} from './secure-channel.js';

/**
 * The CP's half of the Secure Channel handshake, apart from the session's queue and sequence:
 * CHLNG → CCRYPT (check the PD's cryptogram) → SCRYPT → RMAC_I (check R-MAC-I).
 */
export class CpHandshake {
  readonly keys: SessionKeys;
  /** SCB key type byte: 0 = SCBK-D (install mode), 1 = the reader's SCBK. */
  readonly keyType: number;
  private serverCrypt: Buffer | undefined;

  constructor(
    scbk: Buffer | 'default',
    readonly rndA: Buffer,
  ) {
    this.keyType = scbk === 'default' ? 0 : 1;
    this.keys = deriveSessionKeys(scbk === 'default' ? SCBK_D : scbk, rndA);
  }

  /** Checks osdp_CCRYPT; returns the server cryptogram for osdp_SCRYPT, or undefined on a mismatch. */
  answer(reply: PdReply): Buffer | undefined {
    if (reply.type !== 'ccrypt') return undefined;
    const expected = clientCryptogram(this.keys, this.rndA, reply.rndB);
    if (!timingSafeEqual(reply.clientCryptogram, expected)) return undefined;
    this.serverCrypt = serverCryptogram(this.keys, this.rndA, reply.rndB);
    return this.serverCrypt;
  }

  /** Checks osdp_RMAC_I; returns the established MAC chain, or undefined on a mismatch. */
  finish(reply: PdReply): MacChain | undefined {
    if (!this.serverCrypt || reply.type !== 'rmac-i') return undefined;
    const rmacI = initialRmac(this.keys, this.serverCrypt);
    return timingSafeEqual(rmacI, reply.rmacI) ? new MacChain(this.keys, rmacI, 'cp') : undefined;
  }
}
