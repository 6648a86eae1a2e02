import { concat } from './bytes.js';
import { DesfireError, IsoStatus, isoStatusName } from './status.js';

/**
 * ISO/IEC 7816-4 wrapping of DESFire native commands, as DESFire EV1/EV2 accept them: CLA 0x90,
 * INS = the native command code, P1 = P2 = 0, then Lc and the command data when there is any, then
 * Le = 0x00. The response is the data followed by SW1 = 0x91 and SW2 = the DESFire status.
 * Additional frames in either direction carry status 0xAF, and the PCD asks for or sends them with
 * INS = 0xAF. Short APDUs only: DESFire never needs extended lengths.
 */

/** The CLA byte of wrapped native commands. */
export const DESFIRE_CLA = 0x90;

/** SW1 of every wrapped native response. */
export const DESFIRE_SW1 = 0x91;

/** The command (and the status) that continues a chained exchange. */
export const ADDITIONAL_FRAME = 0xaf;

/** The largest command data field a short APDU carries. */
export const MAX_SHORT_LC = 255;

/** A command APDU: 90 INS 00 00 [Lc data] 00. */
export function commandApdu(ins: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  if (!Number.isInteger(ins) || ins < 0 || ins > 0xff) throw new RangeError(`commandApdu: bad INS ${ins}`);
  if (data.length > MAX_SHORT_LC)
    throw new RangeError(`commandApdu: ${data.length} bytes do not fit a short APDU`);
  if (data.length === 0) return Buffer.from([DESFIRE_CLA, ins, 0, 0, 0]);
  return concat(Buffer.from([DESFIRE_CLA, ins, 0, 0, data.length]), data, Buffer.of(0));
}

/** A parsed command APDU, or the ISO status word to refuse it with. */
export type ParsedCommand = { ok: true; ins: number; data: Buffer } | { ok: false; sw: number };

/**
 * Parses a command APDU as the card's ISO layer would. Only case 2 (90 INS 00 00 00) and case 4
 * (90 INS 00 00 Lc data 00) are DESFire commands: a missing or non-zero Le, a Lc that disagrees with
 * the length, or extended lengths get 6700; another CLA gets 6E00; P1/P2 other than zero get 6A86.
 */
export function parseCommandApdu(apdu: Uint8Array): ParsedCommand {
  if (apdu.length < 5) return { ok: false, sw: IsoStatus.WRONG_LENGTH };
  if (apdu[0] !== DESFIRE_CLA) return { ok: false, sw: IsoStatus.CLA_NOT_SUPPORTED };
  if (apdu[2] !== 0 || apdu[3] !== 0) return { ok: false, sw: IsoStatus.INCORRECT_P1P2 };
  const ins = apdu[1]!;
  if (apdu.length === 5) {
    return apdu[4] === 0
      ? { ok: true, ins, data: Buffer.alloc(0) }
      : { ok: false, sw: IsoStatus.WRONG_LENGTH };
  }
  const lc = apdu[4]!;
  if (lc === 0 || apdu.length !== 5 + lc + 1 || apdu[5 + lc] !== 0)
    return { ok: false, sw: IsoStatus.WRONG_LENGTH };
  return { ok: true, ins, data: Buffer.from(apdu.subarray(5, 5 + lc)) };
}

/** A response APDU: data ‖ 91 status. */
export function responseApdu(status: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  return concat(data, Buffer.from([DESFIRE_SW1, status]));
}

/** A bare ISO status word as a response APDU. */
export function isoStatusApdu(sw: number): Buffer {
  return Buffer.from([(sw >> 8) & 0xff, sw & 0xff]);
}

/** A parsed response: the DESFire status and the data before it. */
export interface ParsedResponse {
  status: number;
  data: Buffer;
}

/**
 * Splits a response APDU into data and DESFire status. Throws DesfireError: MALFORMED_RESPONSE when
 * it is shorter than a status word, or the ISO status when SW1 is not 0x91 (the card's ISO layer
 * refused the APDU).
 */
export function parseResponseApdu(response: Uint8Array): ParsedResponse {
  if (response.length < 2) {
    throw DesfireError.client(
      'MALFORMED_RESPONSE',
      `a response of ${response.length} bytes has no status word`,
    );
  }
  const sw1 = response[response.length - 2]!;
  const sw2 = response[response.length - 1]!;
  if (sw1 !== DESFIRE_SW1) {
    const sw = (sw1 << 8) | sw2;
    throw new DesfireError(sw, isoStatusName(sw), `ISO status ${sw.toString(16).padStart(4, '0')}`);
  }
  return { status: sw2, data: Buffer.from(response.subarray(0, response.length - 2)) };
}
