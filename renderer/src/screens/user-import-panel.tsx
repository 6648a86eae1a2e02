import { useEffect, useRef, useState } from 'react';
import type { OperationProgress } from '../../../app/contract/methods/operations.js';
import type { ResultOf } from '../../../app/contract/index.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { Check } from '../components/check.js';
import { Panel } from '../components/panel.js';
import { RadioGroup } from '../components/radio-group.js';
import { call, subscribe } from '../rpc/client.js';
import { RpcCallError } from '../rpc/rpc-call-error.js';

type ImportResult = ResultOf<'users.importCsv'>;
type Mode = 'all-or-nothing' | 'valid-rows';

/** A file's bytes in base64, so the Service can name rows whose bytes are not UTF-8. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: String.fromCharCode with millions of arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** What the progress bar says. */
function progressText(p: OperationProgress | undefined): string {
  if (!p) return 'Sending the file…';
  if (p.stage === 'writing') return `Saving ${p.rows?.toLocaleString() ?? ''} rows… (too late to cancel)`;
  const percent = p.total ? Math.floor((p.done / p.total) * 100) : 0;
  return `Checking: ${p.rows?.toLocaleString() ?? 0} rows read (${percent}%)`;
}

/**
 * Imports users from a CSV file: check only (dry run) or import, all-or-nothing or the valid rows,
 * with live progress and Cancel while the file is being checked, then each bad row with its reason.
 */
export function UserImportPanel({
  failure,
  onImported,
  onClose,
}: {
  failure: (err: unknown) => string | undefined;
  onImported: () => void;
  onClose: () => void;
}) {
  const [file, setFile] = useState<File>();
  const [mode, setMode] = useState<Mode>('all-or-nothing');
  const [dryRun, setDryRun] = useState(true);
  const [running, setRunning] = useState<string>();
  const [progress, setProgress] = useState<OperationProgress>();
  const [result, setResult] = useState<ImportResult>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const stop = useRef<() => void>(undefined);
  useEffect(() => () => stop.current?.(), []);

  const start = async () => {
    if (!file) return;
    const operationId = crypto.randomUUID();
    setRunning(operationId);
    setProgress(undefined);
    setResult(undefined);
    setError(undefined);
    setNote(undefined);
    stop.current = subscribe('operation.progress', (e) => {
      if (e.payload.operationId === operationId) setProgress(e.payload);
    });
    try {
      const csv = await base64Of(file);
      const r = await call('users.importCsv', { csv, encoding: 'base64', mode, dryRun, operationId });
      setResult(r);
      if (!r.dryRun && r.imported > 0) onImported();
    } catch (err) {
      if (err instanceof RpcCallError && err.name === 'CANCELLED')
        setNote('Import cancelled: nothing was written.');
      else setError(failure(err));
    } finally {
      stop.current?.();
      stop.current = undefined;
      setRunning(undefined);
    }
  };

  const cancel = async () => {
    if (!running) return;
    try {
      const { cancelled } = await call('operations.cancel', { operationId: running });
      if (!cancelled) setNote('Too late to cancel: the import is already saving.');
    } catch (err) {
      setError(failure(err));
    }
  };

  const headline = (r: ImportResult) =>
    r.dryRun
      ? `${r.rows.toLocaleString()} rows checked: ${r.imported.toLocaleString()} would be imported, ${r.errorCount.toLocaleString()} have problems.`
      : `${r.imported.toLocaleString()} of ${r.rows.toLocaleString()} rows imported; ${r.errorCount.toLocaleString()} have problems.`;

  return (
    <Panel title="Import users from CSV" onClose={onClose}>
      <p className="hint">
        Columns: firstName, lastName, identifier, department, validFrom, validUntil, accessLevels (names
        separated by “;”), notes. Only lastName is required. Save the file as UTF-8.
      </p>
      <div className="field">
        <label htmlFor="import-file">CSV file</label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          disabled={running !== undefined}
          onChange={(e) => setFile(e.target.files?.[0])}
        />
      </div>
      <RadioGroup<Mode>
        legend="If some rows have problems"
        value={mode}
        onChange={setMode}
        options={[
          { value: 'all-or-nothing', label: 'Import nothing', hint: 'Fix the file and import it again.' },
          { value: 'valid-rows', label: 'Import the valid rows', hint: 'The rows with problems are listed.' },
        ]}
      />
      <Check
        label="Only check the file (dry run)"
        checked={dryRun}
        onChange={setDryRun}
        disabled={running !== undefined}
      />
      <div className="actions">
        <button type="button" disabled={!file || running !== undefined} onClick={() => void start()}>
          {dryRun ? 'Check file' : 'Import'}
        </button>
        {running ? (
          <button
            type="button"
            className="secondary"
            disabled={progress?.stage === 'writing'}
            onClick={() => void cancel()}
          >
            Cancel import
          </button>
        ) : null}
      </div>
      {running ? (
        <p role="status">
          <progress
            aria-label="Import progress"
            max={progress?.total || 1}
            value={progress?.stage === 'writing' ? progress.total : (progress?.done ?? 0)}
          />{' '}
          {progressText(progress)}
        </p>
      ) : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
      {note ? <Notice>{note}</Notice> : null}
      {result ? (
        <>
          <Notice>{headline(result)}</Notice>
          {result.errors.length ? (
            <table className="data" aria-label="Rows with problems">
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Column</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {result.errors.map((e, i) => (
                  <tr key={i}>
                    <td className="num">{e.row}</td>
                    <td>{e.field ?? '—'}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {result.errorCount > result.errors.length ? (
            <p className="hint">
              The first {result.errors.length.toLocaleString()} problems are shown; fix them and check again.
            </p>
          ) : null}
        </>
      ) : null}
    </Panel>
  );
}
