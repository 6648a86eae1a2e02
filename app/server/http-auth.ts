import type { IncomingMessage } from 'node:http';
import { CONSOLE_CLIENT_HEADER, CSRF_COOKIE, CSRF_HEADER } from '../contract/jsonrpc.js';
import { secretsEqual } from '../crypto/compare.js';
import type { Caller } from '../rpc/context.js';
import type { Service } from '../service/service.js';
import { csrfTokenFor } from '../service/sessions.js';
import { SESSION_COOKIE, cookie, parseCookies } from './cookies.js';

/** Who an HTTP request speaks for, and how it said so. */
export interface HttpAuth {
  caller?: Caller;
  /** The session token the caller presented (kept only for the life of the request or stream). */
  token?: string;
  via: 'bearer' | 'cookie' | 'none';
  /** A session cookie was sent but its session is gone: the response clears the cookies. */
  staleCookie: boolean;
  /** Set when a cookie-authenticated request lacks the matching CSRF header: it then counts as anonymous. */
  csrfFailure?: string;
  /** The live session behind the cookie (even one refused for CSRF), ended when the browser logs in again. */
  cookieSession?: Buffer;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{20,100})$/;

/**
 * Resolves a request's session: `Authorization: Bearer` for scripts (no CSRF exposure: browsers never
 * attach it on their own), else the HttpOnly session cookie, which must come with the signed
 * double-submit CSRF header.
 */
export function resolveHttpAuth(
  req: IncomingMessage,
  service: Service,
  opts: { requireCsrf: boolean; touch?: boolean },
): HttpAuth {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = BEARER.exec(header);
    const caller = m?.[1] ? service.authenticate(m[1], { touch: opts.touch }) : undefined;
    return caller && m?.[1]
      ? { caller, token: m[1], via: 'bearer', staleCookie: false }
      : { via: 'bearer', staleCookie: false };
  }
  const token = parseCookies(req).get(SESSION_COOKIE);
  if (!token) return { via: 'none', staleCookie: false };
  if (opts.requireCsrf) {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !secretsEqual(sent, csrfTokenFor(token))) {
      // Checked before the session is used, so a forged request does not even extend its idle time.
      const session = service.authenticate(token, { touch: false });
      if (!session) return { via: 'cookie', staleCookie: true };
      return {
        via: 'cookie',
        staleCookie: false,
        cookieSession: session.sessionHash,
        csrfFailure: `missing or wrong ${CSRF_HEADER} header: copy it from the ${CSRF_COOKIE} cookie`,
      };
    }
  }
  const caller = service.authenticate(token, { touch: opts.touch });
  if (!caller) return { via: 'cookie', staleCookie: true };
  return { caller, token, via: 'cookie', staleCookie: false, cookieSession: caller.sessionHash };
}

/** The Set-Cookie values that start a browser session. */
export function sessionCookies(token: string): string[] {
  return [
    cookie(SESSION_COOKIE, token, { httpOnly: true }),
    cookie(CSRF_COOKIE, csrfTokenFor(token), { httpOnly: false }),
  ];
}

/** The Set-Cookie values that end a browser session. */
export function clearedSessionCookies(): string[] {
  return [
    cookie(SESSION_COOKIE, '', { httpOnly: true, clear: true }),
    cookie(CSRF_COOKIE, '', { httpOnly: false, clear: true }),
  ];
}

/** Whether the caller is the console, which must not see its session token in response bodies. */
export function isConsoleClient(req: IncomingMessage): boolean {
  return req.headers[CONSOLE_CLIENT_HEADER] === 'console';
}

/**
 * Refuses requests another site's page made the browser send: an Origin other than our own, or a
 * Fetch Metadata header saying cross-site. Scripts (no Origin, no Sec-Fetch-Site) pass.
 */
export function crossSiteProblem(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `https://${req.headers.host}`)
    return `origin ${origin} is not this console`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request (${site})`;
  return undefined;
}
