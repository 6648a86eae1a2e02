import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyFileSource } from '../../app/keys/key-file.js';
import { createSite } from '../../app/site/create-site.js';
import { openSite } from '../../app/site/open-site.js';
import type { OpenSite } from '../../app/site/site.js';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared test vectors (../shared/vectors beside the checkout). */
export const vectorsDir = path.resolve(repoRoot, '..', 'shared', 'vectors');

/** Reads a shared vector file as JSON. */
export function readVectors<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(vectorsDir, name), 'utf8')) as T;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'lintel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A site folder and a key file outside it, in a fresh temporary folder. */
export interface TempSite {
  root: string;
  dataDir: string;
  keyFile: string;
  source: KeyFileSource;
}

/** Creates a site with a key file; returns where everything is. */
export async function makeSite(name = 'Test site'): Promise<TempSite> {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const keyFile = path.join(root, 'keys', 'site.key');
  const source = new KeyFileSource(keyFile);
  await createSite({ dataDir, source, siteName: name, timeZone: 'Europe/Madrid', now: () => new Date() });
  return { root, dataDir, keyFile, source };
}

/** Opens a temp site for writing. */
export function openTemp(t: TempSite, opts: { readonly?: boolean } = {}): Promise<OpenSite> {
  return openSite({ dataDir: t.dataDir, source: new KeyFileSource(t.keyFile), purpose: 'test', ...opts });
}

/** SHA-256 of a file, to prove a refused operation left it untouched. */
export function fileHash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
