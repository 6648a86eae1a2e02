import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CardholderRecord, CardholderRepo } from '../store/cardholder-repo.js';
import { CSV_COLUMNS, LEVEL_SEPARATOR, guardCell, type CsvColumn } from './csv-users.js';

/** Users hydrated and written per step; the event loop gets a turn between steps. */
const USERS_PER_STEP = 1_000;

function cells(u: CardholderRecord, levelNames: ReadonlyMap<number, string>): Record<CsvColumn, string> {
  return {
    firstName: guardCell(u.firstName),
    lastName: guardCell(u.lastName),
    identifier: guardCell(u.identifier ?? ''),
    department: guardCell(u.department),
    validFrom: u.validFrom ?? '',
    validUntil: u.validUntil ?? '',
    accessLevels: guardCell(
      u.accessLevelIds
        .map((id) => levelNames.get(id) ?? '')
        .filter(Boolean)
        .join(LEVEL_SEPARATOR),
    ),
    notes: guardCell(u.notes),
  };
}

/**
 * Writes users as CSV with csv-stringify's streaming API: a UTF-8 byte-order mark (so Excel reads
 * accents right), a header, CRLF line ends (RFC 4180), fields quoted when they need it, and formula-like
 * values guarded. users.importCsv reads the result back to the same users (PINs and privileges are not
 * exported).
 */
export async function usersCsv(repo: CardholderRepo, ids: readonly number[], now: Date): Promise<string> {
  const levelNames = new Map(repo.allLevels().map((l) => [l.id, l.name]));
  const out: string[] = [];
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS], bom: true, record_delimiter: '\r\n' });
  csv.on('data', (chunk: Buffer | string) => out.push(chunk.toString()));
  const done = once(csv, 'end');
  for (let i = 0; i < ids.length; i += USERS_PER_STEP) {
    for (const u of repo.byIds(ids.slice(i, i + USERS_PER_STEP), now)) csv.write(cells(u, levelNames));
    await yieldToEventLoop();
  }
  csv.end();
  await done;
  return out.join('');
}
