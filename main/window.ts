import { app, BrowserWindow, type Session } from 'electron';
import type { Log } from '../app/log.js';
import { APP_ENTRY_URL, isAllowedRequest, isAppUrl, loggableOrigin } from './app-origin.js';
import { secureWebPreferences } from './window-policy.js';

/**
 * Applies the navigation rules to every webContents the app ever creates (windows, devtools, anything
 * a later feature adds): no navigation or redirect away from the app origin, no new windows, no
 * webviews. Registered before any window exists, so nothing escapes it.
 */
export function hardenWebContents(log: Log): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-frame-navigate', (e) => {
      if (isAppUrl(e.url)) return;
      e.preventDefault();
      log.warn({ to: loggableOrigin(e.url) }, 'window: navigation away from the console refused');
    });
    contents.on('will-redirect', (e) => {
      if (isAppUrl(e.url)) return;
      e.preventDefault();
      log.warn({ to: loggableOrigin(e.url) }, 'window: redirect away from the console refused');
    });
    contents.setWindowOpenHandler(({ url }) => {
      log.warn({ to: loggableOrigin(url) }, 'window: window.open refused');
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (e) => {
      e.preventDefault();
      log.warn('window: webview refused');
    });
  });
}

/**
 * Locks down a session: every permission request and check is refused (camera, notifications, HID,
 * serial…: the console needs none; hardware goes through the Service), requests leave only for the app
 * origin, downloads are refused, and the spellchecker (which downloads dictionaries) is off.
 */
export function hardenSession(session: Session, log: Log, opts: { devTools: boolean }): void {
  session.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn({ permission }, 'window: permission request refused');
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, opts);
    if (!allowed)
      log.warn({ to: loggableOrigin(details.url) }, 'window: request to remote content cancelled');
    callback({ cancel: !allowed });
  });
  session.on('will-download', (e) => e.preventDefault());
  session.setSpellCheckerEnabled(false);
}

/**
 * Opens the console window. It stays hidden until the first paint, so the operator never sees a white
 * flash, and it loads only the app origin.
 */
export async function createMainWindow(opts: {
  preload: string;
  devTools: boolean;
  log: Log;
}): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    title: 'Lintel',
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    show: false,
    backgroundColor: '#f5f7fa',
    webPreferences: secureWebPreferences(opts.preload, opts.devTools),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('render-process-gone', (_e, details) =>
    opts.log.error({ reason: details.reason, exitCode: details.exitCode }, 'window: renderer process gone'),
  );
  win.webContents.on('preload-error', (_e, _path, error) =>
    opts.log.error({ err: error }, 'window: preload failed'),
  );
  await win.loadURL(APP_ENTRY_URL);
  return win;
}
