import { useEffect, useState, type FormEvent } from 'react';
import type { AuditEntry, AuditVerification } from '../../../app/contract/methods/audit.js';
import type { ParamsOf } from '../../../app/contract/index.js';
import { ErrorAlert, Notice } from '../components/alert.js';
import { DataTable } from '../components/data-table.js';
import { Field, SelectField } from '../components/field.js';
import { OlderButton } from '../components/older-button.js';
import { formatTime, plural } from '../format.js';
import { call } from '../rpc/client.js';
import type { SectionProps } from '../section.js';
import { useDraft } from '../use-draft.js';
import { useLatest } from '../use-latest.js';

type Filter = ParamsOf<'audit.list'>;

/** The filter form as typed. */
interface FilterDraft {
  actor: string;
  action: string;
  outcome: '' | 'ok' | 'failed';
  from: string;
  to: string;
}

const PAGE = 100;

/** A local date-time from the form as the service's UTC timestamp; undefined when empty or unreadable. */
function utc(local: string): string | undefined {
  const d = new Date(local);
  return local && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

/** The filter to send: only what was filled in. */
function filterOf(d: FilterDraft): Filter {
  const from = utc(d.from);
  const to = utc(d.to);
  return {
    limit: PAGE,
    ...(d.actor.trim() ? { actor: d.actor.trim() } : {}),
    ...(d.action.trim() ? { action: d.action.trim() } : {}),
    ...(d.outcome ? { outcome: d.outcome } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** What audit.verify found, in words. */
function Verification({ result }: { result: AuditVerification }) {
  if (result.ok)
    return (
      <Notice>
        The audit chain is intact: {result.entries} entries, up to entry #{result.head.seq} (hash{' '}
        <code>{result.head.hash.slice(0, 16)}…</code>).
      </Notice>
    );
  return (
    <ErrorAlert>
      The audit chain is broken
      {result.firstBreak ? ` at entry #${result.firstBreak.seq}: ${result.firstBreak.reason}` : ''}. Entries
      from there on may have been altered or removed; keep a copy of the database and report it to whoever is
      responsible for security.
    </ErrorAlert>
  );
}

/** The operator audit log: filtered, newest first, paged back in time; and a check of its hash chain. */
export function AuditScreen({ failure }: SectionProps) {
  const [draft, , set] = useDraft<FilterDraft>({ actor: '', action: '', outcome: '', from: '', to: '' });
  const [filter, setFilter] = useState<Filter>({ limit: PAGE });
  const [entries, setEntries] = useState<AuditEntry[]>();
  const [nextBefore, setNextBefore] = useState<number>();
  const [verification, setVerification] = useState<AuditVerification>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<'list' | 'older' | 'verify'>();

  // Numbers every read: an answer to any but the latest (the first page, arriving after filters were
  // applied; an older page of the previous filter) is dropped rather than shown as the new result.
  const latest = useLatest();

  useEffect(() => {
    let live = true;
    const ticket = latest.take();
    call('audit.list', { limit: PAGE }).then(
      (page) => {
        if (!live || !latest.is(ticket)) return;
        setEntries(page.entries);
        setNextBefore(page.nextBefore);
      },
      (err: unknown) => {
        if (live && latest.is(ticket)) setError(failure(err));
      },
    );
    return () => {
      live = false;
    };
  }, [failure, latest]);

  /** Reads one page; `before` appends an older page to what is shown. */
  async function read(f: Filter, before?: number) {
    const ticket = latest.take();
    setBusy(before ? 'older' : 'list');
    setError(undefined);
    try {
      const page = await call('audit.list', before ? { ...f, before } : f);
      if (!latest.is(ticket)) return;
      setEntries((shown) => (before && shown ? [...shown, ...page.entries] : page.entries));
      setNextBefore(page.nextBefore);
    } catch (err) {
      if (latest.is(ticket)) setError(failure(err));
    } finally {
      if (latest.is(ticket)) setBusy(undefined);
    }
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const f = filterOf(draft);
    setFilter(f);
    void read(f);
  }

  async function verify() {
    setBusy('verify');
    setError(undefined);
    setVerification(undefined);
    try {
      setVerification(await call('audit.verify', {}));
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <>
      <form className="filters" onSubmit={apply} noValidate aria-label="Filter the audit log">
        <Field
          markOptional={false}
          label="Actor"
          value={draft.actor}
          onChange={set('actor')}
          autoComplete="off"
          hint="A username."
        />
        <Field
          markOptional={false}
          label="Action"
          value={draft.action}
          onChange={set('action')}
          autoComplete="off"
          hint="A method, or a prefix such as operators."
        />
        <SelectField
          label="Outcome"
          value={draft.outcome}
          onChange={set('outcome')}
          options={[
            { value: '', label: 'Any' },
            { value: 'ok', label: 'Succeeded' },
            { value: 'failed', label: 'Failed' },
          ]}
        />
        <Field
          markOptional={false}
          label="From"
          type="datetime-local"
          value={draft.from}
          onChange={set('from')}
        />
        <Field markOptional={false} label="To" type="datetime-local" value={draft.to} onChange={set('to')} />
        <div className="buttons">
          <button type="submit" disabled={busy !== undefined}>
            {busy === 'list' ? 'Reading…' : 'Apply filters'}
          </button>
        </div>
      </form>

      <div className="toolbar">
        <button type="button" className="secondary" onClick={verify} disabled={busy !== undefined}>
          {busy === 'verify' ? 'Verifying…' : 'Verify chain'}
        </button>
      </div>
      <div aria-live="polite">{verification ? <Verification result={verification} /> : null}</div>
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}

      {entries ? (
        <DataTable
          caption={
            entries.length === 0
              ? 'No entries match these filters.'
              : `${plural(entries.length, 'entry', 'entries')}, newest first${nextBefore ? ' (older ones on request)' : ''}`
          }
          columns={['#', 'Time', 'Actor', 'Action', 'Target', 'Outcome', 'Source']}
        >
          {entries.map((e) => (
            <tr key={e.seq} className={e.outcome === 'ok' ? undefined : 'failed'}>
              <td className="num">{e.seq}</td>
              <td>{formatTime(e.at)}</td>
              <td>{e.actor}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>{e.target ?? '—'}</td>
              <td>{e.outcome === 'ok' ? 'OK' : <strong>{e.outcome}</strong>}</td>
              <td>{e.source}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      <OlderButton
        more={nextBefore !== undefined}
        busy={busy !== undefined}
        reading={busy === 'older'}
        label="Older entries"
        onClick={() => read(filter, nextBefore)}
      />
    </>
  );
}
