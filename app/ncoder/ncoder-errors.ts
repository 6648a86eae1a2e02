/**
 * What can go wrong between the Service and the NCoder, as one error class with a code the Service can
 * map to ENCODER_UNAVAILABLE / CARD_ERROR without parsing messages.
 */

/** Why an NCoder request failed. */
export type NcoderErrorCode =
  /** The encoder went away (unplugged, simulator stopped) before it answered; or none is plugged in. */
  | 'UNPLUGGED'
  /** The encoder has never been paired (or was factory reset): pair it first. */
  | 'NOT_PAIRED'
  /** PAIR refused: the encoder is already paired (only a factory reset re-pairs it). */
  | 'ALREADY_PAIRED'
  /** Authentication failed: the encoder holds another pairing key (it belongs to another site). */
  | 'PAIRED_ELSEWHERE'
  /** The encoder, or the card through it, did not answer in time. */
  | 'TIMEOUT'
  /** No card in the field (or none activated by a poll). */
  | 'NO_CARD'
  /** The card that was activated left the field: whatever it was doing did not complete. */
  | 'CARD_REMOVED'
  /** Malformed, unexpected or unauthenticated answer, or no session: the link re-authenticates. */
  | 'PROTOCOL';

/** An NCoder request failed; `code` says why (the message is for people and logs, never parsed). */
export class NcoderError extends Error {
  constructor(
    readonly code: NcoderErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NcoderError';
  }
}

/** True when `err` is an {@link NcoderError}, optionally with one of `codes`. */
export function isNcoderError(err: unknown, ...codes: NcoderErrorCode[]): err is NcoderError {
  return err instanceof NcoderError && (codes.length === 0 || codes.includes(err.code));
}
