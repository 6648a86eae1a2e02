/** One numbered schema step: raw SQL, applied in one transaction with `PRAGMA user_version`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
