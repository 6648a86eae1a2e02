import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11: every `lintel` process (the demo runs about fourteen) builds the whole command line, so
 * whatever app/cli/main.ts imports statically — directly or through the modules it imports — every
 * process loads, whatever command it runs. The heavy parts (the Service, the HTTPS server, SQLite,
 * argon2, the OSDP stack, the simulators) must stay behind the actions' dynamic `import()`s. This
 * walks the static import graph of main.ts in the sources and fails if one of them is reached.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Directories and files no static import of main.ts may reach. */
const FORBIDDEN_FILES = [
  'app/service/',
  'app/server/',
  'app/store/',
  'app/site/',
  'app/host/',
  'app/devices/',
  'app/osdp/',
  'app/control-unit/',
  'app/gateway/gateway.ts',
  'app/relay/relay-server.ts',
  'app/ncoder/',
  'app/desfire/',
  'app/mobile/',
  'app/lock/offline-lock.ts',
  'app/ppd/ppd-simulator.ts',
  'app/rf/air.ts',
];
/** Tiny modules under those directories that main.ts needs for its error handling. */
const ALLOWED_FILES = ['app/store/errors.ts'];
const FORBIDDEN_PACKAGES = ['argon2', 'better-sqlite3-multiple-ciphers', 'serialport', 'usb', 'node-hid'];

/**
 * The static imports and re-exports of a module's source: `import … from`, `export … from` and
 * `import 'x'`, but not `import type`/`export type` (erased) nor `import()` (loaded when called).
 */
function staticImports(source: string): string[] {
  const specs: string[] = [];
  const statement = /^(?:import|export)\s+(?!type\s)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) specs.push(m[1]!);
  return specs;
}

/** Every module main.ts loads before any action runs: repository paths and package names. */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(fs.readFileSync(path.join(root, file), 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        pending.push(target.replace(/\.js$/, '.ts'));
      } else if (!spec.startsWith('node:')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return { files, packages };
}

describe('the lintel command line loads lazily', () => {
  it('reads static imports, not type-only or dynamic ones', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import {\n  type C,\n  d,\n} from '../c.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "import 'side-effect';",
      "const g = await import('./g.js');",
    ].join('\n');
    expect(staticImports(source)).toEqual(['./a.js', '../c.js', './e.js', 'side-effect']);
  });

  it('main.ts reaches none of the heavy modules without running an action', () => {
    const { files, packages } = staticGraph('app/cli/main.ts');
    // The walk really follows the registration modules (a broken walk would pass vacuously).
    expect(files).toContain('app/cli/sim-commands.ts');
    expect(files).toContain('app/rf/air-options.ts');
    expect(packages).toContain('commander');
    const heavy = [...files].filter(
      (f) => !ALLOWED_FILES.includes(f) && FORBIDDEN_FILES.some((bad) => f.startsWith(bad)),
    );
    expect(heavy, 'import these in the action that needs them: (await import(…))').toEqual([]);
    expect([...packages].filter((p) => FORBIDDEN_PACKAGES.includes(p))).toEqual([]);
  });
});
