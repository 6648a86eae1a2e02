import type { MenuItemConstructorOptions, WebPreferences } from 'electron';

/**
 * The console window's web preferences (Electron security checklist): the renderer is sandboxed and
 * isolated from the preload, has no Node.js, keeps the same-origin policy, and cannot embed webviews,
 * run insecure content, or fetch spellchecker dictionaries (a network download).
 */
export function secureWebPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    enableWebSQL: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    devTools,
  };
}

/** What the application menu's own items do; the rest are Electron roles. */
export interface MenuActions {
  about(): void;
  showSetupToken(): void;
}

/**
 * The application menu: the standard edit roles (without them, copy and paste shortcuts do nothing on
 * macOS), reload and zoom, the developer tools only in development, and Help with the setup token.
 */
export function menuTemplate(opts: {
  isMac: boolean;
  devTools: boolean;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const { isMac, devTools, actions } = opts;
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      { label: 'Show Setup Token…', click: () => actions.showSetupToken() },
      ...(isMac
        ? []
        : [{ type: 'separator' as const }, { label: 'About Lintel', click: () => actions.about() }]),
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      ...(devTools ? [{ role: 'forceReload' as const }, { role: 'toggleDevTools' as const }] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  return [
    ...(isMac
      ? [
          {
            label: 'Lintel',
            submenu: [
              { label: 'About Lintel', click: () => actions.about() },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    help,
  ];
}
