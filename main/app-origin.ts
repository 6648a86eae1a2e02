/**
 * The console's origin inside the desktop app and the checks built on it. Pure (no electron import), so
 * the rules run under vitest; the Electron wiring in window.ts, app-protocol.ts and ipc-transport.ts
 * only feeds them what Electron reports.
 */

/** The privileged scheme the console is served from (registered standard + secure before ready). */
export const APP_SCHEME = 'app';
/** The one host of that scheme; any other host answers 404. */
export const APP_HOST = 'lintel';
/** The console's origin, as Chromium serialises it for a standard scheme. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the main window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Whether a URL belongs to the console's origin. Node's URL parser gives non-special schemes an opaque
 * origin ("null"), so scheme and host are compared instead; credentials or a port never belong.
 */
export function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === `${APP_SCHEME}:` &&
    u.hostname.toLowerCase() === APP_HOST &&
    u.port === '' &&
    u.username === '' &&
    u.password === ''
  );
}

/** What the transport knows about the frame that sent an IPC message (Electron's WebFrameMain). */
export interface SenderFrame {
  url: string;
  /** The frame's serialised origin as Chromium computed it. */
  origin: string;
  /** Whether the frame is its window's top frame (an embedded frame never speaks for the console). */
  isTopFrame: boolean;
}

/**
 * Whether an IPC message comes from the console itself: the top frame, showing a page of the app
 * origin by both its URL and its Chromium origin. A missing frame (it navigated away or was destroyed
 * while the message was in flight) is not trusted.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  if (!frame) return false;
  return frame.isTopFrame && frame.origin === APP_ORIGIN && isAppUrl(frame.url);
}

/**
 * Whether the app's session may make a request at all: the console's own files, inline data (images
 * the CSP allows), and the developer tools when they are enabled. Everything else (http, https, ws,
 * file, ftp) is cancelled: the console shows no remote content.
 */
export function isAllowedRequest(url: string, opts: { devTools: boolean }): boolean {
  if (isAppUrl(url)) return true;
  if (url.startsWith('data:')) return true;
  return opts.devTools && (url.startsWith('devtools:') || url.startsWith('chrome-extension:'));
}

/** A URL reduced to what a log line may show: scheme and host, never its path or query. */
export function loggableOrigin(url: string): string {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : u.protocol;
  } catch {
    return '(unparseable url)';
  }
}
