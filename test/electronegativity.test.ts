import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './helpers/temp-site.js';

// scripts/electronegativity.mjs is the `npm test` step that fails on HIGH findings; these check that
// it reads the files it must (the preload is a .cts), that a real misconfiguration fails it, and that
// an accepted finding covers only its own check in its own file.

interface Finding {
  id: string;
  severity: string;
  file: string;
}
interface Accepted {
  id: string;
  file: string;
  why: string;
}
interface Script {
  projectSources(dir?: string): string[];
  stage(files: string[], from: string, to: string): Map<string, string>;
  scan(
    dir: string,
    opts: { electronVersion: string; excludeChecks?: string[] },
  ): Promise<{ findings: Finding[]; unparsed: { file: string }[] }>;
  judge(
    findings: Finding[],
    accepted: Accepted[],
  ): { failing: Finding[]; accepted: Finding[]; stale: Accepted[] };
  readConfig(file?: string): { excludedChecks: { check: string }[]; accepted: Accepted[] };
}

const script = async () =>
  (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'electronegativity.mjs')).href)) as Script;

describe('the electronegativity step', () => {
  it("scans the project's sources, the .cts preload included, and none of node_modules or dist", async () => {
    const files = (await script()).projectSources();
    expect(files).toContain('main/preload.cts');
    expect(files).toContain('main/window.ts');
    expect(files.some((f) => f.startsWith('node_modules/') || f.startsWith('dist/'))).toBe(false);
  });

  it('finds an insecure window in a .cts file once staged, under its own name', async () => {
    const s = await script();
    const project = tempDir();
    fs.mkdirSync(path.join(project, 'main'));
    fs.writeFileSync(
      path.join(project, 'main', 'bad.cts'),
      "const { BrowserWindow } = require('electron');\n" +
        'new BrowserWindow({ webPreferences: { contextIsolation: false, nodeIntegration: true } });\n',
    );
    const staged = tempDir();
    const names = s.stage(['main/bad.cts'], project, staged);
    expect(fs.existsSync(path.join(staged, 'main', 'bad.ts'))).toBe(true);
    const { excludedChecks } = s.readConfig();
    const { findings, unparsed } = await s.scan(staged, {
      electronVersion: '41.0.0',
      excludeChecks: excludedChecks.map((c) => c.check),
    });
    expect(unparsed).toEqual([]);
    const high = findings.filter((f) => f.severity === 'HIGH');
    const isolation = high.find((f) => f.id === 'CONTEXT_ISOLATION_JS_CHECK');
    expect(isolation && names.get(isolation.file)).toBe('main/bad.cts');
    expect(s.judge(high, []).failing).toEqual(high);
  }, 60_000);

  it('accepts a HIGH finding only for its check and file, and reports an acceptance nothing matches', async () => {
    const { judge } = await script();
    const why = 'x'.repeat(40);
    const findings: Finding[] = [
      { id: 'CONTEXT_ISOLATION_JS_CHECK', severity: 'HIGH', file: 'main/window.ts' },
      { id: 'CONTEXT_ISOLATION_JS_CHECK', severity: 'HIGH', file: 'main/other.ts' },
      { id: 'NODE_INTEGRATION_JS_CHECK', severity: 'HIGH', file: 'main/window.ts' },
      { id: 'SANDBOX_JS_CHECK', severity: 'MEDIUM', file: 'main/window.ts' },
    ];
    const accepted: Accepted[] = [
      { id: 'CONTEXT_ISOLATION_JS_CHECK', file: 'main/window.ts', why },
      { id: 'WEB_SECURITY_JS_CHECK', file: 'main/window.ts', why },
    ];
    const v = judge(findings, accepted);
    expect(v.accepted).toEqual([findings[0]]);
    expect(v.failing).toEqual([findings[1], findings[2]]);
    expect(v.stale).toEqual([accepted[1]]);
  });

  it('refuses a config exception without its reason', async () => {
    const { readConfig } = await script();
    const file = path.join(tempDir(), 'electronegativity.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ excludedChecks: [], accepted: [{ id: 'X', file: 'main/window.ts', why: 'fine' }] }),
    );
    expect(() => readConfig(file)).toThrow(/needs a "why"/);
    expect(readConfig().accepted.length).toBeGreaterThan(0);
  });
});
