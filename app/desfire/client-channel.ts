import { ADDITIONAL_FRAME, commandApdu, parseResponseApdu, type ParsedResponse } from './apdu.js';
import { DesfireError, Status } from './status.js';

/**
 * The client's frame layer: one APDU at a time, and whole exchanges with additional frames both
 * ways (a long command goes out in frames of `frameSize` bytes, each but the last answered 91 AF
 * with no data; a long answer comes back in frames, each fetched with 90 AF 00 00 00).
 */

/** Sends one command APDU and answers the response APDU. */
export type Transceive = (apdu: Uint8Array) => Promise<Uint8Array>;

/** More frames than any DESFire answer needs (8 KiB in 59-byte frames is 139): a card that never stops is broken. */
export const MAX_RESPONSE_FRAMES = 1024;

/** One frame out, one parsed frame back. */
export async function transmit(
  transceive: Transceive,
  ins: number,
  data: Uint8Array,
): Promise<ParsedResponse> {
  return parseResponseApdu(await transceive(commandApdu(ins, data)));
}

function malformed(why: string): DesfireError {
  return DesfireError.client('MALFORMED_RESPONSE', why);
}

/**
 * A whole command/response exchange: `payload` (already secured) in frames, the answer's frames
 * collected. Resolves with the answer data when the final status is OPERATION_OK; throws
 * DesfireError with the card's status otherwise, or MALFORMED_RESPONSE when the card breaks the
 * chaining rules (answers data or success while frames remain to send, never ends).
 */
export async function exchange(
  transceive: Transceive,
  ins: number,
  payload: Uint8Array,
  frameSize: number,
): Promise<Buffer> {
  let sent = Math.min(payload.length, frameSize);
  let r = await transmit(transceive, ins, payload.subarray(0, sent));
  while (sent < payload.length) {
    if (r.status !== Status.ADDITIONAL_FRAME) {
      if (r.status === Status.OPERATION_OK)
        throw malformed('the card answered before the command was complete');
      throw DesfireError.fromStatus(r.status);
    }
    if (r.data.length > 0) throw malformed('the card sent data while the command was still being sent');
    const next = Math.min(payload.length, sent + frameSize);
    r = await transmit(transceive, ADDITIONAL_FRAME, payload.subarray(sent, next));
    sent = next;
  }
  const parts = [r.data];
  for (let frames = 1; r.status === Status.ADDITIONAL_FRAME; frames++) {
    if (frames >= MAX_RESPONSE_FRAMES) throw malformed('the card kept sending additional frames');
    r = await transmit(transceive, ADDITIONAL_FRAME, new Uint8Array(0));
    parts.push(r.data);
  }
  if (r.status !== Status.OPERATION_OK) throw DesfireError.fromStatus(r.status);
  return Buffer.concat(parts);
}
