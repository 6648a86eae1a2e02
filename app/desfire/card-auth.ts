import { timingSafeEqual } from 'node:crypto';
import { ev2SessionKeys } from '../crypto/index.js';
import { fail, selectedApp, type CardContext, type CommandResult } from './card-context.js';
import { concat, rotateLeft } from './bytes.js';
import { decryptZeroIv, encryptZeroIv, type SecureSession } from './secure-messaging.js';
import { Status } from './status.js';

/**
 * The card's side of AuthenticateEV2First (0x71) and AuthenticateEV2NonFirst (0x77), AES only
 * (AN12196 section 5.6, AN12343 section 6.5). Part 1 answers E(K, RndB) with status AF; part 2
 * (command AF) receives E(K, RndA ‖ RndB'), checks RndB', and answers
 * - First: E(K, TI ‖ RndA' ‖ PDcap2 ‖ PCDcap2), a fresh TI and CmdCtr = 0;
 * - NonFirst: E(K, RndA'), keeping the TI and the CmdCtr of the session it renews.
 * Session keys come from app/crypto's ev2SessionKeys (AN12196 table 14). Starting either ends the
 * current session; a failed part 2 leaves the card unauthenticated.
 */

/** The card's capabilities, PDcap2: six zero bytes, as AN12196 and AN12343 show them. */
const PD_CAP2 = Buffer.alloc(6);

/** An authentication between its two parts. */
export interface PendingAuth {
  first: boolean;
  keyNo: number;
  key: Buffer;
  rndB: Buffer;
  /** The PCD's capabilities from part 1, padded to 6 bytes (First only). */
  pcdCap2: Buffer;
  /** The session a NonFirst renews. */
  previous: SecureSession | null;
}

/** Part 1: checks the key number and answers the encrypted challenge, or the refusing status. */
export function startAuthentication(
  ctx: CardContext,
  first: boolean,
  data: Buffer,
): { result: CommandResult; pending?: PendingAuth } {
  const lengthOk = first
    ? data.length >= 2 && data[1]! <= 6 && data.length === 2 + data[1]!
    : data.length === 1;
  if (!lengthOk) return { result: fail(Status.LENGTH_ERROR) };
  if (!first && !ctx.session) return { result: fail(Status.PERMISSION_DENIED) };
  const keyNo = data[0]!;
  const slot = (selectedApp(ctx)?.keys ?? [ctx.state.piccKey])[keyNo];
  if (!slot) return { result: fail(Status.NO_SUCH_KEY) };
  const rndB = Buffer.from(ctx.random(16));
  const pcdCap2 = Buffer.alloc(6);
  if (first) data.copy(pcdCap2, 0, 2);
  const pending = { first, keyNo, key: Buffer.from(slot.key), rndB, pcdCap2, previous: ctx.session };
  return { result: { status: Status.ADDITIONAL_FRAME, data: encryptZeroIv(slot.key, rndB) }, pending };
}

/** Part 2: checks the PCD's proof; answers the card's proof and the new session, or AUTHENTICATION_ERROR. */
export function finishAuthentication(
  ctx: CardContext,
  pending: PendingAuth,
  data: Buffer,
): { result: CommandResult; session?: SecureSession } {
  if (data.length !== 32) return { result: fail(Status.LENGTH_ERROR) };
  const plain = decryptZeroIv(pending.key, data);
  const rndA = plain.subarray(0, 16);
  if (!timingSafeEqual(plain.subarray(16, 32), rotateLeft(pending.rndB))) {
    return { result: fail(Status.AUTHENTICATION_ERROR) };
  }
  const { encKey, macKey } = ev2SessionKeys(pending.key, rndA, pending.rndB);
  if (!pending.first && pending.previous) {
    const { ti, cmdCtr } = pending.previous;
    const session = { keyNo: pending.keyNo, encKey, macKey, ti, cmdCtr };
    return {
      result: { status: Status.OPERATION_OK, data: encryptZeroIv(pending.key, rotateLeft(rndA)) },
      session,
    };
  }
  const ti = Buffer.from(ctx.random(4));
  const proof = encryptZeroIv(pending.key, concat(ti, rotateLeft(rndA), PD_CAP2, pending.pcdCap2));
  return {
    result: { status: Status.OPERATION_OK, data: proof },
    session: { keyNo: pending.keyNo, encKey, macKey, ti, cmdCtr: 0 },
  };
}
