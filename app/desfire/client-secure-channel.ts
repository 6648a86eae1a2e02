import { concat } from './bytes.js';
import type { CommMode } from './file-settings.js';
import {
  MAC_LENGTH,
  commandMac,
  decryptResponseData,
  encryptCommandData,
  macEquals,
  responseMac,
  type SecureSession,
} from './secure-messaging.js';
import { DesfireError, Status } from './status.js';

/**
 * The PCD's side of EV2 secure messaging: sealing a command in its mode and opening the answer. The
 * answer's MAC is checked (in constant time) before any of its data is looked at or decrypted, and
 * nothing of an answer that fails is returned.
 */

/** The bytes to send for header ‖ data in `mode`: as is, with a MAC, or with data encrypted and a MAC. */
export function sealCommand(
  session: SecureSession | null,
  ins: number,
  mode: CommMode,
  header: Uint8Array,
  data: Uint8Array,
): Buffer {
  if (mode === 'plain' || !session) return concat(header, data);
  const body = mode === 'full' && data.length > 0 ? encryptCommandData(session, data) : data;
  const payload = concat(header, body);
  return concat(payload, commandMac(session, ins, payload));
}

/**
 * Opens an answer received in `mode` (status OPERATION_OK): checks the MAC over RC ‖ CmdCtr+1 ‖ TI ‖
 * data and decrypts in full mode. Throws RESPONSE_MAC when the MAC does not verify and
 * MALFORMED_RESPONSE when the answer is too short or its encryption does not open. Does not move the
 * counter: the caller does once the whole exchange is accepted.
 */
export function openResponse(session: SecureSession | null, mode: CommMode, raw: Buffer): Buffer {
  if (mode === 'plain' || !session) return raw;
  if (raw.length < MAC_LENGTH) {
    throw DesfireError.client('MALFORMED_RESPONSE', `a ${mode} answer of ${raw.length} bytes has no MAC`);
  }
  const body = raw.subarray(0, raw.length - MAC_LENGTH);
  if (!macEquals(responseMac(session, Status.OPERATION_OK, body), raw.subarray(raw.length - MAC_LENGTH))) {
    throw DesfireError.client('RESPONSE_MAC', 'the answer MAC does not verify');
  }
  if (mode === 'mac' || body.length === 0) return Buffer.from(body);
  const plain = decryptResponseData(session, body);
  if (!plain) throw DesfireError.client('MALFORMED_RESPONSE', 'the encrypted answer does not open');
  return plain;
}
