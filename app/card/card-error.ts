/**
 * Why a card operation failed, in terms the person at the encoder or the update point can act on.
 * `commitSent` is the one fact a caller must never guess: once CommitTransaction left for the card,
 * the new content may be on it even if the answer never came back (read the card to find out).
 */
export type CardErrorCode =
  /** Not a DESFire EV2 (or newer) card: Lintel needs AuthenticateEV2First. */
  | 'NOT_DESFIRE'
  /** A stranger's card: no Lintel application, or one that is not Lintel's. */
  | 'NOT_LINTEL'
  /** The card has other applications; formatting would share it (pass shareWithOtherApplications). */
  | 'NOT_BLANK'
  /** A Lintel card of another site, or one that names this site but does not hold its keys. */
  | 'OTHER_SITE'
  /** This site's card, but the keys offered are for another key version or another card's UID. */
  | 'WRONG_KEYS'
  /** The card hides its UID (random ID), so its keys cannot be derived. */
  | 'RANDOM_UID'
  /** A Lintel card whose formatting was interrupted, or never finished: format it (again). */
  | 'NOT_FORMATTED'
  /** The card's data was written by a newer Lintel. */
  | 'UNSUPPORTED_FORMAT'
  /** A file on the card does not decode: damaged, or not what Lintel wrote. */
  | 'CORRUPT'
  /** The content given to write cannot go on a card (over a limit, or out of range). */
  | 'INVALID_CONTENT'
  /** What was read back is not what should be on the card. */
  | 'VERIFY_MISMATCH'
  /** Not enough free memory on the card for the Lintel application. */
  | 'FULL'
  /** The card left the field, or the reader failed: the transport's error is the cause. */
  | 'CARD_REMOVED'
  /** The exchange was disturbed (a MAC or a response did not check): hold the card still and retry. */
  | 'COMMUNICATION'
  /** The operation was cancelled before the commit. */
  | 'ABORTED'
  /** The card refused a command Lintel did not expect it to refuse (the cause has the DESFire status). */
  | 'CARD_ERROR';

/** A card operation that failed; the message says what happened and what to do. */
export class CardError extends Error {
  override readonly name = 'CardError';
  /** Whether CommitTransaction had been sent when the operation failed (the card may hold the new data). */
  readonly commitSent: boolean;

  constructor(
    readonly code: CardErrorCode,
    message: string,
    options: { cause?: unknown; commitSent?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.commitSent = options.commitSent ?? false;
  }
}
