import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { intlOffset } from '../access/local-time.js';
import { EVENT_CSV_COLUMNS } from '../contract/methods/events.js';
import type { EventFilter, EventRepo, StoredAccessEvent } from '../store/event-repo.js';
import { guardCell } from './csv-users.js';

/** Events read and written per step; the event loop gets a turn between steps. */
const EVENTS_PER_STEP = 2_000;

type EventColumn = (typeof EVENT_CSV_COLUMNS)[number];

/** An instant as ISO 8601 in `zone`, with its offset: 2026-11-03T15:05:09.000+01:00. */
export function zonedIso(iso: string, zone: string): string {
  const ms = Date.parse(iso);
  const offset = intlOffset(zone, Math.floor(ms / 1000));
  const wall = new Date(ms + offset * 1000).toISOString().slice(0, -1);
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `${wall}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

function cells(e: StoredAccessEvent, zone: string): Record<EventColumn, string> {
  return {
    at: e.at,
    siteTime: zonedIso(e.at, zone),
    kind: e.kind,
    doorId: e.doorId === null ? '' : String(e.doorId),
    door: guardCell(e.doorName ?? ''),
    userId: e.userId === null ? '' : String(e.userId),
    user: guardCell(e.userName ?? ''),
    keyId: e.credentialId === null ? '' : String(e.credentialId),
    reason: guardCell(e.reason ?? ''),
    source: guardCell(e.source),
    detail: Object.keys(e.detail).length ? guardCell(JSON.stringify(e.detail)) : '',
  };
}

/** How a long export is followed and stopped. */
export interface ExportOptions {
  /** Called after each step: rows written so far, of all the export will write. */
  progress?: (rows: number, total: number) => void;
  /** When aborted, writing stops at the next step and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Writes the events matching `filter` (its `area` included), newest first, as CSV: a UTF-8 byte-order
 * mark, a header, CRLF line ends, quoting as needed and formula-like text guarded, as users.exportCsv
 * writes. Reads page by page through the same keyset as events.list, so any filter stays an index
 * seek, and yields between pages. At most `maxRows`; `truncated` says more matched. With `progress`,
 * the matches are counted first (up to `maxRows`) so the rows written can be told against a total.
 */
export async function eventsCsv(
  repo: EventRepo,
  filter: Omit<EventFilter, 'before' | 'limit'>,
  maxRows: number,
  zone: string,
  opts: ExportOptions = {},
): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const total = opts.progress ? repo.countUpTo(filter, maxRows) : maxRows;
  opts.progress?.(0, total);
  const out: string[] = [];
  const csv = stringify({
    header: true,
    columns: [...EVENT_CSV_COLUMNS],
    bom: true,
    record_delimiter: '\r\n',
  });
  csv.on('data', (chunk: Buffer | string) => out.push(chunk.toString()));
  const done = once(csv, 'end');
  let rows = 0;
  let truncated = false;
  let before: EventFilter['before'];
  for (;;) {
    // One more than still wanted tells whether the export is cut short.
    const limit = Math.min(EVENTS_PER_STEP, maxRows - rows + 1);
    const page = repo.list({ ...filter, before, limit });
    for (const e of page) {
      if (rows === maxRows) {
        truncated = true;
        break;
      }
      csv.write(cells(e, zone));
      rows++;
    }
    const last = page.at(-1);
    if (truncated || !last || page.length < limit) break;
    // Events stored during the export may add rows beyond the count: the total never reads less.
    opts.progress?.(rows, Math.max(total, rows));
    before = { at: Date.parse(last.at), id: last.id };
    await yieldToEventLoop();
    if (opts.signal?.aborted) {
      csv.destroy();
      opts.signal.throwIfAborted();
    }
  }
  csv.end();
  await done;
  return { csv: out.join(''), rows, truncated };
}
