import { parse, type CsvError, type Info } from 'csv-parse';
import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import {
  Department,
  FirstName,
  Identifier,
  LastName,
  MAX_CSV_FIELD,
  MAX_IMPORT_ERRORS,
  Notes,
  type ImportError,
} from '../contract/methods/users.js';
import type { CardholderFields } from '../store/cardholder-repo.js';
import { CSV_COLUMNS, LEVEL_SEPARATOR, asciiFold, unguardCell, type CsvColumn } from './csv-users.js';

/** What checking a row needs to know about the site. */
export interface ImportLookups {
  /** The access level of a name (any case), if one exists. */
  levelByName(name: string): number | undefined;
  /** Why the caller may not give this access level (outside their partition), if so. */
  levelProblem(levelId: number): string | undefined;
  /** Whether an existing user holds this identifier (any case). */
  identifierTaken(identifier: string): boolean;
}

/** A row that passed every check. */
export interface GoodRow {
  row: number;
  fields: CardholderFields;
  accessLevelIds: number[];
}

/** What reading a file found. */
export interface CsvRead {
  /** Data rows read (the header not counted). */
  rows: number;
  good: GoodRow[];
  /** The first MAX_IMPORT_ERRORS problems, in file order. */
  errors: ImportError[];
  errorCount: number;
  /** The header is unusable: no row was checked. */
  fatal: boolean;
}

/** Rows checked between two yields to the event loop, so other calls are answered during an import. */
const ROWS_PER_YIELD = 2_000;
/** Characters handed to the parser at a time. */
const CHUNK = 64 * 1024;

const NOT_UTF8 = 'is not valid UTF-8: save the file as UTF-8 (CSV UTF-8 in Excel)';
// A replacement character is what a decoder leaves for bytes that were not UTF-8; a lone surrogate
// cannot be stored as text at all.
const BAD_TEXT = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const Time = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time such as 2027-12-31T23:00:00Z',
});

/** Text fields, checked by the same schemas as users.create. */
const TEXT_FIELDS = {
  firstName: FirstName,
  lastName: LastName,
  identifier: Identifier,
  department: Department,
  notes: Notes,
} as const;

/** The delimiter of the file: the header says it (a comma, or the semicolon or tab some locales use). */
function delimiterOf(text: string): string {
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  for (const d of [',', ';', '\t']) if (firstLine.includes(d)) return d;
  return ',';
}

/**
 * Whether a record, as written, breaks RFC 4180 quoting: a quote inside an unquoted field, or a
 * quoted field followed by anything but a delimiter. The parser runs relaxed so one stray quote cannot
 * swallow the rows after it; this finds the rows it relaxed.
 */
export function strayQuote(raw: string, delimiter: string): boolean {
  const s = raw.replace(/^[\r\n]+/, '').replace(/(?:\r\n|\r|\n)$/, '');
  let i = 0;
  for (;;) {
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return true;
        if (s[i] === '"') {
          if (s[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      if (i < s.length && s[i] !== delimiter) return true;
    } else {
      while (i < s.length && s[i] !== delimiter) {
        if (s[i] === '"') return true;
        i++;
      }
    }
    if (i >= s.length) return false;
    i++;
  }
}

/** Line breaks inside the fields of a record (a quoted field may span lines). */
function breaksInside(record: readonly string[]): number {
  let n = 0;
  for (const f of record) n += f.match(/\r\n|\r|\n/g)?.length ?? 0;
  return n;
}

/** The text in parser-sized pieces; `read.at` is how far the parser has taken it (progress). */
function* chunks(text: string, read: { at: number }): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + CHUNK);
    // Never split a surrogate pair between two chunks.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    read.at = end;
    yield text.slice(start, end);
    start = end;
  }
}

/** How a long read is followed and stopped. */
export interface ReadOptions {
  /** Called every {@link ROWS_PER_YIELD} rows: characters handed to the parser, of all, and rows read. */
  progress?: (done: number, total: number, rows: number) => void;
  /** When aborted, reading stops at the next yield and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Collects problems, keeping the first MAX_IMPORT_ERRORS and counting them all. */
class Problems {
  readonly list: ImportError[] = [];
  count = 0;
  add(row: number, field: string | null, message: string): void {
    this.count++;
    if (this.list.length < MAX_IMPORT_ERRORS) this.list.push({ row, field, message });
  }
}

/** The header's column positions, or the problems that make it unusable. */
function readHeader(record: readonly string[], problems: Problems): Map<CsvColumn, number> | undefined {
  const columns = new Map<CsvColumn, number>();
  let ok = true;
  record.forEach((raw, i) => {
    const name = raw.trim();
    const column = CSV_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!column) {
      problems.add(1, name, `unknown column: the columns are ${CSV_COLUMNS.join(', ')}`);
      ok = false;
    } else if (columns.has(column)) {
      problems.add(1, column, 'appears twice in the header');
      ok = false;
    } else columns.set(column, i);
  });
  if (!columns.has('lastName')) {
    problems.add(1, 'lastName', 'the header must have a lastName column');
    ok = false;
  }
  return ok ? columns : undefined;
}

/** Checks one record; returns the row, or undefined after adding its problems. */
function checkRow(
  row: number,
  record: readonly string[],
  columns: Map<CsvColumn, number>,
  lookups: ImportLookups,
  seen: Map<string, number>,
  problems: Problems,
): GoodRow | undefined {
  const before = problems.count;
  const cells = new Map<CsvColumn, string>();
  for (const [column, i] of columns) {
    const raw = record[i] ?? '';
    if (raw.length > MAX_CSV_FIELD) problems.add(row, column, `is longer than ${MAX_CSV_FIELD} characters`);
    else if (BAD_TEXT.test(raw)) problems.add(row, column, NOT_UTF8);
    else cells.set(column, unguardCell(raw));
  }
  const value = (c: CsvColumn) => cells.get(c) ?? '';
  const text: Partial<Record<keyof typeof TEXT_FIELDS, string>> = {};
  for (const [column, schema] of Object.entries(TEXT_FIELDS) as [
    keyof typeof TEXT_FIELDS,
    z.ZodType<string>,
  ][]) {
    if (!cells.has(column) && columns.has(column)) continue;
    const v = value(column);
    if (column === 'identifier' && v.trim() === '') continue;
    const parsed = schema.safeParse(v);
    if (parsed.success) text[column] = parsed.data;
    else problems.add(row, column, parsed.error.issues[0]?.message ?? 'is not valid');
  }
  const times: { validFrom: string | null; validUntil: string | null } = {
    validFrom: null,
    validUntil: null,
  };
  for (const column of ['validFrom', 'validUntil'] as const) {
    const v = value(column).trim();
    if (!v) continue;
    const parsed = Time.safeParse(v);
    if (parsed.success) times[column] = new Date(parsed.data).toISOString();
    else problems.add(row, column, parsed.error.issues[0]?.message ?? 'is not a time');
  }
  if (times.validFrom && times.validUntil && times.validFrom >= times.validUntil)
    problems.add(row, 'validUntil', 'must be after validFrom');
  const levels = new Set<number>();
  for (const name of value('accessLevels')
    .split(LEVEL_SEPARATOR)
    .map((n) => n.trim())
    .filter(Boolean)) {
    const id = lookups.levelByName(name);
    if (id === undefined) {
      problems.add(row, 'accessLevels', `no access level is named ${name}`);
      continue;
    }
    const problem = lookups.levelProblem(id);
    if (problem) problems.add(row, 'accessLevels', `${name}: ${problem}`);
    else levels.add(id);
  }
  const identifier = text.identifier ?? null;
  if (identifier !== null) {
    const key = asciiFold(identifier);
    const first = seen.get(key);
    if (first !== undefined) problems.add(row, 'identifier', `${identifier} is also on row ${first}`);
    else {
      seen.set(key, row);
      if (lookups.identifierTaken(identifier))
        problems.add(row, 'identifier', `${identifier} already belongs to a user`);
    }
  }
  if (problems.count > before) return undefined;
  return {
    row,
    fields: {
      firstName: text.firstName ?? '',
      lastName: text.lastName!,
      identifier,
      department: text.department ?? '',
      validFrom: times.validFrom,
      validUntil: times.validUntil,
      privileges: { office: false, privacyOverride: false, extendedOpening: false },
      notes: text.notes ?? '',
    },
    accessLevelIds: [...levels],
  };
}

/**
 * Reads a users CSV with csv-parse's streaming API, one record at a time, checking each row as the
 * service would check users.create and reporting every problem with its row (the line the record
 * starts on; the header is line 1) and column. Never throws on what the file contains: a stray quote,
 * a wrong number of fields, text that was not UTF-8 or a huge field is a problem of that row.
 */
export async function readUsersCsv(
  text: string,
  lookups: ImportLookups,
  opts: ReadOptions = {},
): Promise<CsvRead> {
  const problems = new Problems();
  const headerProblems = new Problems();
  const good: GoodRow[] = [];
  const seen = new Map<string, number>();
  const delimiter = delimiterOf(text);
  let columns: Map<CsvColumn, number> | undefined;
  let headerSeen = false;
  let rows = 0;
  // Parser-side state: the parser may run ahead of the loop below, and an unclosed quote is only
  // reported once it has read everything.
  let parsedRecords = 0;
  let lastParsedLine = 0;
  const read = { at: 0 };
  const parser = Readable.from(chunks(text, read), { objectMode: false }).pipe(
    parse({
      delimiter,
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      raw: true,
      info: true,
      on_record: (record: string[], context: Info) => {
        parsedRecords++;
        lastParsedLine = context.lines;
        return record;
      },
      on_skip: (err: CsvError | undefined): undefined => {
        // Only an unclosed quote is left once quotes and field counts are relaxed.
        if (parsedRecords > 0) rows++;
        problems.add(
          lastParsedLine + 1,
          null,
          err?.code === 'CSV_QUOTE_NOT_CLOSED'
            ? 'a quoted field is never closed: the rest of the file was read as one field'
            : `cannot be read as CSV (${err?.code ?? 'unknown'})`,
        );
      },
    }),
  );
  try {
    for await (const chunk of parser as AsyncIterable<{ record: string[]; raw: string; info: Info }>) {
      const { record, raw, info } = chunk;
      const row = info.lines - breaksInside(record);
      if (!headerSeen) {
        headerSeen = true;
        columns = readHeader(record, headerProblems);
        if (!columns) break;
        continue;
      }
      rows++;
      if (rows % ROWS_PER_YIELD === 0) {
        opts.progress?.(read.at, text.length, rows);
        await yieldToEventLoop();
        if (opts.signal?.aborted) break;
      }
      if (strayQuote(raw, delimiter)) {
        problems.add(row, null, 'has a stray quote: quote the whole field and double quotes inside it ("")');
        continue;
      }
      if (record.length !== columns!.size) {
        problems.add(row, null, `has ${record.length} fields where the header has ${columns!.size}`);
        continue;
      }
      const ok = checkRow(row, record, columns!, lookups, seen, problems);
      if (ok) good.push(ok);
    }
  } catch (err) {
    // Skipping covers every record error csv-parse knows; anything else still belongs to the file.
    problems.add(lastParsedLine + 1, null, `cannot be read as CSV: ${(err as Error).message}`);
  }
  opts.signal?.throwIfAborted();
  if (!headerSeen) {
    if (problems.count === 0) headerProblems.add(1, null, 'the file is empty: it needs a header row');
    else return { rows: 0, good: [], errors: problems.list, errorCount: problems.count, fatal: true };
  }
  // An unusable header makes every row meaningless: only its own problems are reported.
  if (!columns)
    return { rows: 0, good: [], errors: headerProblems.list, errorCount: headerProblems.count, fatal: true };
  return {
    rows,
    good,
    errors: problems.list.sort((a, b) => a.row - b.row),
    errorCount: problems.count,
    fatal: false,
  };
}
