import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../app/package-info.js';
import { renderApiMarkdown } from '../../app/rpc/api-markdown.js';
import { buildOpenRpc } from '../../app/rpc/openrpc.js';
import { repoRoot } from '../helpers/temp-site.js';

describe('docs/api.md', () => {
  it('is generated from the contract and up to date (npm run docs:api)', () => {
    const current = fs.readFileSync(path.join(repoRoot, 'docs', 'api.md'), 'utf8');
    expect(current).toBe(renderApiMarkdown(buildOpenRpc(packageVersion())));
  });

  it('documents every method with its params and access rule', () => {
    const doc = buildOpenRpc('x');
    const setup = doc.methods.find((m) => m.name === 'setup.createAdmin')!;
    expect(setup.params.map((p) => [p.name, p.required])).toEqual([
      ['token', false], // not needed from the desktop app's own window
      ['username', true],
      ['password', true],
      ['displayName', false],
      ['siteName', false],
      ['timeZone', false],
    ]);
    expect(doc.methods.find((m) => m.name === 'site.update')!['x-access']).toBe('permission settings:admin');
  });
});
