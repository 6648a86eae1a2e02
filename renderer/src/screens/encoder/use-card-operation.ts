import type { CardStep } from '../../../../app/contract/methods/operations.js';
import { useT } from '../../i18n/i18n.js';
import { useOperationCall, type FollowedParams, type RunningCall } from '../../rpc/use-operation-call.js';

/** The encoder methods that work on the card in the field, each followed by its operationId. */
export type CardMethod =
  'encoder.encode' | 'encoder.read' | 'encoder.update' | 'encoder.cancel' | 'encoder.erase';

/** A card call's params without the operationId, which the hook makes up. */
export type CardParams<M extends CardMethod> = FollowedParams<M>;

/** A card operation under way, with the steps the service has reported so far, in the order they came. */
export interface RunningCard extends RunningCall<CardMethod> {
  seen: CardStep[];
}

export type { Said } from '../../rpc/use-operation-call.js';

/**
 * Runs one card operation at a time, following its `operation.progress` events (the step the card is
 * at) and cancelling it on request while the service still can (`stage` 'reading'; once the card's
 * transaction is committed the call completes). Leaving the screen cancels too: a card half-way
 * through is better stopped than left to nobody.
 */
export function useCardOperation(failure: (err: unknown) => string | undefined) {
  const { t } = useT('encoder');
  return useOperationCall<CardMethod, RunningCard>({
    failure,
    notes: { cancelled: t('progress.cancelled'), tooLate: t('progress.tooLate') },
    fresh: (operationId, method) => ({
      operationId,
      method,
      progress: undefined,
      seen: [],
      cancelling: false,
    }),
    advance: (cur, p) => ({
      ...cur,
      progress: p,
      seen: p.step && !cur.seen.includes(p.step) ? [...cur.seen, p.step] : cur.seen,
    }),
  });
}
