import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { ErrorCode } from '../contract/errors.js';
import { DEFAULT_REQUEST_BYTES, requestLimitOf } from '../contract/index.js';
import type { Log } from '../log.js';
import type { CallContext } from '../rpc/context.js';
import { envelopeFailure } from '../rpc/envelope.js';
import type { Service } from '../service/service.js';
import { serveEventStream } from './event-stream.js';
import {
  clearedSessionCookies,
  crossSiteProblem,
  isConsoleClient,
  resolveHttpAuth,
  sessionCookies,
} from './http-auth.js';
import { BodyEncodingError, BodyTooLargeError, readBody } from './request-body.js';
import { setSecurityHeaders } from './security-headers.js';
import type { TlsMaterial } from './tls.js';

/** What `lintel serve` listens with. */
export interface HttpsServerOptions {
  service: Service;
  tls: TlsMaterial;
  host: string;
  port: number;
  /** The built renderer (dist/renderer); without it `/` explains how to build it. */
  staticDir?: string;
  log: Log;
  /** Largest request body accepted for a method without a limit of its own, in bytes. */
  maxBodyBytes?: number;
}

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** 1 MiB: far above any console request, small enough that refusing costs nothing. */
export const DEFAULT_MAX_BODY = DEFAULT_REQUEST_BYTES;

/**
 * How much of a request body to read. A method that takes more (a file upload) is named in the URL
 * (`/rpc?method=users.importCsv`) so a big body is read only for it, and only for a logged-in caller;
 * the dispatcher then checks that the body's method is the one that allows that size.
 */
function bodyLimit(req: IncomingMessage, loggedIn: boolean, fallback: number): number {
  if (!loggedIn) return fallback;
  const named = new URL(req.url ?? '/', 'https://lintel.invalid').searchParams.get('method');
  return Math.max(fallback, requestLimitOf(named));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(text);
}

function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

async function handleRpc(req: IncomingMessage, res: ServerResponse, opts: HttpsServerOptions): Promise<void> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type)) {
    sendJson(
      res,
      415,
      envelopeFailure(ErrorCode.INVALID_REQUEST, 'Invalid Request: send Content-Type: application/json'),
    );
    return;
  }
  const crossSite = crossSiteProblem(req);
  if (crossSite) {
    sendJson(
      res,
      403,
      envelopeFailure(ErrorCode.FORBIDDEN, `Forbidden: ${crossSite}`, { reason: 'cross-site' }),
    );
    return;
  }
  // A cookie without its CSRF header counts as no session at all: public methods (setup.status,
  // session.login) still answer, so a console whose CSRF cookie went missing can log in again.
  const auth = resolveHttpAuth(req, opts.service, { requireCsrf: true });
  const fallback = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let body: string;
  try {
    body = await readBody(req, bodyLimit(req, auth.caller !== undefined, fallback));
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      sendJson(res, 413, envelopeFailure(ErrorCode.INVALID_REQUEST, `Invalid Request: ${err.message}`));
      req.resume();
      return;
    }
    if (err instanceof BodyEncodingError) {
      sendJson(res, 400, envelopeFailure(ErrorCode.PARSE_ERROR, `Parse error: ${err.message}`));
      return;
    }
    throw err;
  }
  const size = Buffer.byteLength(body);
  let cookies: string[] | undefined = auth.staleCookie ? clearedSessionCookies() : undefined;
  const address = clientAddress(req);
  const ctx: CallContext = {
    ...(auth.caller ? { caller: auth.caller } : {}),
    ...(auth.csrfFailure ? { authProblem: auth.csrfFailure } : {}),
    source: `https ${address}`,
    address,
    revealToken: !isConsoleClient(req),
    ...(size > fallback ? { requestSize: size } : {}),
    sessionSink: {
      started: (token) => {
        // A new login from this browser replaces its old session rather than leaving it alive.
        if (auth.cookieSession) opts.service.sessions.end(auth.cookieSession);
        cookies = sessionCookies(token);
      },
      ended: () => {
        cookies = clearedSessionCookies();
      },
    },
  };
  const reply = await opts.service.dispatcher.handleText(body, ctx);
  if (cookies) res.setHeader('Set-Cookie', cookies);
  if (reply === undefined) {
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
    return;
  }
  res
    .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(reply);
}

function consoleMissing(res: ServerResponse): void {
  res
    .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
    .end('The console is not built. Run `npm run build` (npm start does it for you), then reload.\n');
}

/**
 * `lintel serve`: HTTPS only (TLS 1.2+), `POST /rpc` for JSON-RPC 2.0, `GET /events` for live events,
 * `GET /healthz`, and the built renderer at `/`. Security headers on every response.
 */
export async function startHttpsServer(opts: HttpsServerOptions): Promise<RunningServer> {
  const staticDir = opts.staticDir && fs.existsSync(opts.staticDir) ? opts.staticDir : undefined;
  const assets = staticDir
    ? sirv(staticDir, {
        single: true,
        dotfiles: false,
        etag: true,
        setHeaders: (res, pathname) => {
          res.setHeader(
            'Cache-Control',
            pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      })
    : undefined;
  const log = opts.log;

  const server = https.createServer(
    {
      cert: opts.tls.cert,
      key: opts.tls.key,
      minVersion: 'TLSv1.2',
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      setSecurityHeaders(res);
      const url = new URL(req.url ?? '/', 'https://localhost');
      const started = performance.now();
      res.on('finish', () =>
        log.debug(
          {
            method: req.method,
            path: url.pathname,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'serve: request',
        ),
      );
      const route = `${req.method} ${url.pathname}`;
      const fail = (err: unknown) => {
        log.error({ err, route }, 'serve: request failed');
        if (!res.headersSent) sendJson(res, 500, envelopeFailure(ErrorCode.INTERNAL_ERROR, 'Internal error'));
        else res.destroy();
      };
      try {
        if (url.pathname === '/rpc') {
          if (req.method !== 'POST') {
            res.writeHead(405, { Allow: 'POST' }).end();
            return;
          }
          handleRpc(req, res, opts).catch(fail);
        } else if (url.pathname === '/events' && req.method === 'GET') {
          serveEventStream(req, res, opts.service, log);
        } else if (url.pathname === '/healthz' && req.method === 'GET') {
          sendJson(res, 200, { ok: true });
        } else if (req.method === 'GET' || req.method === 'HEAD') {
          if (assets)
            assets(req, res, () => {
              res.writeHead(404).end();
            });
          else consoleMissing(res);
        } else {
          res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        }
      } catch (err) {
        fail(err);
      }
    },
  );
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'serve: TLS handshake failed'));
  server.on('clientError', (err, socket) => {
    log.debug({ err: err.message }, 'serve: malformed HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost =
    opts.host === '0.0.0.0' || opts.host === '::'
      ? 'localhost'
      : opts.host.includes(':')
        ? `[${opts.host}]`
        : opts.host;
  return {
    url: `https://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
