import type { IncomingMessage } from 'node:http';

/** The session cookie: `__Host-` so it is Secure, host-only and path `/` by browser rule. */
export const SESSION_COOKIE = '__Host-lintel_session';

/** Parses the Cookie header; the first value of a repeated name wins. */
export function parseCookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.cookie;
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (out.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      // A malformed value is ignored like a missing cookie.
    }
  }
  return out;
}

/** A Set-Cookie value: always Secure, SameSite=Strict, path /; HttpOnly unless the console must read it. */
export function cookie(name: string, value: string, opts: { httpOnly: boolean; clear?: boolean }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'Secure', 'SameSite=Strict'];
  if (opts.httpOnly) parts.push('HttpOnly');
  if (opts.clear) parts.push('Max-Age=0');
  return parts.join('; ');
}
