import type { Db } from '../sqlite.js';

/**
 * One numbered schema step: raw SQL, then an optional step in code for what SQL cannot do (hashing),
 * all applied in one transaction with `PRAGMA user_version`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  then?: (db: Db) => void;
}
