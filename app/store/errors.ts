/** Why the database could not be opened or used; each code maps to one clear message and a non-zero exit. */
export type StoreErrorCode =
  | 'DB_MISSING'
  | 'DB_EXISTS'
  | 'DB_UNREADABLE'
  | 'DB_CORRUPT'
  | 'DB_FROM_FUTURE'
  | 'DB_FOREIGN_MIGRATIONS'
  | 'DB_IN_USE'
  | 'DB_EMPTY'
  | 'DB_NATIVE_BINDING'
  | 'BUNDLE_INVALID'
  | 'BUNDLE_FROM_FUTURE';

/** A database problem the operator can act on; the message says what was found and what to do. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The SQLite result code of a better-sqlite3 error, if it is one. */
export function sqliteCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
