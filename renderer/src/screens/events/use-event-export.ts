import { useState } from 'react';
import type { OperationProgress } from '../../../../app/contract/methods/operations.js';
import { useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';
import { useFollowedOperation } from '../../rpc/use-followed-operation.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import type { EventFilter } from './live-merge.js';

/** Today in the site's zone, for the export's file name. */
function fileDate(zone: string | undefined): string {
  // Swedish writes dates as ISO does.
  return new Intl.DateTimeFormat('sv-SE', { ...(zone ? { timeZone: zone } : {}) }).format(new Date());
}

/** Saves text as a file through a Blob URL (no server round trip, nothing inline for the CSP). */
function download(text: string, file: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  Object.assign(document.createElement('a'), { href: url, download: file }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** An export under way: its operation id and what the service last reported of it. */
export interface RunningExport {
  operationId: string;
  progress: OperationProgress | undefined;
}

/**
 * Exports the events `filter` selects as a CSV file, following the service's progress reports
 * (operation.progress for an operation id made up here) and cancelling on request. Leaving the screen
 * cancels too: nobody would receive the file.
 */
export function useEventExport(
  filter: EventFilter,
  zone: string | undefined,
  failure: (err: unknown) => string | undefined,
) {
  const { t } = useT('events');
  const [running, setRunning] = useState<RunningExport>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const followed = useFollowedOperation();

  const start = async () => {
    const op = followed.start((progress) => setRunning({ operationId: op!.operationId, progress }));
    if (!op) return;
    setNotice(undefined);
    setError(undefined);
    setRunning({ operationId: op.operationId, progress: undefined });
    try {
      const out = await call('events.exportCsv', { ...filter, operationId: op.operationId });
      // Left the screen meanwhile: the export was cancelled, and nobody is here to take a file.
      if (!op.mine()) return;
      const file = `events-${fileDate(zone)}.csv`;
      download(out.csv, file);
      setNotice(
        out.truncated
          ? t('export.truncated', { rows: out.rows.toLocaleString(), file })
          : t('export.done', { count: out.rows, file }),
      );
    } catch (err) {
      if (!op.mine()) return;
      if (err instanceof RpcCallError && err.name === 'CANCELLED') setNotice(t('export.cancelled'));
      else setError(failure(err));
    } finally {
      if (op.mine()) setRunning(undefined);
      op.done();
    }
  };

  const cancel = async () => {
    try {
      // The file is on its way when it was too late: the export will say so itself.
      if ((await followed.cancel()) === false) setNotice(t('export.tooLate'));
    } catch (err) {
      setError(failure(err));
    }
  };

  /** Forgets what the last export said (the filters changed). */
  const clear = () => {
    setNotice(undefined);
    setError(undefined);
  };

  return { running, notice, error, start, cancel, clear };
}
