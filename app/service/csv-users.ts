/** The columns of a users CSV, in the order users.exportCsv writes them. */
export const CSV_COLUMNS = [
  'firstName',
  'lastName',
  'identifier',
  'department',
  'validFrom',
  'validUntil',
  'accessLevels',
  'notes',
] as const;
/** One column of a users CSV. */
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Separates access level names within the accessLevels column. */
export const LEVEL_SEPARATOR = ';';

/**
 * A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a formula, so an
 * export quotes such values with a leading apostrophe (OWASP "CSV injection"). Values that already
 * start with apostrophes before such a character get one more, so the import can always remove
 * exactly one and every value round-trips.
 */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;

/** A value as written to a CSV cell. */
export function guardCell(value: string): string {
  return FORMULA_LIKE.test(value) ? `'${value}` : value;
}

/** A CSV cell as the value it stands for (undoes {@link guardCell}). */
export function unguardCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_LIKE.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * Lower-cases ASCII letters only: what SQLite's NOCASE compares, so names and identifiers found equal
 * here are the ones the database finds equal.
 */
export function asciiFold(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
