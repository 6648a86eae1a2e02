// `npm run build:electron-sqlite`: compiles better-sqlite3-multiple-ciphers for Electron's ABI into a
// folder of its own (dist/electron-native/), which the desktop app loads through better-sqlite3's
// `nativeBinding` option (main/native-binding.ts) and electron-builder copies beside app.asar
// (extraResources). The Node.js build that npm put in node_modules is only read, never rebuilt: the
// tests, `lintel serve` and the gateway keep working after a local `npm run dist`.
//
// It needs Electron's headers, a download: it runs on the release workflow and on developer machines
// with internet, and fails here with a message saying so. Only Node built-ins and node-gyp are used.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE = 'better-sqlite3-multiple-ciphers';

/** Where the Electron build goes, relative to the repository (main/native-binding.ts reads it there). */
export const OUTPUT_DIR = path.join('dist', 'electron-native');
/** The binary's name, as better-sqlite3 builds it. */
export const BINARY = 'better_sqlite3.node';
/** What the binary was built for, beside it, so a stale build is noticed (`npm start`). */
export const STAMP = 'better_sqlite3.json';
/** Where Electron publishes its headers (node-gyp's --dist-url for Electron). */
export const DEFAULT_HEADERS_URL = 'https://electronjs.org/headers';

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** What a build is for: Electron's and the module's installed versions, and the machine. */
export function buildTarget() {
  const electronPkg = path.join(root, 'node_modules', 'electron', 'package.json');
  const modulePkg = path.join(root, 'node_modules', MODULE, 'package.json');
  for (const file of [electronPkg, modulePkg]) {
    if (!fs.existsSync(file))
      throw new Error(`${path.relative(root, file)} is missing: run \`npm ci\` first.`);
  }
  return {
    electron: readJson(electronPkg).version,
    [MODULE]: readJson(modulePkg).version,
    platform: process.platform,
    arch: process.arch,
  };
}

/** Whether dist/electron-native holds a build for exactly this target. */
export function isBuilt(target = buildTarget()) {
  const dir = path.join(root, OUTPUT_DIR);
  if (!fs.existsSync(path.join(dir, BINARY)) || !fs.existsSync(path.join(dir, STAMP))) return false;
  const stamp = readJson(path.join(dir, STAMP));
  return Object.entries(target).every(([k, v]) => stamp[k] === v);
}

/** Electron's headers where node-gyp keeps them, if an earlier build fetched them. */
function headersCached(devDir, electron) {
  return fs.existsSync(path.join(devDir, electron, 'include', 'node', 'node_version.h'));
}

/** Whether the headers' site answers; fails fast where there is no internet. */
async function reachable(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Builds; returns the path of the new binary or throws an Error whose message says what to do. */
export async function buildElectronSqlite({ headersUrl = DEFAULT_HEADERS_URL, log = console.log } = {}) {
  const target = buildTarget();
  const devDir = path.join(os.homedir(), '.cache', 'lintel-electron-gyp');
  const shasums = `${headersUrl}/v${target.electron}/SHASUMS256.txt`;
  if (!headersCached(devDir, target.electron) && !(await reachable(shasums))) {
    throw new Error(
      `Electron ${target.electron}'s headers cannot be downloaded (${shasums} did not answer). ` +
        `Compiling ${MODULE} for Electron needs them, so it needs internet: it runs on the release ` +
        'workflow (.github/workflows/release.yml) or on a machine with internet access. ' +
        `The Node.js build in node_modules was not touched.`,
    );
  }

  // A copy of the module's sources (not its build/) in a temporary folder: node-gyp writes its build/
  // there, so node_modules/<module>/build/Release/better_sqlite3.node stays the Node.js build.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-electron-sqlite-'));
  try {
    const src = path.join(root, 'node_modules', MODULE);
    const copy = path.join(work, MODULE);
    fs.cpSync(src, copy, { recursive: true, filter: (f) => path.relative(src, f) !== 'build' });
    const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    log(`Compiling ${MODULE} ${target[MODULE]} for Electron ${target.electron} (${target.arch})…`);
    const r = spawnSync(
      process.execPath,
      [
        gyp,
        'rebuild',
        '--release',
        `--target=${target.electron}`,
        `--arch=${target.arch}`,
        `--dist-url=${headersUrl}`,
        `--devdir=${devDir}`,
      ],
      { cwd: copy, stdio: 'inherit' },
    );
    if (r.status !== 0) {
      throw new Error(
        `node-gyp could not compile ${MODULE} for Electron ${target.electron} (exit ${r.status ?? r.signal}); ` +
          'it needs Python 3 and a C++20 compiler (see its output above). The Node.js build in node_modules was not touched.',
      );
    }
    const outDir = path.join(root, OUTPUT_DIR);
    fs.mkdirSync(outDir, { recursive: true });
    const out = path.join(outDir, BINARY);
    fs.copyFileSync(path.join(copy, 'build', 'Release', BINARY), out);
    fs.writeFileSync(path.join(outDir, STAMP), `${JSON.stringify(target, null, 2)}\n`);
    log(`Wrote ${path.relative(root, out)}.`);
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    // --if-stale (`npm run dist`): keep a build made for this very Electron, module and machine.
    if (process.argv.includes('--if-stale') && isBuilt()) {
      console.log(`${OUTPUT_DIR}/${BINARY} is up to date.`);
    } else {
      // LINTEL_ELECTRON_HEADERS_URL: a mirror of Electron's headers (tests point it nowhere).
      await buildElectronSqlite({ headersUrl: process.env.LINTEL_ELECTRON_HEADERS_URL || undefined });
    }
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
