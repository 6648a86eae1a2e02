import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_SQLITE_BUILD } from '../../test/helpers/native-sqlite.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import type { StoreError } from './errors.js';
import { openEncrypted, useNativeBinding, type Db } from './sqlite.js';

// The desktop app hands the Service a separate Electron build of better-sqlite3 (docs/desktop.md,
// "Native modules"); here the Node.js build stands in for it, since it is the one this runtime loads.

const require = createRequire(import.meta.url);
const NODE_BUILD = NODE_SQLITE_BUILD;

afterEach(() => useNativeBinding(undefined));

/** Runs `attempt` and returns the StoreError it throws. */
function refusal(attempt: () => void): StoreError {
  try {
    attempt();
  } catch (err) {
    return err as StoreError;
  }
  throw new Error('expected a refusal');
}

/** The native Database class behind a connection: tells which binary serves it. */
function nativeClassOf(db: Db): unknown {
  const [inner] = Object.getOwnPropertySymbols(db).map(
    (sym) => (db as unknown as Record<symbol, object>)[sym],
  );
  return inner?.constructor;
}

/** The native Database class exported by the binary loaded from `file`. */
function nativeClassIn(file: string): unknown {
  return (require.cache[file]?.exports as { Database?: unknown } | undefined)?.Database;
}

/** Creates an encrypted database holding one row, and closes it. */
function createWithRow(file: string, key: Buffer): void {
  const db = openEncrypted(file, key, { create: true });
  db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')");
  db.close();
}

describe('a native binding given explicitly', () => {
  it('opens, writes and reopens an encrypted database with the Node.js build named by path', () => {
    useNativeBinding(NODE_BUILD);
    const file = path.join(tempDir(), 'given.db');
    const key = randomBytes(32);
    createWithRow(file, key);
    const db = openEncrypted(file, key, { readonly: true });
    expect(db.prepare('SELECT v FROM t').pluck().get()).toBe('kept');
    db.close();
    expect(refusal(() => openEncrypted(file, randomBytes(32))).code).toBe('DB_UNREADABLE');
  });

  it('is the binary that is loaded: a copy elsewhere is loaded from where it lies', () => {
    const copy = path.join(tempDir(), 'electron', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(NODE_BUILD, copy);
    useNativeBinding(copy.replace(/\.node$/, '')); // better-sqlite3 takes the name with or without .node
    const file = path.join(path.dirname(copy), 'copy.db');
    const key = randomBytes(32);
    createWithRow(file, key);
    const db = openEncrypted(file, key);
    expect(nativeClassIn(copy)).toBeTypeOf('function');
    expect(nativeClassOf(db)).toBe(nativeClassIn(copy));
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    db.close();

    useNativeBinding(undefined);
    const again = openEncrypted(file, key);
    expect(nativeClassOf(again)).not.toBe(nativeClassIn(copy));
    again.close();
  });

  it('refuses a missing file with what to do, and keeps the binding it had', () => {
    const copy = path.join(tempDir(), 'better_sqlite3.node');
    fs.copyFileSync(NODE_BUILD, copy);
    useNativeBinding(copy);
    const missing = path.join(tempDir(), 'native', 'electron', 'better_sqlite3.node');
    const err = refusal(() => useNativeBinding(missing));
    expect(err.name).toBe('StoreError');
    expect(err.code).toBe('DB_NATIVE_BINDING');
    expect(err.message).toContain(`${missing} is missing`);
    expect(err.message).toContain(`NODE_MODULE_VERSION ${process.versions.modules}`);
    expect(err.message).toContain('npm rebuild better-sqlite3-multiple-ciphers');
    const db = openEncrypted(path.join(tempDir(), 'still.db'), randomBytes(32), { create: true });
    expect(nativeClassOf(db)).toBe(nativeClassIn(copy));
    db.close();
  });

  it('refuses a file that is not a native module', () => {
    const bogus = path.join(tempDir(), 'better_sqlite3.node');
    fs.writeFileSync(bogus, 'not a shared library');
    const err = refusal(() => useNativeBinding(bogus));
    expect(err.code).toBe('DB_NATIVE_BINDING');
    expect(err.message).toMatch(/better_sqlite3\.node cannot be loaded \(.+\)\. It must be/);
  });

  it("refuses another module's binary (argon2's), which loads but is not SQLite", async () => {
    await import('argon2'); // loads its N-API binary, wherever node-gyp-build found it
    const argon2Binary = Object.keys(require.cache).find((k) => /argon2.*\.node$/.test(path.basename(k)));
    expect(argon2Binary).toBeDefined();
    const err = refusal(() => useNativeBinding(argon2Binary));
    expect(err.code).toBe('DB_NATIVE_BINDING');
    expect(err.message).toContain("is not better-sqlite3's native module");
  });
});
