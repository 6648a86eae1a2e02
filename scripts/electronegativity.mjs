// `npm test` step: @doyensec/electronegativity (Electron misconfigurations and security anti-patterns)
// over the project's own sources, failing on any HIGH finding unless scripts/electronegativity.json
// accepts that check in that file, with the reason. Every finding is printed.
//
// The sources are scanned from a copy: electronegativity reads only .js/.jsx/.ts/.tsx/.html files, so
// the preload (main/preload.cts) and the .mjs/.cjs scripts are copied as .ts/.js to be read at all,
// and node_modules, dist/ and other ignored output stay out of the scan (git ls-files).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Extensions electronegativity reads as they are, and the ones it would skip, renamed. */
const READ = new Set(['.js', '.jsx', '.ts', '.tsx', '.html', '.htm']);
const RENAMED = { '.cjs': '.js', '.mjs': '.js', '.cts': '.ts', '.mts': '.ts' };

/** The project's files (tracked, or new and not ignored) that the scan reads, relative to `dir`. */
export function projectSources(dir = root) {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return out
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(dir, f)))
    .filter((f) => {
      const ext = path.extname(f);
      return READ.has(ext) || ext in RENAMED || path.basename(f) === 'package.json';
    });
}

/** Copies `files` from `from` into `to`, renaming the extensions electronegativity would skip. */
export function stage(files, from, to) {
  const names = new Map(); // staged relative name -> project relative name
  for (const rel of files) {
    const ext = path.extname(rel);
    const staged = ext in RENAMED ? rel.slice(0, -ext.length) + RENAMED[ext] : rel;
    fs.mkdirSync(path.dirname(path.join(to, staged)), { recursive: true });
    fs.copyFileSync(path.join(from, rel), path.join(to, staged));
    names.set(staged, rel);
  }
  return names;
}

/**
 * Runs electronegativity's scanner (its programmatic entry, without the CLI's banner and progress
 * bar) over `dir`; returns its findings as plain objects, and the files it could not parse.
 */
export async function scan(dir, { electronVersion, excludeChecks = [] }) {
  const run = require('@doyensec/electronegativity');
  const result = await run({
    input: dir,
    isRelative: true,
    electronVersionOverride: electronVersion,
    excludeFromScan: excludeChecks,
    parserPlugins: [],
  });
  return {
    findings: result.issues.map((i) => ({
      id: i.id,
      severity: i.severity.name,
      confidence: i.confidence.name,
      file: i.file,
      line: i.location.line,
      column: i.location.column,
      description: i.description,
      sample: typeof i.sample === 'string' ? i.sample : undefined,
    })),
    unparsed: result.errors.filter((e) => !e.tolerable).map((e) => ({ file: e.file, message: e.message })),
  };
}

/**
 * Splits HIGH findings into those the config accepts and those that fail the run; an accepted entry
 * that matches no finding is stale (the code changed: the entry must go, or it would hide a new one).
 */
export function judge(findings, accepted) {
  const high = findings.filter((f) => f.severity === 'HIGH');
  const matches = (a, f) => a.id === f.id && a.file === f.file;
  return {
    failing: high.filter((f) => !accepted.some((a) => matches(a, f))),
    accepted: high.filter((f) => accepted.some((a) => matches(a, f))),
    stale: accepted.filter((a) => !high.some((f) => matches(a, f))),
  };
}

/** Reads and checks scripts/electronegativity.json: every exception carries its reason. */
export function readConfig(file = path.join(root, 'scripts', 'electronegativity.json')) {
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const entry of [...config.excludedChecks, ...config.accepted]) {
    if (typeof entry.why !== 'string' || entry.why.length < 40) {
      throw new Error(`${path.basename(file)}: ${JSON.stringify(entry)} needs a "why" that explains it`);
    }
  }
  return config;
}

const line = (f) =>
  `${f.severity} (${f.confidence}) ${f.id} ${f.file}:${f.line}:${f.column}${f.sample ? `  ${f.sample}` : ''}\n    ${f.description}`;

async function main() {
  const config = readConfig();
  const electronVersion = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
  ).version;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-electronegativity-'));
  try {
    const names = stage(projectSources(), root, work);
    const { findings, unparsed } = await scan(work, {
      electronVersion,
      excludeChecks: config.excludedChecks.map((c) => c.check),
    });
    for (const f of findings) f.file = names.get(f.file) ?? f.file;
    for (const u of unparsed) u.file = names.get(path.relative(work, u.file)) ?? u.file;
    const verdict = judge(findings, config.accepted);

    console.log(
      `electronegativity: ${names.size} files, Electron ${electronVersion}, ${findings.length} findings`,
    );
    for (const f of findings.filter((x) => x.severity !== 'HIGH')) console.log(line(f));
    for (const f of verdict.accepted)
      console.log(`${line(f)}\n    accepted: see scripts/electronegativity.json`);
    const problems = [
      ...verdict.failing.map((f) => `${line(f)}\n    HIGH severity: fix it, or accept it with its reason`),
      ...verdict.stale.map(
        (a) => `accepted ${a.id} in ${a.file} no longer occurs: remove it from the config`,
      ),
      ...unparsed.map((u) => `${u.file} could not be parsed, so it was not checked: ${u.message}`),
    ];
    for (const p of problems) console.error(p);
    if (problems.length > 0) process.exit(1);
    console.log('electronegativity: no HIGH finding left unexplained.');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
