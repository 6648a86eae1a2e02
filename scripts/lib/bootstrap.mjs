// Shared by `npm start` and `npm test`: make a fresh clone ready with nothing but Node and npm.
// Only Node built-ins here: this runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Prints a step heading. */
export function step(text) {
  process.stdout.write(`\n== ${text}\n`);
}

/** Runs a command in the repository, inheriting the terminal; exits the script if it fails. */
export function run(cmd, args, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...opts,
  });
  if (r.status !== 0) {
    process.stderr.write(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}).\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`   (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

/** Refuses a Node.js the native modules are not built for. */
export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19) || major > 22) {
    process.stderr.write(
      `Lintel needs Node.js 20.19+ or 22 (found ${process.versions.node}): better-sqlite3-multiple-ciphers 12 is built for them.\n`,
    );
    process.exit(1);
  }
}

function missingDebianPackages(names) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/**
 * Installs the Debian packages the tests use (Chromium for the browser tests, socat for serial
 * pty pairs, libusb and udev for node-hid and serialport, OpenLDAP's slapd for the directory tests)
 * when running as root on Debian; otherwise says exactly what is missing. slapd's package would start a
 * system-wide server where it can; the tests never use it (each starts its own on a loopback port).
 */
export function ensureSystemPackages(names) {
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/dpkg-query')) return;
  const missing = missingDebianPackages(names);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `Missing system packages: ${missing.join(' ')}. Install them with:\n  sudo apt-get install -y ${missing.join(' ')}\n` +
        'Tests that need them will fail and say so.\n',
    );
    return;
  }
  step(`Installing system packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * Installs npm dependencies when node_modules is missing or older than the lockfile. `npm ci` runs the
 * approved native builds (package.json allowScripts) and the prepare script, which builds Lintel.
 */
export function ensureDependencies() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const stale = !fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(lock).mtimeMs;
  if (!stale) return false;
  step(
    'Installing dependencies (npm ci; the native modules compile from source where no prebuilt binary fits)',
  );
  run('npm', ['ci', '--no-audit', '--no-fund']);
  return true;
}

/** Builds the Service (tsc) and the console (vite). */
export function build() {
  step('Building (tsc + vite)');
  run('npm', ['run', '--silent', 'build']);
}

/** Whether an Electron binary is installed (its download needs internet, so often it is not). */
export function electronBinary() {
  const pathFile = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!fs.existsSync(pathFile)) return undefined;
  const bin = path.join(root, 'node_modules', 'electron', 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(bin) ? bin : undefined;
}

/** Whether a graphical display is available for a window. */
export function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** The output of a command, or undefined. */
export function capture(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}
