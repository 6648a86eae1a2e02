import { useState } from 'react';
import type { ParamsOf, ResultOf } from '../../../../app/contract/index.js';
import type { OperationProgress } from '../../../../app/contract/methods/operations.js';
import { isRpcError } from '../../error-text.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useFollowedOperation } from '../../rpc/use-followed-operation.js';

/** The PPD calls that transfer a round over the serial cable, each followed by its operationId. */
export type PpdMethod = 'ppd.loadRound' | 'ppd.sync';

/** A PPD call's params without the operationId, which the hook makes up. */
export type PpdParams<M extends PpdMethod> = Omit<ParamsOf<M>, 'operationId'>;

/** A transfer under way: which call, its id, what the Service last reported, whether Cancel was asked. */
export interface RunningPpd {
  operationId: string;
  method: PpdMethod;
  progress: OperationProgress | undefined;
  cancelling: boolean;
}

/** What the panel says after a transfer: a note (cancelled, too late) or a failure. */
export type Said = { ok: true; text: string } | { ok: false; text: string | undefined };

/**
 * Runs one PPD transfer at a time under an operationId made up here, following its
 * `operation.progress` events (bytes sent or imported) and cancelling it on request until the commit
 * (a load cut short resumes where it stopped when the same locks are loaded again); the Service
 * answers whether it was in time. Leaving the screen cancels too.
 */
export function usePpdOperation(failure: (err: unknown) => string | undefined) {
  const { t } = useT('locks');
  const [running, setRunning] = useState<RunningPpd>();
  const [said, setSaid] = useState<Said>();
  const followed = useFollowedOperation();

  /** Runs a PPD call; its result, or undefined when it failed, was cancelled or the screen was left. */
  const run = async <M extends PpdMethod>(
    method: M,
    params: PpdParams<M>,
  ): Promise<ResultOf<M> | undefined> => {
    const op = followed.start((p) =>
      setRunning((cur) => (cur?.operationId !== op?.operationId ? cur : { ...cur!, progress: p })),
    );
    if (!op) return undefined;
    setSaid(undefined);
    setRunning({ operationId: op.operationId, method, progress: undefined, cancelling: false });
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

  /** Asks the Service to stop the running transfer; it answers CANCELLED, or completes if too late. */
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
