import path from 'node:path';
import { CONSOLE_CSP } from '../app/server/security-headers.js';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

/** What a request to the app protocol resolves to. */
export type AppPathResult =
  | { kind: 'file'; file: string; contentType: string }
  | { kind: 'refused'; status: 400 | 403 | 404 | 405; reason: string };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

/** The Content-Type of a file by its extension; unknown types are served as opaque bytes. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Headers on every app-protocol response, errors included: the console's CSP (the same one `lintel
 * serve` sends), no MIME sniffing, no referrer, and no caching of index.html so an update shows at once.
 */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

/**
 * Decodes one path segment, refusing what could climb out of the folder or mean something else to the
 * file system: dot segments and dotfiles, encoded separators (`%2F`, `%5C`), NUL, and Windows drive
 * or stream syntax (`C:`, `file:stream`).
 */
function decodeSegment(raw: string): string | undefined {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (s.startsWith('.')) return undefined;
  if (/[/\\\0:]/.test(s)) return undefined;
  return s;
}

/**
 * Maps an app-protocol request to a file under `root`. Only GET and HEAD on the app host are served.
 * A path that is not a file and has no extension is a route of the single-page console and gets
 * index.html (as `lintel serve` does); a missing asset is a 404. Containment is checked again after
 * joining, so no input can name a file outside `root`.
 */
export function resolveAppPath(
  root: string,
  requestUrl: string,
  method: string,
  isFile: (file: string) => boolean,
): AppPathResult {
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'refused', status: 405, reason: 'method' };
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'refused', status: 400, reason: 'unparseable url' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname.toLowerCase() !== APP_HOST || url.port !== '') {
    return { kind: 'refused', status: 404, reason: 'not the app host' };
  }
  const segments: string[] = [];
  for (const raw of url.pathname.split('/')) {
    if (raw === '') continue;
    const seg = decodeSegment(raw);
    if (seg === undefined) return { kind: 'refused', status: 403, reason: 'path segment refused' };
    segments.push(seg);
  }
  const base = path.resolve(root);
  const inside = (file: string) => {
    const rel = path.relative(base, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  const index = path.join(base, 'index.html');
  const candidate = segments.length === 0 ? index : path.join(base, ...segments);
  if (!inside(candidate)) return { kind: 'refused', status: 403, reason: 'outside the console folder' };
  if (isFile(candidate)) return { kind: 'file', file: candidate, contentType: contentTypeOf(candidate) };
  const last = segments.at(-1) ?? '';
  if (path.extname(last) === '' && isFile(index)) {
    return { kind: 'file', file: index, contentType: contentTypeOf(index) };
  }
  return { kind: 'refused', status: 404, reason: 'no such file' };
}
