import path from 'node:path';

// Where the desktop app finds its own build of better-sqlite3-multiple-ciphers. That module is not
// N-API: npm's build in node_modules is for Node.js (tests, `lintel serve`, the gateway) and cannot load
// in Electron, so scripts/build-electron-sqlite.mjs compiles a second one for Electron's ABI into a
// folder of its own, and electron-builder copies it beside app.asar (a shared library cannot be loaded
// from inside the archive). main/packaging.test.ts keeps these names, the script and
// electron-builder.yml in step. No Electron import: main.ts passes what Electron knows.

/** The binary's file name, as better-sqlite3 builds it. */
export const ELECTRON_SQLITE_BINARY = 'better_sqlite3.node';
/** Its folder in a checkout, written by `npm run build:electron-sqlite`. */
export const ELECTRON_SQLITE_DEV_DIR = path.join('dist', 'electron-native');
/** Its folder under the resources folder of an installed app (electron-builder's extraResources). */
export const ELECTRON_SQLITE_PACKAGED_DIR = 'electron-native';

/** What Electron tells about where the app runs from. */
export interface AppLocation {
  /** `app.isPackaged`. */
  isPackaged: boolean;
  /** `process.resourcesPath`: the folder holding app.asar when installed. */
  resourcesPath: string;
  /** `app.getAppPath()`: the folder of package.json when running from source. */
  appPath: string;
}

/** The Electron build of better-sqlite3 this app should load (see `useNativeBinding`). */
export function electronSqliteBinding(where: AppLocation): string {
  return where.isPackaged
    ? path.join(where.resourcesPath, ELECTRON_SQLITE_PACKAGED_DIR, ELECTRON_SQLITE_BINARY)
    : path.join(where.appPath, ELECTRON_SQLITE_DEV_DIR, ELECTRON_SQLITE_BINARY);
}
