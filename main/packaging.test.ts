import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

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

  it('unpacks native modules and rebuilds them for Electron', () => {
    expect(yml).toMatch(/^asarUnpack:\n {2}- '\*\*\/\*\.node'$/m);
    expect(yml).toMatch(/^npmRebuild: true$/m);
    expect(yml).toMatch(/^productName: Lintel$/m);
  });

  it('points at icons that exist', () => {
    for (const [, rel] of yml.matchAll(/^ {2}icon: (\S+)/gm)) {
      expect(fs.existsSync(path.join(repo, rel!)), rel).toBe(true);
    }
  });
});
