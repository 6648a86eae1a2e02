import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { StoreError, sqliteCode } from './errors.js';

/** A better-sqlite3 connection. */
export type Db = Database.Database;

/**
 * Page cipher: sqlite3mc's ChaCha20-Poly1305 ("chacha20"), each page sealed with a fresh nonce and a
 * 16-byte tag. Chosen over SQLCipher v4 (AES-256-CBC + HMAC-SHA512) because it is authenticated
 * encryption in one primitive and measured faster here (docs/storage.md has the numbers).
 */
export const PAGE_CIPHER = 'chacha20';

/**
 * Page size of a new database. 8 KiB rather than SQLite's 4 KiB: batched event inserts (four indexes,
 * each new event at a random place in the current day) ran about 10 % faster, and each page pays
 * sqlite3mc's nonce and tag once for twice the data. Fixed when the file is created; an existing file
 * keeps the size it has.
 */
export const PAGE_SIZE = 8192;

/**
 * The better-sqlite3 binary every connection of this process loads, or undefined for the one npm built
 * into node_modules. better-sqlite3-multiple-ciphers is not N-API: its binary is compiled against one
 * runtime's V8 ABI, so the desktop app (Electron) loads a separate build of it while the tests,
 * `lintel serve` and the gateway (Node.js) keep npm's. It is a process-wide setting, not an option of
 * each open, because the binary follows the runtime, not the database: every connection in a process
 * needs the same one, and the sites' open, create, rekey and backup paths need not carry it.
 */
let nativeBinding: string | undefined;

/**
 * Makes every connection opened from now on load better-sqlite3's native binary from `file` (the
 * desktop app's Electron build); undefined goes back to npm's build. The binary is loaded here, so a
 * missing file or a build for another runtime is refused at start with a {@link StoreError} that says
 * what to do, rather than at the first open with a loader message.
 */
export function useNativeBinding(file: string | undefined): void {
  if (file === undefined) {
    nativeBinding = undefined;
    return;
  }
  // The same name better-sqlite3 will load: it adds `.node` when the path lacks it.
  const resolved = path.resolve(file).replace(/(\.node)?$/, '.node');
  const refuse = (problem: string) => new StoreError('DB_NATIVE_BINDING', `${problem} ${bindingAdvice()}`);
  if (!fs.existsSync(resolved)) throw refuse(`SQLite's native module ${resolved} is missing.`);
  let addon: unknown;
  try {
    addon = createRequire(import.meta.url)(resolved);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw refuse(`SQLite's native module ${resolved} cannot be loaded (${reason}).`);
  }
  // Any other native module loads just as well; without this check it would fail at the first open.
  const api = addon as { Database?: unknown; setErrorConstructor?: unknown } | null;
  if (typeof api?.Database !== 'function' || typeof api.setErrorConstructor !== 'function') {
    throw refuse(`${resolved} is not better-sqlite3's native module (better_sqlite3.node).`);
  }
  nativeBinding = resolved;
}

/** What a refused native binding needs, for the runtime at hand. */
function bindingAdvice(): string {
  const abi = `NODE_MODULE_VERSION ${process.versions.modules}`;
  if (process.versions.electron) {
    return (
      `It must be better-sqlite3-multiple-ciphers built for Electron ${process.versions.electron} (${abi}): ` +
      'reinstall Lintel; running from source, `npm run build:electron-sqlite` builds it.'
    );
  }
  return (
    `It must be better-sqlite3-multiple-ciphers built for Node.js ${process.versions.node} (${abi}): ` +
    '`npm rebuild better-sqlite3-multiple-ciphers` builds it in node_modules.'
  );
}

/** Sets {@link PAGE_SIZE} on a connection to a file that has no pages yet (a no-op on any other). */
function sizeNewPages(db: Db): void {
  if (db.pragma('page_count', { simple: true }) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
}

/** How a connection is tuned once the key is known to be right. */
export const PRAGMAS = {
  // Acknowledged means on disk: WAL with an fsync at every commit.
  synchronous: 'FULL',
  // Decrypted pages stay cached; 64 MiB holds a 100,000-user site whole.
  cache_size: -65536,
  // A bigger WAL re-encrypts each page less often at checkpoint (sqlite3mc decrypts and re-encrypts
  // WAL frames as it copies them into the database).
  wal_autocheckpoint: 4000,
  // Temporary tables and sort spills stay in memory, never in a plaintext temp file.
  temp_store: 'MEMORY',
  busy_timeout: 5000,
  foreign_keys: 'ON',
  trusted_schema: 'OFF',
} as const;

/** Keys the connection with a raw 256-bit key (the x'…' form skips sqlite3mc's passphrase KDF). */
function applyKey(db: Db, key: Buffer): void {
  if (key.length !== 32) throw new RangeError('database key must be 32 bytes');
  db.pragma(`cipher='${PAGE_CIPHER}'`);
  db.pragma(`key="x'${key.toString('hex')}'"`);
}

/**
 * Opens an encrypted database file and proves the key by reading the schema, before anything can
 * write: a wrong key or a damaged first page leaves the file byte-for-byte as it was.
 */
export function openEncrypted(
  file: string,
  key: Buffer,
  opts: { readonly?: boolean; create?: boolean } = {},
): Db {
  let db: Db;
  try {
    db = new Database(file, {
      readonly: opts.readonly ?? false,
      fileMustExist: !opts.create,
      nativeBinding,
    });
  } catch (err) {
    throw new StoreError('DB_MISSING', `database ${file} cannot be opened: ${(err as Error).message}`);
  }
  try {
    applyKey(db, key);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    if (opts.create && !opts.readonly) sizeNewPages(db);
    return db;
  } catch (err) {
    db.close();
    const code = sqliteCode(err);
    if (code === 'SQLITE_NOTADB') {
      throw new StoreError('DB_UNREADABLE', `database ${file} does not decrypt with this site's key`);
    }
    if (code === 'SQLITE_CORRUPT') {
      throw new StoreError(
        'DB_CORRUPT',
        `database ${file} is damaged or truncated (${(err as Error).message})`,
      );
    }
    throw err;
  }
}

/** Opens a database without encryption: only for the benchmark baseline and tests that compare. */
export function openPlain(file: string): Db {
  const db = new Database(file, { nativeBinding });
  sizeNewPages(db);
  return db;
}

const WRITER_ONLY = new Set(['synchronous', 'wal_autocheckpoint']);

/** Puts a keyed connection in WAL mode and applies {@link PRAGMAS} (a reader gets only the read-side ones). */
export function tune(db: Db, readonly = false): void {
  if (!readonly) db.pragma('journal_mode = WAL');
  for (const [name, value] of Object.entries(PRAGMAS)) {
    if (!readonly || !WRITER_ONLY.has(name)) db.pragma(`${name} = ${value}`);
  }
}

/** Runs SQLite's integrity checks; returns the problems found (empty when all is well). */
export function integrityProblems(db: Db, quick = false): string[] {
  const problems: string[] = [];
  try {
    const rows = db.pragma(quick ? 'quick_check' : 'integrity_check') as { [k: string]: string }[];
    for (const row of rows) {
      const msg = Object.values(row)[0];
      if (msg !== 'ok' && msg) problems.push(msg);
    }
    if (!quick) {
      const fk = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      for (const r of fk)
        problems.push(`foreign key: ${r.table} row ${r.rowid} points to a missing ${r.parent}`);
    }
  } catch (err) {
    problems.push(`the check could not finish: ${(err as Error).message}`);
  }
  return problems;
}
