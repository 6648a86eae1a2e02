// `npm start`: the desktop app where Electron can run; otherwise the same console over HTTPS.
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  build,
  checkNode,
  electronBinary,
  ensureDependencies,
  hasDisplay,
  root,
  step,
} from './lib/bootstrap.mjs';
import { buildElectronSqlite, isBuilt } from './build-electron-sqlite.mjs';

checkNode();
const installed = ensureDependencies();
if (!installed) build(); // npm ci already built through the prepare script

/**
 * The desktop app loads its own Electron build of better-sqlite3 (docs/desktop.md, "Native modules");
 * returns why it cannot be had, or undefined once it is there.
 */
async function electronSqliteMissing() {
  if (isBuilt()) return undefined;
  step('Compiling SQLite for Electron (once per Electron version; needs internet for its headers)');
  try {
    await buildElectronSqlite();
    return undefined;
  } catch (err) {
    return `SQLite's Electron build is missing: ${err.message}`;
  }
}

const args = process.argv.slice(2);
const electron = electronBinary();
const noElectronSqlite = electron && hasDisplay() ? await electronSqliteMissing() : undefined;
let child;
if (electron && hasDisplay() && !noElectronSqlite) {
  step('Starting the Lintel desktop app (Electron)');
  child = spawn(electron, ['.', ...args], { cwd: root, stdio: 'inherit' });
} else {
  const why = !electron
    ? 'the Electron binary is not installed (its download needs internet: run `node node_modules/electron/install.js` where you have it)'
    : (noElectronSqlite ?? 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)');
  step(`Serving the console over HTTPS instead of opening a window: ${why}`);
  child = spawn(process.execPath, [path.join(root, 'bin', 'lintel.js'), 'serve', ...args], {
    cwd: root,
    stdio: 'inherit',
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
