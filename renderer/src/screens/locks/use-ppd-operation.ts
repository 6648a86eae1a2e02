import { useT } from '../../i18n/i18n.js';
import { useOperationCall, type FollowedParams, type RunningCall } from '../../rpc/use-operation-call.js';

/** The PPD calls that transfer a round over the serial cable, each followed by its operationId. */
export type PpdMethod = 'ppd.loadRound' | 'ppd.sync';

/** A PPD call's params without the operationId, which the hook makes up. */
export type PpdParams<M extends PpdMethod> = FollowedParams<M>;

/** A transfer under way. */
export type RunningPpd = RunningCall<PpdMethod>;

export type { Said } from '../../rpc/use-operation-call.js';

/**
 * Runs one PPD transfer at a time, following its `operation.progress` events (bytes sent or imported)
 * and cancelling it on request until the commit (a load cut short resumes where it stopped when the
 * same locks are loaded again). Leaving the screen cancels too.
 */
export function usePpdOperation(failure: (err: unknown) => string | undefined) {
  const { t } = useT('locks');
  return useOperationCall<PpdMethod, RunningPpd>({
    failure,
    notes: { cancelled: t('progress.cancelled'), tooLate: t('progress.tooLate') },
    fresh: (operationId, method) => ({ operationId, method, progress: undefined, cancelling: false }),
  });
}
