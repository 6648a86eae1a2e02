import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../app/server/security-headers.js';
import { appResponseHeaders, contentTypeOf, resolveAppPath } from './app-path.js';

let tmp: string;
let root: string;

const isFile = (file: string) => {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};
const get = (url: string, method = 'GET') => resolveAppPath(root, url, method, isFile);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-app-path-'));
  root = path.join(tmp, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), '');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.css'), '');
  fs.writeFileSync(path.join(root, 'assets', 'with space.svg'), '');
  fs.writeFileSync(path.join(root, '.secret'), '');
  // A file beside the console folder, with a name sharing its prefix: the classic containment bug.
  fs.mkdirSync(path.join(tmp, 'renderer-private'));
  fs.writeFileSync(path.join(tmp, 'renderer-private', 'key.txt'), 'secret');
  fs.writeFileSync(path.join(tmp, 'outside.txt'), 'secret');
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('resolveAppPath', () => {
  it('serves the console files with their content types', () => {
    expect(get('app://lintel/')).toEqual({
      kind: 'file',
      file: path.join(root, 'index.html'),
      contentType: 'text/html; charset=utf-8',
    });
    expect(get('app://lintel/index.html')).toMatchObject({
      kind: 'file',
      file: path.join(root, 'index.html'),
    });
    expect(get('app://lintel/assets/index-abc.js')).toMatchObject({
      kind: 'file',
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(get('app://lintel/assets/index-abc.css?v=1#x')).toMatchObject({ kind: 'file' });
    expect(get('app://lintel/assets/with%20space.svg')).toMatchObject({
      kind: 'file',
      file: path.join(root, 'assets', 'with space.svg'),
      contentType: 'image/svg+xml',
    });
    expect(get('app://lintel/', 'HEAD')).toMatchObject({ kind: 'file' });
  });

  it('answers console routes with index.html, but a missing asset with 404', () => {
    expect(get('app://lintel/doors/12')).toMatchObject({ kind: 'file', file: path.join(root, 'index.html') });
    expect(get('app://lintel/assets/missing.js')).toEqual({
      kind: 'refused',
      status: 404,
      reason: 'no such file',
    });
  });

  it('refuses every way out of the console folder', () => {
    for (const url of [
      'app://lintel/..%2foutside.txt',
      'app://lintel/..%2Foutside.txt',
      'app://lintel/assets/%2e%2e%2f%2e%2e%2foutside.txt',
      'app://lintel/..%5coutside.txt',
      'app://lintel/%2e%2e%5c%2e%2e%5coutside.txt',
      'app://lintel/%2Fetc%2Fpasswd',
      'app://lintel/C:%5CWindows%5Cwin.ini',
      'app://lintel/index.html%00.js',
      'app://lintel/.secret',
      'app://lintel/%E0%A4%A',
    ]) {
      const r = get(url);
      expect(r.kind, url).toBe('refused');
      if (r.kind === 'refused') expect(r.status, url).toBe(403);
    }
    // Dot segments the URL parser resolves itself (also %2e%2e) stay inside: they only reach the root.
    expect(get('app://lintel/../../outside.txt')).toMatchObject({ kind: 'refused', status: 404 });
    expect(get('app://lintel/%2e%2e/outside.txt')).toMatchObject({ kind: 'refused', status: 404 });
    expect(get('app://lintel/../renderer-private/key.txt')).toMatchObject({ kind: 'refused', status: 404 });
  });

  it('serves only GET and HEAD on the app host', () => {
    expect(get('app://lintel/', 'POST')).toMatchObject({ kind: 'refused', status: 405 });
    expect(get('app://other/index.html')).toMatchObject({ kind: 'refused', status: 404 });
    expect(get('app://lintel:99/index.html')).toMatchObject({ kind: 'refused', status: 404 });
    expect(get('https://lintel/index.html')).toMatchObject({ kind: 'refused', status: 404 });
    expect(get('not a url')).toMatchObject({ kind: 'refused', status: 400 });
  });
});

describe('app protocol headers', () => {
  it('carry the console CSP on every response', () => {
    const h = appResponseHeaders('text/plain; charset=utf-8');
    expect(h['Content-Security-Policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/default-src 'none'/);
    expect(CONSOLE_CSP).toMatch(/script-src 'self'/);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
  });

  it('type unknown files as opaque bytes', () => {
    expect(contentTypeOf('a.WOFF2')).toBe('font/woff2');
    expect(contentTypeOf('a.exe')).toBe('application/octet-stream');
    expect(contentTypeOf('noext')).toBe('application/octet-stream');
  });
});
