import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  ELECTRON_SQLITE_BINARY,
  ELECTRON_SQLITE_DEV_DIR,
  ELECTRON_SQLITE_PACKAGED_DIR,
} from './native-binding.js';

// Guards for the packaging inputs that cannot be exercised here (no Electron binary): the icons are
// what build/make-icons.mjs draws, the desktop entry is well-formed and matches electron-builder.yml,
// and the security settings of electron-builder.yml are still there.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel: string) => fs.readFileSync(path.join(repo, rel), 'utf8');

interface IconScript {
  SIZES: number[];
  renderIcon(size: number): Uint8Array;
  renderSvg(): string;
  decodePng(png: Buffer): { size: number; rgba: Uint8Array };
}

async function iconScript(): Promise<IconScript> {
  const url = pathToFileURL(path.join(repo, 'build', 'make-icons.mjs')).href;
  return (await import(url)) as IconScript;
}

describe('icons', () => {
  it('are the committed output of build/make-icons.mjs, small, for every size', async () => {
    const icons = await iconScript();
    expect(icons.SIZES).toEqual(expect.arrayContaining([16, 32, 48, 64, 128, 256, 512]));
    for (const size of icons.SIZES) {
      const file = path.join(repo, 'build', 'icons', `${size}x${size}.png`);
      const png = fs.readFileSync(file);
      expect(png.length, file).toBeLessThan(16 * 1024);
      const decoded = icons.decodePng(png);
      expect(decoded.size).toBe(size);
      expect(Buffer.from(decoded.rgba).equals(Buffer.from(icons.renderIcon(size))), file).toBe(true);
    }
    expect(read('build/icon.svg')).toBe(icons.renderSvg());
  });
});

function desktopEntry(text: string): Map<string, string> {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  expect(lines[0]).toBe('[Desktop Entry]');
  return new Map(
    lines.slice(1).map((l) => {
      const i = l.indexOf('=');
      return [l.slice(0, i), l.slice(i + 1)] as [string, string];
    }),
  );
}

describe('desktop entry', () => {
  const entry = desktopEntry(read('build/lintel.desktop'));

  it('has what a launcher needs', () => {
    expect(entry.get('Type')).toBe('Application');
    expect(entry.get('Name')).toBe('Lintel');
    expect(entry.get('Exec')).toMatch(/^lintel\b/);
    expect(entry.get('Icon')).toBe('lintel');
    expect(entry.get('Terminal')).toBe('false');
    expect(entry.get('Categories')).toMatch(/;$/);
  });

  it('matches the entries electron-builder.yml writes into the packages', () => {
    const yml = read('electron-builder.yml');
    for (const [key, value] of entry) {
      if (['Type', 'Version', 'Exec', 'Icon', 'Terminal'].includes(key)) continue; // set by electron-builder
      const quoted = value === 'true' || value === 'false' ? `'${value}'` : value;
      expect(yml, key).toContain(`      ${key}: ${quoted}\n`);
    }
  });
});

describe('electron-builder.yml', () => {
  const yml = read('electron-builder.yml');

  it('flips the security fuses', () => {
    for (const line of [
      'runAsNode: false',
      'enableNodeOptionsEnvironmentVariable: false',
      'enableNodeCliInspectArguments: false',
      'enableEmbeddedAsarIntegrityValidation: true',
      'onlyLoadAppFromAsar: true',
      'enableCookieEncryption: true',
    ]) {
      expect(yml).toMatch(new RegExp(`^  ${line}( |$)`, 'm'));
    }
  });

  it('unpacks native modules and leaves node_modules as npm built it', () => {
    expect(yml).toMatch(/^asarUnpack:\n {2}- '\*\*\/\*\.node'$/m);
    // A rebuild in place would overwrite the Node.js build of better-sqlite3 the tests and
    // `lintel serve` load; the N-API modules need none.
    expect(yml).toMatch(/^npmRebuild: false$/m);
    expect(yml).toMatch(/^productName: Lintel$/m);
  });

  it('points at icons that exist', () => {
    for (const [, rel] of yml.matchAll(/^ {2}icon: (\S+)/gm)) {
      expect(fs.existsSync(path.join(repo, rel!)), rel).toBe(true);
    }
  });
});

interface ElectronSqliteScript {
  OUTPUT_DIR: string;
  BINARY: string;
}

async function electronSqliteScript(): Promise<ElectronSqliteScript> {
  const url = pathToFileURL(path.join(repo, 'scripts', 'build-electron-sqlite.mjs')).href;
  return (await import(url)) as ElectronSqliteScript;
}

const slash = (p: string) => p.split(path.sep).join('/');

// The Electron build of better-sqlite3-multiple-ciphers: written by scripts/build-electron-sqlite.mjs,
// copied by electron-builder, found by main/native-binding.ts. Each names the same places.
describe('the Electron build of better-sqlite3', () => {
  const yml = read('electron-builder.yml');
  const workflow = read('.github/workflows/release.yml');
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it('is written where the app looks for it in a checkout', async () => {
    const script = await electronSqliteScript();
    expect(script.OUTPUT_DIR).toBe(ELECTRON_SQLITE_DEV_DIR);
    expect(script.BINARY).toBe(ELECTRON_SQLITE_BINARY);
  });

  it('is copied beside app.asar where the installed app looks for it, and not into the archive', () => {
    const m = /^extraResources:\n {2}- from: (\S+)\n {4}to: (\S+)$/m.exec(yml);
    expect(m, 'extraResources entry').not.toBeNull();
    expect(m![1]).toBe(slash(path.join(ELECTRON_SQLITE_DEV_DIR, ELECTRON_SQLITE_BINARY)));
    expect(m![2]).toBe(`${ELECTRON_SQLITE_PACKAGED_DIR}/${ELECTRON_SQLITE_BINARY}`);
    expect(yml).toContain(`  - '!${slash(ELECTRON_SQLITE_DEV_DIR)}/**'\n`);
    // npm's Node.js build cannot load in Electron: it stays out of the package.
    expect(yml).toContain(
      `  - '!**/node_modules/better-sqlite3-multiple-ciphers/build/Release/${ELECTRON_SQLITE_BINARY}'\n`,
    );
  });

  it('is built by the release workflow before packing, and checked in the package', () => {
    expect(pkg.scripts['build:electron-sqlite']).toBe('node scripts/build-electron-sqlite.mjs');
    expect(pkg.scripts.dist).toMatch(
      /^npm run build && node scripts\/build-electron-sqlite\.mjs --if-stale && electron-builder /,
    );
    const build = workflow.indexOf('run: npm run build:electron-sqlite');
    const dist = workflow.indexOf('run: npm run dist');
    expect(build).toBeGreaterThan(workflow.indexOf('run: npm ci'));
    expect(dist).toBeGreaterThan(build);
    expect(workflow).toContain(`-path '*/${ELECTRON_SQLITE_PACKAGED_DIR}/${ELECTRON_SQLITE_BINARY}'`);
  });

  it('is not built here: the script says why and leaves the Node.js build in node_modules alone', () => {
    const nodeBuild = path.join(repo, 'node_modules', 'better-sqlite3-multiple-ciphers', 'build', 'Release');
    const digest = () =>
      createHash('sha256')
        .update(fs.readFileSync(path.join(nodeBuild, ELECTRON_SQLITE_BINARY)))
        .digest('hex');
    const before = digest();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-home-')); // no cached Electron headers
    const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build-electron-sqlite.mjs')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        HOME: home,
        USERPROFILE: home,
        LINTEL_ELECTRON_HEADERS_URL: 'http://127.0.0.1:9/headers', // the discard port: nothing answers
      },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Electron [\d.]+'s headers cannot be downloaded .* needs internet/);
    expect(r.stderr).toContain('release workflow');
    expect(digest()).toBe(before);
  });
});
