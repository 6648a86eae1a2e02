import { app, clipboard, dialog, type BrowserWindow } from 'electron';

/**
 * Shows the one-time setup token while no administrator exists, so the operator can create the first
 * one in the console. A stopgap until the first-run screen: the token is shown here and never logged.
 */
export async function showSetupToken(
  win: BrowserWindow | undefined,
  token: string,
  dataDir: string,
): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'Lintel: first administrator',
    message: 'Create the first administrator',
    detail:
      `Setup token: ${token}\n\n` +
      'Enter this token in the console to create the first administrator. It works once and for 24 hours; ' +
      'Help › Show Setup Token… makes a new one.\n\n' +
      `Site folder: ${dataDir}`,
    buttons: ['Copy Token', 'Close'],
    defaultId: 0,
    cancelId: 1,
    noLink: true,
  };
  const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
  if (response === 0) clipboard.writeText(token);
}

/** Tells the operator that an administrator exists, so no setup token is needed. */
export async function showNoSetupNeeded(win: BrowserWindow | undefined): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'Lintel',
    message: 'An administrator already exists',
    detail: 'Log in with an administrator account. Setup tokens are only for creating the first one.',
    buttons: ['OK'],
  };
  await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

/** The About box: version numbers help support, and nothing here is secret. */
export async function showAbout(win: BrowserWindow | undefined, version: string): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'About Lintel',
    message: `Lintel ${version}`,
    detail:
      'Electronic access control console.\n\n' +
      `Electron ${process.versions.electron ?? '?'} · Chromium ${process.versions.chrome ?? '?'} · Node.js ${process.versions.node}`,
    buttons: ['OK'],
  };
  await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

/** Reports a failure to start (a wrong key file, a site in use…) and exits: there is nothing to show. */
export function failStartup(err: unknown): void {
  // The messages of KeyCustodyError and StoreError are written for operators, so they are shown as-is.
  dialog.showErrorBox('Lintel cannot start', err instanceof Error ? err.message : String(err));
  app.exit(1);
}
