import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, safeStorage, session } from 'electron';
import { createLogger, type Log } from '../app/log.js';
import { packageVersion, rendererDir } from '../app/package-info.js';
import { socketHidDevices } from '../app/ncoder/hid-socket.js';
import { DEFAULT_LINK_PORT } from '../app/service/device-hub.js';
import { Service, type ServiceOptions } from '../app/service/service.js';
import { nodeHidDevices } from '../native/hid-device.js';
import { nodeSerialPorts } from '../native/serial-port.js';
import { systemClock, type OpenSite } from '../app/site/site.js';
import { useNativeBinding } from '../app/store/sqlite.js';
import { handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { desktopSitePaths } from './desktop-paths.js';
import { failStartup, showAbout, showNoSetupNeeded, showSetupToken } from './dialogs.js';
import { registerIpcTransport, type IpcTransport } from './ipc-transport.js';
import { developmentPassphrase, openDesktopSite } from './key-custody.js';
import { LockedHost, registerLockedHost } from './locked-host.js';
import { electronSqliteBinding } from './native-binding.js';
import { createMainWindow, hardenSession, hardenWebContents } from './window.js';
import { menuTemplate } from './window-policy.js';

// The Electron main process: a thin shell that hosts the Service (for now in this process; a later
// issue may move it to a utility process) and shows the console. Everything the console does goes
// through the same JSON-RPC dispatcher as `lintel serve`.

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, 'preload.cjs');

// These must run before the app is ready. Electron emits 'ready' once this entry module has been
// evaluated, so synchronous calls here are in time; a top-level await or dynamic import before them
// would not be.
registerAppScheme();
app.enableSandbox();
// One name everywhere: package.json says "lintel", the installers say "Lintel"; userData follows it.
app.setName('Lintel');
app.setPath('userData', path.join(app.getPath('appData'), 'Lintel'));

/** What is running once started. */
interface Running {
  site: OpenSite;
  service: Service;
  ipc: IpcTransport;
  dataDir: string;
  version: string;
}

let running: Running | undefined;
let mainWindow: BrowserWindow | undefined;
/** Set once start has opened the first window: 'activate' may open another only after that. */
let windowShown = false;
let shutDown = false;

function createLog(): Log {
  if (!app.isPackaged) return createLogger();
  // An installed app has no terminal: it logs to a file beside its data (0600: a log never holds a
  // secret, but it names operators and doors).
  const file = path.join(app.getPath('userData'), 'logs', 'lintel.log');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return createLogger({ destination: fs.createWriteStream(file, { flags: 'a', mode: 0o600 }) });
}

async function openWindow(log: Log): Promise<void> {
  mainWindow = await createMainWindow({ preload: PRELOAD, devTools: !app.isPackaged, log });
  mainWindow.on('closed', () => {
    mainWindow = undefined;
  });
}

/** Help › Show Setup Token…: a fresh token (the window itself needs none), or that setup is done. */
async function offerSetupToken(r: Running, log: Log): Promise<void> {
  try {
    const token = r.service.issueSetupToken();
    if (token) await showSetupToken(mainWindow, token, r.dataDir);
    else await showNoSetupNeeded(mainWindow);
  } catch (err) {
    // A dialog that fails must not take the console down with it.
    log.error({ err }, 'main: showing the setup token failed');
  }
}

async function start(log: Log): Promise<void> {
  // better-sqlite3 is not N-API: Electron loads its own build, never npm's Node.js one (docs/desktop.md).
  // Here, inside start(), so that a missing or wrong build reaches failStartup's dialog.
  useNativeBinding(
    electronSqliteBinding({
      isPackaged: app.isPackaged,
      resourcesPath: process.resourcesPath,
      appPath: app.getAppPath(),
    }),
  );
  const devTools = !app.isPackaged;
  const version = packageVersion();
  const { dataDir, keyFile } = desktopSitePaths({
    userData: app.getPath('userData'),
    isPackaged: app.isPackaged,
    env: process.env,
  });
  // Until the Service exists the main process answers the console itself: SITE_LOCKED while the site
  // waits for its passphrase, custody.unlock to give it (main/locked-host.ts). Registered before the
  // window, so the console's first call always finds a handler.
  const locked = new LockedHost(log);
  const lockedIpc = registerLockedHost(ipcMain, locked, log);

  hardenSession(session.defaultSession, log, { devTools });
  handleAppProtocol(session.defaultSession, rendererDir(), log);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        isMac: process.platform === 'darwin',
        devTools,
        actions: {
          about: () =>
            void showAbout(mainWindow, version).catch((err: unknown) =>
              log.error({ err }, 'main: about box failed'),
            ),
          // Before the site is open there is no Service to make a token.
          showSetupToken: () => {
            if (running) void offerSetupToken(running, log);
          },
        },
      }),
    ),
  );
  // The window first: when the keychain cannot hold the key, the console shows the unlock screen.
  await openWindow(log);
  windowShown = true;

  // The OS keychain holds the site key; a refusal (a changed desktop keyring, an unreadable blob) is a
  // KeyCustodyError whose message failStartup shows as it is. Without a usable keychain the passphrase
  // comes from the console (or LINTEL_PASSPHRASE when running from source).
  const fromSource = !app.isPackaged;
  const development = developmentPassphrase({ isPackaged: app.isPackaged, env: process.env });
  const { site, created, custody, migrated } = await locked.unlock((ask) =>
    openDesktopSite({
      dataDir,
      keyFile,
      keepKeyFile: fromSource && Boolean(process.env.LINTEL_DATA_DIR || process.env.LINTEL_KEY_FILE),
      safeStorage,
      platform: process.platform,
      askPassphrase: development ?? ask,
      log,
      now: systemClock,
    }),
  );
  let r: Running;
  let service: Service | undefined;
  try {
    // The keychain holds the site key, so the lintel command cannot export this site: the console does,
    // into a folder the operator can find (made, 0700, by the first export).
    const exportDir = path.join(app.getPath('documents'), 'Lintel exports');
    // The NCoder on USB; `LINTEL_NCODER_SOCKET` points at a `lintel sim ncoder` instead (demos, tests).
    const socket = process.env.LINTEL_NCODER_SOCKET;
    const hid = socket ? socketHidDevices(socket) : nodeHidDevices;
    const link = deviceLink(process.env.LINTEL_LINK_PORT);
    // The technician's PPD on its USB-serial cable.
    const s = new Service({
      site,
      log,
      version,
      exportDir,
      hid,
      serial: nodeSerialPorts,
      ...(link ? { link } : {}),
    });
    service = s;
    // Replaces the locked handlers in one synchronous step; the unlock call is answered after it.
    const ipc = lockedIpc.handOver(() => registerIpcTransport(s, log));
    r = { site, service: s, ipc, dataDir, version };
  } catch (err) {
    locked.fail(err);
    service?.close();
    site.close();
    throw err;
  }
  running = r;
  log.info({ dataDir, created, custody, migrated, version }, 'main: site open');
}

/**
 * The device link of the desktop app (small sites run the whole site on one PC): UDP 4750 on every
 * interface, as `lintel serve`; `LINTEL_LINK_PORT` picks another port (0: any free one) or `off`.
 */
function deviceLink(value: string | undefined): ServiceOptions['link'] {
  if (value === 'off') return undefined;
  const port = value === undefined || value === '' ? DEFAULT_LINK_PORT : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`LINTEL_LINK_PORT must be a UDP port or "off", not ${JSON.stringify(value)}`);
  return { port, host: '0.0.0.0' };
}

/** Logs every window out, stops the Service and closes the site (releasing its lock) before exit. */
async function stop(log: Log): Promise<void> {
  const r = running;
  running = undefined;
  if (!r) return;
  try {
    await r.ipc.dispose();
  } finally {
    await r.service.shutdown();
    r.site.close();
    log.info('main: site closed');
  }
}

if (!app.requestSingleInstanceLock()) {
  // Another Lintel holds the site; it is brought to the front by its 'second-instance' handler.
  app.quit();
} else {
  const log = createLog();
  hardenWebContents(log);

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    // macOS keeps an app running without windows; elsewhere closing the last window quits.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    // While the site is still locked too: the console asks again for the passphrase.
    if (windowShown && !shutDown && BrowserWindow.getAllWindows().length === 0)
      void openWindow(log).catch(failStartup);
  });

  app.on('will-quit', (event) => {
    if (shutDown) return;
    // Closing the site is asynchronous (window sessions are logged out first): hold the quit until done.
    event.preventDefault();
    shutDown = true;
    void stop(log)
      .catch((err: unknown) => log.error({ err }, 'main: shutdown failed'))
      .finally(() => app.quit());
  });

  app
    .whenReady()
    .then(() => start(log))
    .catch((err: unknown) => {
      log.error({ err }, 'main: start failed');
      void stop(log).finally(() => failStartup(err));
    });
}
