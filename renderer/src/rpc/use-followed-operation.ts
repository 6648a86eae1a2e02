import { useEffect, useRef } from 'react';
import type { OperationProgress } from '../../../app/contract/methods/operations.js';
import { call, subscribe } from './client.js';

/** One followed call, as `start` hands it out. */
export interface Followed {
  operationId: string;
  /** Whether this is still the call followed (false once the screen was left or it ended). */
  mine(): boolean;
  /** Stops following it (call in `finally`); does nothing if another call is followed by then. */
  done(): void;
}

/**
 * One long call at a time, named by an operationId made up here: its `operation.progress` events reach
 * `onProgress` from before the call is sent (so the first is not missed); `cancel` asks the service to
 * stop it; leaving the screen cancels it too, since nobody would see what it came to.
 */
export function useFollowedOperation() {
  const current = useRef<{ operationId: string; stop: () => void }>(undefined);

  useEffect(
    () => () => {
      const left = current.current;
      current.current = undefined;
      if (!left) return;
      left.stop();
      call('operations.cancel', { operationId: left.operationId }).catch(() => undefined);
    },
    [],
  );

  /** Starts following a new call; undefined while another one runs. */
  const start = (onProgress: (p: OperationProgress) => void): Followed | undefined => {
    if (current.current) return undefined;
    const operationId = crypto.randomUUID();
    const stop = subscribe('operation.progress', (e) => {
      if (e.payload.operationId === operationId) onProgress(e.payload);
    });
    current.current = { operationId, stop };
    const mine = () => current.current?.operationId === operationId;
    return {
      operationId,
      mine,
      done: () => {
        if (!mine()) return;
        stop();
        current.current = undefined;
      },
    };
  };

  /**
   * Asks the service to stop the call followed now: true when it stopped (it will answer CANCELLED),
   * false when it was too late (it will complete), undefined when nothing runs.
   */
  const cancel = async (): Promise<boolean | undefined> => {
    const operationId = current.current?.operationId;
    if (!operationId) return undefined;
    const { cancelled } = await call('operations.cancel', { operationId });
    return cancelled || current.current?.operationId !== operationId;
  };

  /** The id of the call followed now. */
  const runningId = () => current.current?.operationId;

  return { start, cancel, runningId };
}
