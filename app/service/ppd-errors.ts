import { PpdError, type PpdErrorCode } from '../ppd/ppd-host.js';
import { RpcError } from '../rpc/rpc-error.js';

/**
 * The console's errors for what went wrong at the PPD. Everything that keeps the PPD from being used
 * is UNAVAILABLE with a data.reason the console can word (the PPD client's message already says what to
 * do); results still pending are a CONFLICT (sync first); the operator's cancel is CANCELLED.
 */

/** The contract's reasons (data.reason) for UNAVAILABLE at the PPD. */
export type PpdReason =
  'no-serial' | 'busy' | 'not-a-ppd' | 'unpaired' | 'other-site' | 'unplugged' | 'refused' | 'protocol';

/** The PPD cannot be used; the message says what to do. */
export function ppdUnavailable(reason: PpdReason, message: string): RpcError {
  return new RpcError('UNAVAILABLE', message, { reason });
}

/** The error for a PPD that holds results the Service has not imported. */
export function syncFirst(pending: number): RpcError {
  return new RpcError(
    'CONFLICT',
    `The PPD holds ${pending} visit result${pending === 1 ? '' : 's'} not yet imported: sync the PPD first, then load the round`,
    { reason: 'results-pending', pending },
  );
}

const REASON: Record<Exclude<PpdErrorCode, 'BUSY' | 'CANCELLED'>, PpdReason> = {
  NOT_A_PPD: 'not-a-ppd',
  OTHER_SITE: 'other-site',
  UNPAIRED: 'unpaired',
  DISCONNECTED: 'unplugged',
  REFUSED: 'refused',
  PROTOCOL: 'protocol',
};

/** The contract's error for a failure at the PPD; anything that is not the PPD's (RpcError, bugs) passes through. */
export function ppdFailure(err: unknown, method: string): unknown {
  if (!(err instanceof PpdError)) return err;
  if (err.code === 'CANCELLED')
    return new RpcError('CANCELLED', `${method} was cancelled: the PPD keeps what it had`);
  if (err.code === 'BUSY') return new RpcError('CONFLICT', err.message, { reason: 'ppd-busy' });
  return ppdUnavailable(REASON[err.code], err.message);
}
