/**
 * Why card bytes could not be decoded, or a value could not be encoded. One class for every file of the
 * Lintel card format, so a caller that reads a card has exactly one failure to expect besides the card
 * transport's own.
 */
export type CardFormatErrorCode =
  /** Fewer bytes than the format needs. */
  | 'TRUNCATED'
  /** A version byte this build does not know (written by a newer Lintel, or not Lintel data at all). */
  | 'UNKNOWN_VERSION'
  /** The CRC does not match: the bytes were damaged, or were never a Lintel record. */
  | 'CHECKSUM'
  /** The bytes are well formed but say something impossible (a reserved bit set, a count over the limit…). */
  | 'INVALID'
  /** The file was never written (all zero bytes, as DESFire creates it). */
  | 'EMPTY'
  /** (encoder) The value does not fit the card: more rights or entries than a card holds. */
  | 'OVER_LIMIT'
  /** (encoder) The value is not something the format can carry (a negative id, a fraction of a second…). */
  | 'INVALID_VALUE';

/** A card file that does not decode, or a value that cannot be written; the message says which and why. */
export class CardFormatError extends Error {
  constructor(
    readonly code: CardFormatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CardFormatError';
  }
}
