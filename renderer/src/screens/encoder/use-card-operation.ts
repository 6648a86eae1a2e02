import { useState } from 'react';
import type { ParamsOf, ResultOf } from '../../../../app/contract/index.js';
import type { CardStep, OperationProgress } from '../../../../app/contract/methods/operations.js';
import { isRpcError } from '../../error-text.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useFollowedOperation } from '../../rpc/use-followed-operation.js';

/** The encoder methods that work on the card in the field, each followed by its operationId. */
export type CardMethod =
  'encoder.encode' | 'encoder.read' | 'encoder.update' | 'encoder.cancel' | 'encoder.erase';

/** A card call's params without the operationId, which the hook makes up. */
export type CardParams<M extends CardMethod> = Omit<ParamsOf<M>, 'operationId'>;

/** A card operation under way: which call, its id, what the service last reported, whether Cancel was asked. */
export interface RunningCard {
  operationId: string;
  method: CardMethod;
  progress: OperationProgress | undefined;
  /** The steps the service has reported so far, in the order they came. */
  seen: CardStep[];
  cancelling: boolean;
}

/** What the screen says after an operation: a note (done, cancelled, too late) or a failure. */
export type Said = { ok: true; text: string } | { ok: false; text: string | undefined };

/**
 * Runs one card operation at a time under an operationId made up here, following its
 * `operation.progress` events (the step the card is at) and cancelling it on request while the service
 * still can (`stage` 'reading'; once the card's transaction is committed the call completes).
 * Leaving the screen cancels too: a card half-way through is better stopped than left to nobody.
 */
export function useCardOperation(failure: (err: unknown) => string | undefined) {
  const { t } = useT('encoder');
  const [running, setRunning] = useState<RunningCard>();
  const [said, setSaid] = useState<Said>();
  const followed = useFollowedOperation();

  /** Runs a card call; its result, or undefined when it failed, was cancelled or the screen was left. */
  const run = async <M extends CardMethod>(
    method: M,
    params: CardParams<M>,
  ): Promise<ResultOf<M> | undefined> => {
    const op = followed.start((p) =>
      setRunning((cur) =>
        cur?.operationId !== op?.operationId
          ? cur
          : {
              ...cur!,
              progress: p,
              seen: p.step && !cur!.seen.includes(p.step) ? [...cur!.seen, p.step] : cur!.seen,
            },
      ),
    );
    if (!op) return undefined;
    setSaid(undefined);
    setRunning({ operationId: op.operationId, method, progress: undefined, seen: [], cancelling: false });
    try {
      const result = await call(method, { ...params, operationId: op.operationId } as ParamsOf<M>);
      return op.mine() ? result : undefined;
    } catch (err) {
      if (!op.mine()) return undefined;
      if (isRpcError(err, 'CANCELLED')) setSaid({ ok: true, text: t('progress.cancelled') });
      else setSaid({ ok: false, text: failure(err) });
      return undefined;
    } finally {
      if (op.mine()) setRunning(undefined);
      op.done();
    }
  };

  /** Asks the service to stop the running operation; it answers CANCELLED, or completes if too late. */
  const cancel = async () => {
    const operationId = followed.runningId();
    if (!operationId) return;
    setRunning((cur) => (cur?.operationId === operationId ? { ...cur, cancelling: true } : cur));
    try {
      if ((await followed.cancel()) === false) setSaid({ ok: true, text: t('progress.tooLate') });
    } catch (err) {
      setSaid({ ok: false, text: failure(err) });
    }
  };

  return { running, said, setSaid, run, cancel };
}
