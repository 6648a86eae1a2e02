import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Log } from '../log.js';
import { BodyEncodingError, BodyTooLargeError, readBody } from '../server/request-body.js';
import {
  AckRequest,
  EnrolRequest,
  InvitationRequest,
  PostTokenRequest,
  RELAY_MAX_BODY_BYTES,
  RelayId,
  TokenId,
  hashRelaySecret,
  makeRelaySecret,
  type AckReply,
  type DeliveriesReply,
  type EnrolReply,
  type EnrolmentsReply,
  type RelayErrorBody,
  type RelayErrorCode,
  type RevokeReply,
  type TokensReply,
} from './relay-api.js';
import { EnrolRateLimit } from './enrol-rate-limit.js';
import { loadRelayTls } from './relay-tls.js';
import { RelayStore } from './relay-store.js';
import { WaitingTokens } from './waiting-tokens.js';

/** How `lintel relay` runs. */
export interface RelayServerOptions {
  dataDir: string;
  host: string;
  port: number;
  log: Log;
  /** Epoch ms; tests pass their own clock (rate limit and expiry without waiting). */
  now?: () => number;
  /** Enrolment attempts allowed per client address in `windowMs` (default 10 a minute). */
  enrolLimit?: { max: number; windowMs: number };
  /** Tokens that may wait for one phone at once (default 64). */
  maxWaitingPerPhone?: number;
  /** Replace the service secret (the old one stops working) and return the new one. */
  newServiceSecret?: boolean;
}

/** A running relay. */
export interface RunningRelay {
  url: string;
  port: number;
  fingerprint: string;
  /**
   * The service secret, only when this start made it (first start or `newServiceSecret`): shown once,
   * the relay keeps only its hash.
   */
  serviceSecret?: string;
  /** How many waiting tokens a previous run lost (reported to the Service as `lost`). */
  lostAtStart: number;
  /** For tests: the store (to compare snapshots) and how many tokens wait in memory. */
  readonly store: RelayStore;
  waitingCount(): number;
  close(): Promise<void>;
}

/** A refusal that becomes an error response. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: RelayErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    })
    .end(JSON.stringify(body));
}

function errorBody(r: Refusal): RelayErrorBody {
  return {
    error: { status: r.status, code: r.code, message: r.message, ...(r.issues ? { issues: r.issues } : {}) },
  };
}

function bearerOf(req: IncomingMessage): string | undefined {
  return BEARER.exec(req.headers.authorization ?? '')?.[1];
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    throw new Refusal(
      400,
      'bad-request',
      `${what} is not valid: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type))
    throw new Refusal(
      415,
      'unsupported-media-type',
      'send the body as JSON with Content-Type: application/json',
    );
  let text: string;
  try {
    text = await readBody(req, RELAY_MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      throw new Refusal(413, 'too-large', `the body is larger than ${RELAY_MAX_BODY_BYTES} bytes`);
    if (err instanceof BodyEncodingError) throw new Refusal(400, 'bad-request', err.message);
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Refusal(400, 'bad-request', `the body is not JSON: ${(err as Error).message}`);
  }
}

const AfterQuery = z.coerce
  .number({ error: 'after is a whole number' })
  .int('after is a whole number')
  .min(0, 'after is 0 or more')
  .max(Number.MAX_SAFE_INTEGER);

function afterOf(url: URL): number {
  const raw = url.searchParams.get('after');
  if (raw === null || raw === '') return 0;
  if (!/^\d{1,16}$/.test(raw)) throw new Refusal(400, 'bad-request', 'after is a whole number of 0 or more');
  return parseWith(AfterQuery, raw, 'the query');
}

type Method = 'GET' | 'POST' | 'DELETE';
type Caller = 'service' | 'phone' | 'anyone';

interface Route {
  method: Method;
  pattern: RegExp;
  caller: Caller;
  name: string;
}

const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/v1\/invitations$/, caller: 'service', name: 'invitation' },
  { method: 'GET', pattern: /^\/v1\/enrolments$/, caller: 'service', name: 'enrolments' },
  { method: 'POST', pattern: /^\/v1\/phones\/([^/]+)\/tokens$/, caller: 'service', name: 'post-token' },
  { method: 'GET', pattern: /^\/v1\/deliveries$/, caller: 'service', name: 'deliveries' },
  {
    method: 'DELETE',
    pattern: /^\/v1\/phones\/([^/]+)\/tokens\/([^/]+)$/,
    caller: 'service',
    name: 'revoke',
  },
  { method: 'DELETE', pattern: /^\/v1\/phones\/([^/]+)$/, caller: 'service', name: 'remove-phone' },
  { method: 'POST', pattern: /^\/v1\/enrol$/, caller: 'anyone', name: 'enrol' },
  { method: 'GET', pattern: /^\/v1\/tokens$/, caller: 'phone', name: 'fetch' },
  { method: 'POST', pattern: /^\/v1\/tokens\/ack$/, caller: 'phone', name: 'ack' },
  { method: 'GET', pattern: /^\/healthz$/, caller: 'anyone', name: 'health' },
];

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new Refusal(400, 'bad-request', 'the path is not valid percent-encoding');
  }
}

/**
 * `lintel relay`: the cloud bridge between a site's Service and its users' phones. HTTPS only, with a
 * self-signed certificate the clients pin. It stores hashes and public keys (relay-store.ts), holds
 * tokens only in memory until the phone acknowledges them, and never sees a key that opens a token.
 */
export async function startRelay(opts: RelayServerOptions): Promise<RunningRelay> {
  const now = opts.now ?? Date.now;
  const log = opts.log;
  const store = RelayStore.open(opts.dataDir);
  let tlsMaterial;
  try {
    tlsMaterial = await loadRelayTls(opts.dataDir, new Date(now()));
  } catch (err) {
    store.close();
    throw err;
  }
  let serviceSecret: string | undefined;
  if (store.serviceSecretHash() === undefined || opts.newServiceSecret) {
    serviceSecret = makeRelaySecret();
    store.setServiceSecretHash(hashRelaySecret(serviceSecret));
  }
  const lostAtStart = store.markPendingLost(now());
  if (lostAtStart > 0) log.warn({ lost: lostAtStart }, 'relay: tokens waiting before the restart are lost');

  const waiting = new WaitingTokens(opts.maxWaitingPerPhone ?? 64);
  const limit = new EnrolRateLimit(opts.enrolLimit?.max ?? 10, opts.enrolLimit?.windowMs ?? 60_000);

  /** Expired waiting tokens are dropped and reported lost, before anything reads the waiting set. */
  function sweep(at: number): void {
    for (const t of waiting.takeExpired(at)) {
      store.settle(t.tokenId, t.phoneId, 'lost', at);
      log.info({ tokenId: t.tokenId, phoneId: t.phoneId }, 'relay: token expired undelivered');
    }
  }

  function authorise(req: IncomingMessage, caller: Caller): string | undefined {
    if (caller === 'anyone') return undefined;
    const bearer = bearerOf(req);
    if (caller === 'service') {
      if (bearer === undefined || !store.isServiceSecret(bearer))
        throw new Refusal(
          401,
          'unauthorized',
          'send Authorization: Bearer <service secret>, as `lintel relay` printed it at first start',
          undefined,
          { 'WWW-Authenticate': 'Bearer' },
        );
      return undefined;
    }
    const phone = bearer === undefined ? undefined : store.phoneBySecret(bearer);
    if (!phone)
      throw new Refusal(
        401,
        'unauthorized',
        'send Authorization: Bearer <phone secret> from enrolment; a removed phone must enrol again',
        undefined,
        { 'WWW-Authenticate': 'Bearer' },
      );
    return phone.phoneId;
  }

  async function handle(
    req: IncomingMessage,
    url: URL,
    route: Route,
    params: string[],
  ): Promise<[number, unknown]> {
    const phoneId = authorise(req, route.caller);
    const at = now();
    sweep(at);
    switch (route.name) {
      case 'health':
        return [200, { ok: true }];
      case 'invitation': {
        const inv = parseWith(InvitationRequest, await jsonBody(req), 'the invitation');
        const result = store.addInvitation(inv, at);
        if (result === 'conflict')
          throw new Refusal(
            409,
            'conflict',
            `invitation ${inv.invitationId} or its code is already registered with another value`,
          );
        return [result === 'added' ? 201 : 200, { invitationId: inv.invitationId }];
      }
      case 'enrolments': {
        const reply: EnrolmentsReply = { enrolments: store.enrolments(afterOf(url)) };
        return [200, reply];
      }
      case 'deliveries': {
        const reply: DeliveriesReply = { deliveries: store.deliveries(afterOf(url)) };
        return [200, reply];
      }
      case 'post-token': {
        const target = parseWith(RelayId, decodeSegment(params[0]!), 'the phone id');
        const body = parseWith(PostTokenRequest, await jsonBody(req), 'the token');
        if (!store.hasPhone(target)) throw new Refusal(404, 'not-found', `no phone ${target} at this relay`);
        if (body.expiresAt <= at)
          throw new Refusal(400, 'bad-request', 'the token has already expired (expiresAt is in the past)');
        const elsewhere = waiting.find(body.tokenId);
        if (elsewhere && elsewhere.phoneId !== target)
          throw new Refusal(409, 'conflict', `token ${body.tokenId} is already waiting for another phone`);
        if (store.isRevoked(body.tokenId))
          throw new Refusal(409, 'conflict', `token ${body.tokenId} was revoked; issue a new one`);
        // The id is persisted before the post is answered, so a crash after this still reports it lost.
        store.addPending(body.tokenId, target, at);
        if (
          !waiting.put({
            tokenId: body.tokenId,
            phoneId: target,
            token: body.token,
            expiresAt: body.expiresAt,
          })
        ) {
          store.removePending(body.tokenId);
          throw new Refusal(
            429,
            'rate-limited',
            `phone ${target} already has the most tokens the relay holds; wait until it fetches them`,
          );
        }
        log.info({ tokenId: body.tokenId, phoneId: target }, 'relay: token waiting');
        return [202, { tokenId: body.tokenId }];
      }
      case 'revoke': {
        const target = parseWith(RelayId, decodeSegment(params[0]!), 'the phone id');
        const tokenId = parseWith(TokenId, decodeSegment(params[1]!), 'the token id');
        if (!store.hasPhone(target)) throw new Refusal(404, 'not-found', `no phone ${target} at this relay`);
        const dropped = waiting.take(target, tokenId) !== undefined;
        // No delivery record: the Service revoked it, so it knows. Only this phone's copy is dropped.
        if (dropped) store.removePending(tokenId);
        store.addRevocation(target, tokenId, at);
        log.info({ tokenId, phoneId: target, dropped }, 'relay: token revoked');
        const reply: RevokeReply = { dropped };
        return [200, reply];
      }
      case 'remove-phone': {
        const target = parseWith(RelayId, decodeSegment(params[0]!), 'the phone id');
        waiting.dropPhone(target);
        if (!store.removePhone(target))
          throw new Refusal(404, 'not-found', `no phone ${target} at this relay`);
        log.info({ phoneId: target }, 'relay: phone removed');
        return [200, { phoneId: target }];
      }
      case 'enrol': {
        const address = req.socket.remoteAddress ?? 'unknown';
        if (!limit.allow(address, at)) {
          const retry = limit.retryAfterSeconds(address, at);
          throw new Refusal(
            429,
            'rate-limited',
            `too many enrolment attempts from this address; try again in ${retry} s`,
            undefined,
            { 'Retry-After': String(retry) },
          );
        }
        const body = parseWith(EnrolRequest, await jsonBody(req), 'the enrolment');
        const secret = makeRelaySecret();
        const newPhoneId = randomBytes(12).toString('base64url');
        const result = store.enrol(
          hashRelaySecret(body.code),
          {
            phoneId: newPhoneId,
            secretHash: hashRelaySecret(secret),
            devicePublicKey: body.devicePublicKey,
            label: body.label,
          },
          at,
        );
        if (!result.ok) {
          log.info({ refusal: result.refusal, address }, 'relay: enrolment refused');
          if (result.refusal === 'used')
            throw new Refusal(
              409,
              'invitation-used',
              'this invitation code was already used; ask for a new invitation',
            );
          if (result.refusal === 'expired')
            throw new Refusal(
              410,
              'invitation-expired',
              'this invitation has expired; ask for a new invitation',
            );
          throw new Refusal(
            404,
            'not-found',
            'no invitation has this code; check it was typed or scanned whole',
          );
        }
        log.info(
          { phoneId: newPhoneId, invitationId: result.enrolment.invitationId },
          'relay: phone enrolled',
        );
        const reply: EnrolReply = { phoneId: newPhoneId, secret };
        return [201, reply];
      }
      case 'fetch': {
        const reply: TokensReply = {
          tokens: waiting
            .of(phoneId!)
            .map((t) => ({ tokenId: t.tokenId, token: t.token, expiresAt: t.expiresAt })),
          revoked: store.revocations(phoneId!),
        };
        return [200, reply];
      }
      case 'ack': {
        const body = parseWith(AckRequest, await jsonBody(req), 'the acknowledgement');
        let acknowledged = 0;
        for (const tokenId of new Set(body.tokenIds)) {
          // Only this phone's own tokens: another phone's id is simply not found here.
          const t = waiting.take(phoneId!, tokenId);
          if (t) {
            store.settle(tokenId, phoneId!, 'delivered', at);
            acknowledged++;
          } else if (store.ackRevocation(phoneId!, tokenId, at)) acknowledged++;
        }
        if (acknowledged) log.info({ phoneId, acknowledged }, 'relay: tokens acknowledged');
        const reply: AckReply = { acknowledged };
        return [200, reply];
      }
    }
    throw new Refusal(404, 'not-found', 'no such resource');
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://relay.invalid');
    } catch {
      send(res, 400, errorBody(new Refusal(400, 'bad-request', 'the request URL is not valid')));
      return;
    }
    const matches = ROUTES.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m);
    const hit = matches.find((x) => x.r.method === req.method);
    try {
      if (!hit) {
        if (matches.length)
          throw new Refusal(405, 'method-not-allowed', `${req.method} is not allowed here`, undefined, {
            Allow: matches.map((x) => x.r.method).join(', '),
          });
        throw new Refusal(404, 'not-found', `no ${url.pathname} at this relay (the API is under /v1)`);
      }
      const [status, body] = await handle(req, url, hit.r, hit.m!.slice(1));
      send(res, status, body);
    } catch (err) {
      if (err instanceof Refusal) {
        if (err.status >= 400 && req.readableEnded === false) req.resume();
        send(res, err.status, errorBody(err), err.headers);
        return;
      }
      log.error(
        { err: err instanceof Error ? err.message : String(err), route: hit?.r.name },
        'relay: request failed',
      );
      send(res, 500, errorBody(new Refusal(500, 'internal', 'the relay failed; see its log')));
    }
  }

  const server = https.createServer(
    { cert: tlsMaterial.cert, key: tlsMaterial.key, minVersion: 'TLSv1.2' },
    (req, res) => {
      void onRequest(req, res);
    },
  );
  // Slow or idle clients do not hold connections for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    throw new Error(`the relay cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `https://${host}:${port}`;
  log.info({ url, fingerprint: tlsMaterial.fingerprint }, 'relay: listening');
  return {
    url,
    port,
    fingerprint: tlsMaterial.fingerprint,
    ...(serviceSecret ? { serviceSecret } : {}),
    lostAtStart,
    store,
    waitingCount: () => waiting.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
