import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/temp-site.js';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  allowScripts: Record<string, boolean>;
  dependencies: Record<string, string>;
};
const require = createRequire(path.join(repoRoot, 'package.json'));

describe('dependency install scripts', () => {
  it('approves exactly the native modules Lintel uses, and denies the rest explicitly', () => {
    const approved = Object.entries(pkg.allowScripts)
      .filter(([, ok]) => ok)
      .map(([name]) => name)
      .sort();
    expect(approved).toEqual([
      '@serialport/bindings-cpp',
      'argon2',
      'better-sqlite3-multiple-ciphers',
      'node-hid',
    ]);
    expect(pkg.allowScripts.electron).toBe(false); // its install downloads a binary: no internet here
  });

  it('pins better-sqlite3-multiple-ciphers to 12.x (13.x needs Node 22)', () => {
    expect(pkg.dependencies['better-sqlite3-multiple-ciphers']).toMatch(/^[~^]?12\./);
    const installed = JSON.parse(
      fs.readFileSync(require.resolve('better-sqlite3-multiple-ciphers/package.json'), 'utf8'),
    ) as { version: string };
    expect(installed.version).toMatch(/^12\./);
  });

  it('built every approved native module for this Node', async () => {
    const Database = (await import('better-sqlite3-multiple-ciphers')).default;
    const db = new Database(':memory:');
    expect(db.prepare('SELECT sqlite3mc_version() AS v').get()).toMatchObject({
      v: expect.stringMatching(/SQLite3 Multiple Ciphers/),
    });
    db.close();
    const argon2 = await import('argon2');
    expect(await argon2.default.hash('x', { memoryCost: 8192, timeCost: 1, parallelism: 1 })).toMatch(
      /^\$argon2id\$/,
    );
    // node-hid and @serialport/bindings-cpp are exercised through native/ (native/*.test.ts).
  });
});
