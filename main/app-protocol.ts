import fs from 'node:fs';
import { protocol, type Session } from 'electron';
import type { Log } from '../app/log.js';
import { APP_SCHEME } from './app-origin.js';
import { appResponseHeaders, resolveAppPath } from './app-path.js';

/**
 * Registers the app scheme's privileges. Must run before the app is ready, and only once: a later call
 * replaces the earlier list. Standard gives the console a real origin (relative URLs, storage); secure
 * makes it a secure context; CORS and fetch support let Vite's module scripts load; no CSP bypass.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: {
        standard: true,
        secure: true,
        supportFetchAPI: true,
        corsEnabled: true,
        codeCache: true,
        bypassCSP: false,
        allowServiceWorkers: false,
        stream: false,
      },
    },
  ]);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the built console (dist/renderer, inside app.asar when packaged) on the app scheme of a
 * session. Every response, errors included, carries the console's CSP; nothing outside `root` is
 * reachable. Files are read whole: the console's assets are small and this keeps the handler simple.
 */
export function handleAppProtocol(session: Session, root: string, log: Log): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const resolved = resolveAppPath(root, request.url, request.method, isFile);
    if (resolved.kind === 'refused') {
      if (resolved.status === 403) log.warn({ reason: resolved.reason }, 'app-protocol: request refused');
      return new Response(resolved.status === 405 ? 'Method not allowed' : 'Not found', {
        status: resolved.status === 405 ? 405 : 404,
        headers: appResponseHeaders('text/plain; charset=utf-8'),
      });
    }
    try {
      const body = request.method === 'HEAD' ? null : await fs.promises.readFile(resolved.file);
      return new Response(body, { status: 200, headers: appResponseHeaders(resolved.contentType) });
    } catch (err) {
      log.error({ err }, 'app-protocol: reading a console file failed');
      return new Response('Internal error', {
        status: 500,
        headers: appResponseHeaders('text/plain; charset=utf-8'),
      });
    }
  });
}
