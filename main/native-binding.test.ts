import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { useNativeBinding } from '../app/store/sqlite.js';
import { repoRoot, tempDir } from '../test/helpers/temp-site.js';
import { electronSqliteBinding } from './native-binding.js';
import { NODE_SQLITE_BUILD } from '../test/helpers/native-sqlite.js';

interface BuildScript {
  OUTPUT_DIR: string;
  BINARY: string;
}

const buildScript = async () =>
  (await import(
    pathToFileURL(path.join(repoRoot, 'scripts', 'build-electron-sqlite.mjs')).href
  )) as BuildScript;

const NODE_BUILD = NODE_SQLITE_BUILD;

afterEach(() => useNativeBinding(undefined));

describe('electronSqliteBinding', () => {
  it('finds an installed build beside app.asar, outside the archive', () => {
    const resourcesPath = '/opt/Lintel/resources';
    const file = electronSqliteBinding({
      isPackaged: true,
      resourcesPath,
      appPath: path.join(resourcesPath, 'app.asar'),
    });
    expect(file).toBe(path.join(resourcesPath, 'electron-native', 'better_sqlite3.node'));
    expect(file.split(path.sep)).not.toContain('app.asar');
    expect(file.split(path.sep)).not.toContain('node_modules');
  });

  it('finds a checkout build where scripts/build-electron-sqlite.mjs writes it, not in node_modules', async () => {
    const { OUTPUT_DIR, BINARY } = await buildScript();
    const file = electronSqliteBinding({
      isPackaged: false,
      resourcesPath: '/usr/lib/electron',
      appPath: repoRoot,
    });
    expect(file).toBe(path.join(repoRoot, OUTPUT_DIR, BINARY));
    expect(path.relative(path.join(repoRoot, 'node_modules'), file).startsWith('..')).toBe(true);
  });

  it('is what useNativeBinding loads, and a missing build is refused with the command that makes it', () => {
    // The Node.js build stands in for the Electron one: only Node.js runs here.
    const appPath = tempDir();
    const dev = electronSqliteBinding({ isPackaged: false, resourcesPath: '/nowhere', appPath });
    fs.mkdirSync(path.dirname(dev), { recursive: true });
    fs.copyFileSync(NODE_BUILD, dev);
    expect(() => useNativeBinding(dev)).not.toThrow();

    const installed = electronSqliteBinding({ isPackaged: true, resourcesPath: tempDir(), appPath: '/x' });
    expect(() => useNativeBinding(installed)).toThrow(/electron-native.better_sqlite3\.node is missing/);
  });
});
