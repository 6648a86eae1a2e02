import { timingSafeEqual } from 'node:crypto';
import { ev2SessionKeys } from '../crypto/index.js';
import { ADDITIONAL_FRAME } from './apdu.js';
import { concat, rotateLeft } from './bytes.js';
import { transmit, type Transceive } from './client-channel.js';
import { Cmd } from './command-codes.js';
import { decryptZeroIv, encryptZeroIv, type SecureSession } from './secure-messaging.js';
import { DesfireError, Status } from './status.js';

/**
 * The PCD's side of AuthenticateEV2First and AuthenticateEV2NonFirst (AES; AN12196 section 5.6,
 * table 14). The card proves it holds the key by returning RndA rotated; a card that does not is
 * refused with CARD_NOT_AUTHENTIC before any session key is kept. No PCD capabilities are sent.
 */

function malformed(why: string): DesfireError {
  return DesfireError.client('MALFORMED_RESPONSE', why);
}

/** Part 1 of either command: the card's encrypted RndB (16 bytes, status AF). */
async function challenge(transceive: Transceive, ins: number, data: Uint8Array): Promise<Buffer> {
  const r = await transmit(transceive, ins, data);
  if (r.status !== Status.ADDITIONAL_FRAME) {
    throw r.status === Status.OPERATION_OK
      ? malformed('authentication part 1 ended early')
      : DesfireError.fromStatus(r.status);
  }
  if (r.data.length !== 16) throw malformed(`authentication part 1 carried ${r.data.length} bytes`);
  return r.data;
}

/** Part 2: sends E(K, RndA ‖ RndB'), answers the card's decrypted proof of `length` bytes. */
async function respond(
  transceive: Transceive,
  key: Uint8Array,
  rndA: Buffer,
  rndB: Buffer,
  length: number,
): Promise<Buffer> {
  const r = await transmit(transceive, ADDITIONAL_FRAME, encryptZeroIv(key, concat(rndA, rotateLeft(rndB))));
  if (r.status !== Status.OPERATION_OK) {
    throw r.status === Status.ADDITIONAL_FRAME
      ? malformed('authentication part 2 asked for more')
      : DesfireError.fromStatus(r.status);
  }
  if (r.data.length !== length) throw malformed(`authentication part 2 carried ${r.data.length} bytes`);
  return decryptZeroIv(key, r.data);
}

function checkRndA(echo: Uint8Array, rndA: Buffer): void {
  if (!timingSafeEqual(echo, rotateLeft(rndA))) {
    throw DesfireError.client('CARD_NOT_AUTHENTIC', 'the card did not return RndA: it does not hold the key');
  }
}

/** AuthenticateEV2First: a new session with a fresh TI and CmdCtr 0. */
export async function authenticateFirst(
  transceive: Transceive,
  random: (n: number) => Uint8Array,
  keyNo: number,
  key: Uint8Array,
): Promise<SecureSession> {
  const rndB = decryptZeroIv(
    key,
    await challenge(transceive, Cmd.AUTHENTICATE_EV2_FIRST, Buffer.of(keyNo, 0)),
  );
  const rndA = Buffer.from(random(16));
  const proof = await respond(transceive, key, rndA, rndB, 32);
  checkRndA(proof.subarray(4, 20), rndA);
  // PCDcap2 echoes what we sent: nothing, padded with zeros. PDcap2 (bytes 20..25) is the card's to choose.
  if (!proof.subarray(26, 32).equals(Buffer.alloc(6))) {
    throw DesfireError.client('CARD_NOT_AUTHENTIC', 'the card did not echo our capabilities');
  }
  const { encKey, macKey } = ev2SessionKeys(key, rndA, rndB);
  return { keyNo, encKey, macKey, ti: Buffer.from(proof.subarray(0, 4)), cmdCtr: 0 };
}

/** AuthenticateEV2NonFirst: new session keys for `keyNo`, keeping the TI and CmdCtr of `current`. */
export async function authenticateNonFirst(
  transceive: Transceive,
  random: (n: number) => Uint8Array,
  current: SecureSession,
  keyNo: number,
  key: Uint8Array,
): Promise<SecureSession> {
  const rndB = decryptZeroIv(
    key,
    await challenge(transceive, Cmd.AUTHENTICATE_EV2_NON_FIRST, Buffer.of(keyNo)),
  );
  const rndA = Buffer.from(random(16));
  checkRndA(await respond(transceive, key, rndA, rndB, 16), rndA);
  const { encKey, macKey } = ev2SessionKeys(key, rndA, rndB);
  return { keyNo, encKey, macKey, ti: current.ti, cmdCtr: current.cmdCtr };
}
