// `npm run bench`: runs every benchmark, prints one JSON object per result and writes them all to
// bench/results/latest.json. Results are ratios against a baseline measured in the same run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './bench-result.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort();
const all: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(path.join(here, file))) as { run: () => Promise<BenchResult[]> };
  for (const result of await mod.run()) {
    console.log(JSON.stringify(result));
    all.push(result);
  }
}
const out = path.join(here, 'results', 'latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results: all }, null, 2)}\n`,
);
const missed = [
  ...all
    .filter((r) => r.target !== undefined && r.ratio !== undefined && r.ratio < r.target)
    .map((r) => `${r.name} ${r.ratio} < ${r.target}`),
  ...all
    .filter((r) => r.limit !== undefined && r.value > r.limit)
    .map((r) => `${r.name} ${r.value} > ${r.limit}`),
  ...all
    .filter((r) => r.floor !== undefined && r.value < r.floor)
    .map((r) => `${r.name} ${r.value} < ${r.floor}`),
];
console.error(missed.length ? `missed: ${missed.join(', ')}` : 'all targets met');
