/**
 * DESFire status codes (the byte after SW1 = 0x91), the ISO status words the emulator answers for
 * APDUs that never reach the DESFire layer, and the one error type both sides throw.
 */

/** The DESFire status codes we answer or recognise, by name (MIFARE DESFire EV1/EV2 datasheets). */
export const Status = {
  OPERATION_OK: 0x00,
  NO_CHANGES: 0x0c,
  OUT_OF_EEPROM: 0x0e,
  ILLEGAL_COMMAND: 0x1c,
  INTEGRITY_ERROR: 0x1e,
  NO_SUCH_KEY: 0x40,
  LENGTH_ERROR: 0x7e,
  PERMISSION_DENIED: 0x9d,
  PARAMETER_ERROR: 0x9e,
  APPLICATION_NOT_FOUND: 0xa0,
  APPLICATION_INTEGRITY_ERROR: 0xa1,
  AUTHENTICATION_ERROR: 0xae,
  ADDITIONAL_FRAME: 0xaf,
  BOUNDARY_ERROR: 0xbe,
  PICC_INTEGRITY_ERROR: 0xc1,
  COMMAND_ABORTED: 0xca,
  PICC_DISABLED: 0xcd,
  COUNT_ERROR: 0xce,
  DUPLICATE_ERROR: 0xde,
  EEPROM_ERROR: 0xee,
  FILE_NOT_FOUND: 0xf0,
  FILE_INTEGRITY_ERROR: 0xf1,
} as const;

/** The name of a DESFire status code. */
export type StatusName = keyof typeof Status;

/** ISO 7816-4 status words for APDUs refused before the DESFire layer sees them. */
export const IsoStatus = {
  WRONG_LENGTH: 0x6700,
  INCORRECT_P1P2: 0x6a86,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

/** The name of an ISO status word. */
export type IsoStatusName = keyof typeof IsoStatus;

/**
 * What the client itself finds wrong with an answer (the card never sends these): a MAC that does not
 * verify, a response that does not parse, a card that could not prove it holds the key, or a command
 * that needs a session the client does not have.
 */
export type ClientErrorCode =
  'RESPONSE_MAC' | 'MALFORMED_RESPONSE' | 'CARD_NOT_AUTHENTIC' | 'NOT_AUTHENTICATED';

/** Every code a DesfireError can carry. */
export type DesfireErrorCode = StatusName | IsoStatusName | 'ISO_ERROR' | 'UNKNOWN_STATUS' | ClientErrorCode;

const statusNames = new Map<number, StatusName>(
  Object.entries(Status).map(([name, value]) => [value, name as StatusName]),
);
const isoNames = new Map<number, IsoStatusName>(
  Object.entries(IsoStatus).map(([name, value]) => [value, name as IsoStatusName]),
);

/** The name of a DESFire status byte, or UNKNOWN_STATUS. */
export function statusName(status: number): StatusName | 'UNKNOWN_STATUS' {
  return statusNames.get(status) ?? 'UNKNOWN_STATUS';
}

/** The name of an ISO status word, or ISO_ERROR for the ones we do not list. */
export function isoStatusName(sw: number): IsoStatusName | 'ISO_ERROR' {
  return isoNames.get(sw) ?? 'ISO_ERROR';
}

/** Status value carried by errors the client raises itself: no card sent it. */
export const CLIENT_SIDE = -1;

/**
 * A failed DESFire exchange. `status` is the card's status byte (0x00..0xFF), an ISO status word
 * (0x6000..0x6FFF and the like) or CLIENT_SIDE; `code` names it. Messages never carry key material.
 */
export class DesfireError extends Error {
  override readonly name = 'DesfireError';

  constructor(
    readonly status: number,
    readonly code: DesfireErrorCode,
    message?: string,
  ) {
    super(
      message ??
        `DESFire ${code}${status === CLIENT_SIDE ? '' : ` (0x${status.toString(16).padStart(2, '0')})`}`,
    );
  }

  /** The error for a status byte the card answered. */
  static fromStatus(status: number): DesfireError {
    return new DesfireError(status, statusName(status));
  }

  /** An error the client found itself. */
  static client(code: ClientErrorCode, message: string): DesfireError {
    return new DesfireError(CLIENT_SIDE, code, `DESFire ${code}: ${message}`);
  }
}
