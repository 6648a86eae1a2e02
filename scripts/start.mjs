// `npm start`: the desktop app where Electron can run; otherwise the same console over HTTPS.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
import {
  askFirstRun,
  electronUserData,
  dataDirArg,
  firstRunChoice,
  splitDemoFlag,
} from './lib/first-run.mjs';

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

/** Runs a command with the terminal, stopping it on the signals that stop `npm start`. */
function spawnInherited(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return child;
}

/**
 * The demo site, always as `lintel demo` in this terminal, with or without Electron: the Electron
 * window hosts the Service in its own process and cannot host the simulated site's processes (gateway,
 * control units, readers, locks, NCoder, PPD, phone), so the demo's console opens in a browser at the
 * URL it prints. It keeps its own data folder; the site `npm start` opens is never touched.
 */
function startDemo(demoArgs) {
  step('Starting the demo site (lintel demo): open the console URL it prints; Ctrl-C stops it');
  spawnInherited(process.execPath, [path.join(root, 'bin', 'lintel.js'), 'demo', ...demoArgs]);
}

/** Whether a site (or what is left of one) is in `dataDir`, as open-site.ts looks for it. */
async function siteIn(dataDir) {
  const { sitePaths } = await import(pathToFileURL(path.join(root, 'dist', 'app', 'site', 'paths.js')).href);
  const files = sitePaths(dataDir);
  return fs.existsSync(files.keyring) || fs.existsSync(files.db);
}

/**
 * The data folder of the site `npm start` is about to open: the desktop app's (main/desktop-paths.ts)
 * or `lintel serve`'s default (or its --data-dir); LINTEL_DATA_DIR overrides both. Read from the build
 * so that the rules live in one place.
 */
async function siteDataDir(desktop, serveArgs) {
  if (desktop) {
    const { desktopSitePaths } = await import(
      pathToFileURL(path.join(root, 'dist', 'main', 'desktop-paths.js')).href
    );
    return desktopSitePaths({ userData: electronUserData(), isPackaged: false, env: process.env }).dataDir;
  }
  const { defaultDataDir } = await import(
    pathToFileURL(path.join(root, 'dist', 'app', 'site', 'paths.js')).href
  );
  const dir = dataDirArg(serveArgs);
  return dir ? path.resolve(dir) : defaultDataDir();
}

/**
 * On the first run at a terminal, whether to set up the site or try the demo. A folder that cannot be
 * worked out (a misplaced LINTEL_KEY_FILE, say) is left for the app itself to report, without asking.
 */
async function chooseFirstRun(allArgs, desktop, rest) {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  let dataDir;
  try {
    dataDir = await siteDataDir(desktop, rest);
  } catch {
    return 'site';
  }
  const choice = firstRunChoice({ args: allArgs, siteExists: await siteIn(dataDir), interactive });
  if (choice !== 'ask') return choice;
  const answer = await askFirstRun({ input: process.stdin, output: process.stdout, dataDir });
  if (answer === 'cancelled') process.exit(130);
  return answer;
}

const args = process.argv.slice(2);
const { demo, rest } = splitDemoFlag(args);
if (demo) {
  startDemo(rest); // before the Electron checks: the demo needs neither Electron nor its SQLite build
} else {
  const electron = electronBinary();
  const noElectronSqlite = electron && hasDisplay() ? await electronSqliteMissing() : undefined;
  const desktop = Boolean(electron && hasDisplay() && !noElectronSqlite);
  if ((await chooseFirstRun(args, desktop, rest)) === 'demo') {
    startDemo(rest);
  } else if (desktop) {
    step('Starting the Lintel desktop app (Electron)');
    spawnInherited(electron, ['.', ...rest]);
  } else {
    const why = !electron
      ? 'the Electron binary is not installed (its download needs internet: run `node node_modules/electron/install.js` where you have it)'
      : (noElectronSqlite ?? 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)');
    step(`Serving the console over HTTPS instead of opening a window: ${why}`);
    spawnInherited(process.execPath, [path.join(root, 'bin', 'lintel.js'), 'serve', ...rest]);
  }
}
