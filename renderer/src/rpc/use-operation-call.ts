import { useState } from 'react';
import type { MethodName, ParamsOf, ResultOf } from '../../../app/contract/index.js';
import type { OperationProgress } from '../../../app/contract/methods/operations.js';
import { isRpcError } from '../error-text.js';
import { call } from './client.js';
import { useFollowedOperation } from './use-followed-operation.js';

/** A followed call under way: which method, its id, what the Service last reported, whether Cancel was asked. */
export interface RunningCall<M extends MethodName> {
  operationId: string;
  method: M;
  progress: OperationProgress | undefined;
  cancelling: boolean;
}

/** What a screen says after a followed call: a note (cancelled, too late) or a failure. */
export type Said = { ok: true; text: string } | { ok: false; text: string | undefined };

/** A followed call's params without the operationId, which the hook makes up. */
export type FollowedParams<M extends MethodName> = Omit<ParamsOf<M>, 'operationId'>;

/**
 * Runs one long call at a time under an operationId made up here, following its `operation.progress`
 * events and cancelling it on request while the Service still can; the Service answers whether it was
 * in time. Leaving the screen cancels too (useFollowedOperation). The encoder's card operations and
 * the PPD's transfers are this with their own running state (`fresh`, `advance`) and words (`notes`).
 */
export function useOperationCall<M extends MethodName, R extends RunningCall<M>>(o: {
  failure: (err: unknown) => string | undefined;
  notes: { cancelled: string; tooLate: string };
  fresh: (operationId: string, method: M) => R;
  advance?: (cur: R, progress: OperationProgress) => R;
}) {
  const [running, setRunning] = useState<R>();
  const [said, setSaid] = useState<Said>();
  const followed = useFollowedOperation();
  const advance = o.advance ?? ((cur: R, progress: OperationProgress) => ({ ...cur, progress }));

  /** Runs a call; its result, or undefined when it failed, was cancelled or the screen was left. */
  const run = async <N extends M>(method: N, params: FollowedParams<N>): Promise<ResultOf<N> | undefined> => {
    const op = followed.start((p) =>
      setRunning((cur) => (!cur || cur.operationId !== op?.operationId ? cur : advance(cur, p))),
    );
    if (!op) return undefined;
    setSaid(undefined);
    setRunning(o.fresh(op.operationId, method));
    try {
      const result = await call(method, { ...params, operationId: op.operationId } as ParamsOf<N>);
      return op.mine() ? result : undefined;
    } catch (err) {
      if (!op.mine()) return undefined;
      if (isRpcError(err, 'CANCELLED')) setSaid({ ok: true, text: o.notes.cancelled });
      else setSaid({ ok: false, text: o.failure(err) });
      return undefined;
    } finally {
      if (op.mine()) setRunning(undefined);
      op.done();
    }
  };

  /** Asks the Service to stop the running call; it answers CANCELLED, or completes if too late. */
  const cancel = async () => {
    const operationId = followed.runningId();
    if (!operationId) return;
    setRunning((cur) => (cur?.operationId === operationId ? { ...cur, cancelling: true } : cur));
    try {
      if ((await followed.cancel()) === false) setSaid({ ok: true, text: o.notes.tooLate });
    } catch (err) {
      setSaid({ ok: false, text: o.failure(err) });
    }
  };

  return { running, said, setSaid, run, cancel };
}
