import type { DesfireClient } from '../desfire/index.js';
import { DesfireError, type DesfireErrorCode } from '../desfire/index.js';
import { CardError } from './card-error.js';
import { CardFormatError } from './format-error.js';

/**
 * What every card operation shares: progress reports, the abort signal checked before each card
 * command until the commit, and the translation of whatever went wrong into a CardError.
 */

/**
 * Where an operation is. `commit` is reported just before CommitTransaction is sent: from then on
 * the operation cannot be cancelled, and a failure may have left the new content on the card.
 * (`erase` is eraseCard's destructive step, as `format` is formatCard's.)
 */
export type CardStep = 'detect' | 'authenticate' | 'format' | 'erase' | 'write' | 'commit' | 'verify';

/** Options every card operation takes. */
export interface CardOperationOptions {
  onProgress?: (step: CardStep) => void;
  /** Checked before every card command up to the commit; an abort then fails with ABORTED. */
  signal?: AbortSignal;
}

/** DESFire codes that mean the exchange, not the card's content, went wrong. */
const DISTURBED: readonly DesfireErrorCode[] = [
  'RESPONSE_MAC',
  'MALFORMED_RESPONSE',
  'INTEGRITY_ERROR',
  'LENGTH_ERROR',
  'COMMAND_ABORTED',
  'ISO_ERROR',
];

/** One operation on one card. */
export class CardRun {
  private sentCommit = false;
  private last: CardStep | null = null;

  constructor(
    readonly client: DesfireClient,
    private readonly options: CardOperationOptions,
    /** What a cancellation before the commit leaves on the card, for the ABORTED message. */
    private readonly abortLeaves: string,
  ) {}

  /** Reports a step once, when the operation enters it. */
  step(step: CardStep): void {
    if (step === this.last) return;
    this.last = step;
    this.options.onProgress?.(step);
  }

  /** Whether CommitTransaction has been sent. */
  get commitSent(): boolean {
    return this.sentCommit;
  }

  /** Fails with ABORTED when the signal fired and nothing was committed yet. */
  checkAbort(): void {
    if (!this.sentCommit && this.options.signal?.aborted) {
      throw new CardError('ABORTED', `Cancelled: ${this.abortLeaves}.`);
    }
  }

  /** One card command (or a few that belong together), after checking the abort signal. */
  async cmd<T>(fn: (client: DesfireClient) => Promise<T>): Promise<T> {
    this.checkAbort();
    return fn(this.client);
  }

  /** CommitTransaction: the point of no return, reported as the `commit` step before it is sent. */
  async commit(): Promise<void> {
    this.step('commit');
    this.checkAbort();
    this.sentCommit = true;
    await this.client.commitTransaction();
  }

  /** Whatever an operation threw, as a CardError that says whether the commit had been sent. */
  toCardError(err: unknown): CardError {
    const e = translate(err);
    if (!this.sentCommit) return e;
    return new CardError(
      e.code,
      `${e.message} CommitTransaction had been sent, so the card may hold the new content: read it to find out.`,
      { cause: e.cause ?? err, commitSent: true },
    );
  }
}

function translate(err: unknown): CardError {
  if (err instanceof CardError) return err;
  if (err instanceof CardFormatError) {
    return err.code === 'UNKNOWN_VERSION'
      ? new CardError('UNSUPPORTED_FORMAT', `${err.message}. Update Lintel on this station.`, { cause: err })
      : new CardError(
          'CORRUPT',
          `The card's data is damaged: ${err.message}. Rewrite the card at the encoder.`,
          {
            cause: err,
          },
        );
  }
  if (err instanceof DesfireError) {
    if (err.code === 'OUT_OF_EEPROM') {
      return new CardError(
        'FULL',
        'The card has no room left for the Lintel application: use a blank card.',
        {
          cause: err,
        },
      );
    }
    if (DISTURBED.includes(err.code)) {
      return new CardError(
        'COMMUNICATION',
        `The exchange with the card was disturbed (${err.code}): hold the card still on the reader and try again.`,
        { cause: err },
      );
    }
    if (err.code === 'CARD_NOT_AUTHENTIC') {
      return new CardError(
        'OTHER_SITE',
        'The card could not prove it holds its key: it is not a genuine card of this site.',
        { cause: err },
      );
    }
    return new CardError('CARD_ERROR', `The card refused a command (${err.code}).`, { cause: err });
  }
  // Anything else came from the transport: the card left the field or the reader failed.
  const why = err instanceof Error ? err.message : String(err);
  return new CardError(
    'CARD_REMOVED',
    `The card stopped answering (${why}): put it back on the reader and try again.`,
    { cause: err },
  );
}

/** Runs `body` as one card operation; everything it throws comes out as a CardError. */
export async function runCardOperation<T>(
  client: DesfireClient,
  options: CardOperationOptions,
  abortLeaves: string,
  body: (run: CardRun) => Promise<T>,
): Promise<T> {
  const run = new CardRun(client, options, abortLeaves);
  try {
    return await body(run);
  } catch (err) {
    throw run.toCardError(err);
  }
}

/** Whether `err` is a DesfireError (with one of `codes`, when any are given). */
export function isDesfire(err: unknown, ...codes: DesfireErrorCode[]): err is DesfireError {
  return err instanceof DesfireError && (codes.length === 0 || codes.includes(err.code));
}
