import { CardError, type CardErrorCode } from '../card/card-error.js';
import { NcoderError, type NcoderErrorCode } from '../ncoder/ncoder-errors.js';
import { RpcError } from '../rpc/rpc-error.js';

/** The contract's reasons (data.reason) for ENCODER_UNAVAILABLE. */
type EncoderReason = 'absent' | 'unpaired' | 'paired-elsewhere' | 'unplugged' | 'timeout' | 'busy';

/** The contract's reasons (data.reason) for CARD_ERROR. */
type CardReason =
  | 'no-card'
  | 'removed'
  | 'not-lintel'
  | 'other-site'
  | 'wrong-keys'
  | 'corrupt'
  | 'full'
  | 'unknown-key'
  | 'unverified';

/** The encoder is not usable; the message says what to do. */
export function encoderUnavailable(reason: EncoderReason, message: string): RpcError {
  return new RpcError('ENCODER_UNAVAILABLE', message, { reason });
}

/** The card cannot be used for this; the message says what to do. */
export function cardRefused(reason: CardReason, message: string): RpcError {
  return new RpcError('CARD_ERROR', message, { reason });
}

const NCODER: Record<NcoderErrorCode, () => RpcError> = {
  UNPLUGGED: () => encoderUnavailable('unplugged', 'The NCoder was unplugged: plug it in and try again'),
  NOT_PAIRED: () => encoderUnavailable('unpaired', 'The NCoder is not paired with this site: pair it first'),
  ALREADY_PAIRED: () =>
    encoderUnavailable(
      'paired-elsewhere',
      'The NCoder is already paired: only a factory reset pairs it again',
    ),
  PAIRED_ELSEWHERE: () =>
    encoderUnavailable(
      'paired-elsewhere',
      'The NCoder belongs to another site: factory-reset it, then pair it here',
    ),
  TIMEOUT: () =>
    encoderUnavailable('timeout', 'The NCoder did not answer in time: check its cable and try again'),
  NO_CARD: () => cardRefused('no-card', 'No card on the encoder: place a card on it and try again'),
  CARD_REMOVED: () =>
    cardRefused(
      'removed',
      'The card left the encoder before the operation finished; nothing was half-written: place it again and retry',
    ),
  PROTOCOL: () =>
    encoderUnavailable(
      'unplugged',
      'The link to the NCoder was disturbed: try again (it reconnects by itself)',
    ),
};

const CARD: Record<CardErrorCode, CardReason> = {
  NOT_DESFIRE: 'not-lintel',
  NOT_LINTEL: 'not-lintel',
  NOT_BLANK: 'not-lintel',
  OTHER_SITE: 'other-site',
  WRONG_KEYS: 'wrong-keys',
  RANDOM_UID: 'not-lintel',
  NOT_FORMATTED: 'corrupt',
  UNSUPPORTED_FORMAT: 'corrupt',
  CORRUPT: 'corrupt',
  INVALID_CONTENT: 'full',
  VERIFY_MISMATCH: 'unverified',
  FULL: 'full',
  CARD_REMOVED: 'removed',
  COMMUNICATION: 'removed',
  ABORTED: 'removed',
  CARD_ERROR: 'corrupt',
};

/**
 * The console's error for what went wrong at the encoder: the encoder's and the card's own errors
 * become ENCODER_UNAVAILABLE / CARD_ERROR with the reason the console words; anything else (a CANCELLED
 * or another RpcError) passes through.
 */
export function encoderFailure(err: unknown): unknown {
  if (err instanceof RpcError) return err;
  if (err instanceof NcoderError) return NCODER[err.code]();
  if (err instanceof CardError) {
    const cause = err.cause;
    if (cause instanceof NcoderError && !err.commitSent) return NCODER[cause.code]();
    if (err.commitSent)
      return cardRefused(
        'unverified',
        'The card left the encoder while it was saving: it holds either the old data or the new. Place it again and press Read to check',
      );
    return cardRefused(CARD[err.code], err.message);
  }
  return err;
}
