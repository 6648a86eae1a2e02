#!/usr/bin/env node
// The `lintel` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (run by `npm install` through the prepare script, and by `npm start` / `npm test`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/app/cli/run.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('lintel: not built yet: run `npm run build` in the Lintel folder first.\n');
  process.exit(1);
}
await import(entry.href);
