import http from 'node:http';
import tls from 'node:tls';
import { z } from 'zod';
import {
  AckReply,
  DeliveriesReply,
  EnrolReply,
  EnrolmentsReply,
  RelayErrorBody,
  RevokeReply,
  TokensReply,
  normaliseFingerprint,
  type AckRequest,
  type Delivery,
  type EnrolRequest,
  type Enrolment,
  type InvitationRequest,
  type PostTokenRequest,
  type RelayErrorCode,
} from './relay-api.js';

/** Where the relay is and which certificate it must present. */
export interface RelayEndpoint {
  /** `https://host:port` (a path prefix is kept). */
  url: string;
  /** SHA-256 fingerprint of the relay's certificate, as `lintel relay` printed it. */
  fingerprint: string;
  /** Give up on a request after this long (default 10 s). */
  timeoutMs?: number;
}

/** The relay answered with an error, or could not be reached safely. */
export class RelayError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when there was no answer (network, TLS, pin mismatch, timeout). */
    readonly status: number,
    readonly code: RelayErrorCode | 'unreachable' | 'fingerprint-mismatch' | 'bad-reply',
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const ACK_BATCH = 256;

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  bearer?: string;
  body?: unknown;
}

/**
 * Opens a TLS connection and checks the certificate's SHA-256 against the pinned one before a single
 * byte of the request (its bearer secret) is written. There is no CA: the relay's certificate is
 * self-signed and the pin is its identity, so chain and host-name checks are off and the pin is the
 * whole check.
 */
function pinnedSocket(url: URL, fingerprint: string, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new RelayError(`the relay at ${url.origin} did not answer within ${timeoutMs} ms`, 0, 'unreachable'),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const presented = socket.getPeerCertificate().fingerprint256 ?? '';
      if (presented !== fingerprint) {
        socket.destroy();
        reject(
          new RelayError(
            `the server at ${url.origin} presented certificate ${presented || '(none)'}, not the relay's pinned ` +
              `${fingerprint}: refusing to talk to it. If the relay was reinstalled, set its new fingerprint; ` +
              'otherwise something is intercepting the connection.',
            0,
            'fingerprint-mismatch',
          ),
        );
        return;
      }
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new RelayError(`cannot reach the relay at ${url.origin}: ${err.message}`, 0, 'unreachable'));
    });
  });
}

/** The HTTPS plumbing both clients share: pinned connection, JSON in and out, errors as RelayError. */
class PinnedJsonClient {
  private readonly base: URL;
  private readonly fingerprint: string;
  private readonly timeoutMs: number;

  constructor(endpoint: RelayEndpoint) {
    this.base = new URL(endpoint.url);
    if (this.base.protocol !== 'https:')
      throw new TypeError(`the relay URL must start with https:// (got ${endpoint.url})`);
    this.fingerprint = normaliseFingerprint(endpoint.fingerprint);
    this.timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async call<S extends z.ZodType>(call: Call, reply: S): Promise<z.infer<S>> {
    const socket = await pinnedSocket(this.base, this.fingerprint, this.timeoutMs);
    const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body), 'utf8');
    const prefix = this.base.pathname.replace(/\/$/, '');
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          method: call.method,
          path: `${prefix}${call.path}`,
          host: this.base.host,
          createConnection: () => socket,
          headers: {
            Accept: 'application/json',
            ...(call.bearer ? { Authorization: `Bearer ${call.bearer}` } : {}),
            ...(body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(new RelayError(`the relay at ${this.base.origin} failed: ${err.message}`, 0, 'unreachable')),
      );
      req.end(body);
    }).finally(() => socket.destroy());
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new RelayError(`the relay answered ${status} with a body that is not JSON`, status, 'bad-reply');
    }
    if (status < 200 || status > 299) {
      const err = RelayErrorBody.safeParse(json);
      if (err.success)
        throw new RelayError(err.data.error.message, status, err.data.error.code, err.data.error.issues);
      throw new RelayError(`the relay answered HTTP ${status}`, status, 'bad-reply');
    }
    const parsed = reply.safeParse(json);
    if (!parsed.success)
      throw new RelayError(
        `the relay's answer to ${call.method} ${call.path} is not what this version expects`,
        status,
        'bad-reply',
      );
    return parsed.data;
  }
}

/** Answers whose body the caller does not need. */
const Nothing = z.unknown();

/** The Service's side of the relay (Bearer service secret). */
export class ServiceRelayClient {
  private readonly http: PinnedJsonClient;
  private readonly secret: string;

  constructor(opts: RelayEndpoint & { secret: string }) {
    this.http = new PinnedJsonClient(opts);
    this.secret = opts.secret;
  }

  /** Registers an invitation: the relay keeps the code's hash (see hashRelaySecret). Idempotent. */
  async postInvitation(invitation: InvitationRequest): Promise<void> {
    await this.http.call(
      { method: 'POST', path: '/v1/invitations', bearer: this.secret, body: invitation },
      Nothing,
    );
  }

  /** Enrolments with seq > after, oldest first (at most RELAY_PAGE_LIMIT). */
  async enrolments(after: number): Promise<Enrolment[]> {
    const r = await this.http.call(
      { method: 'GET', path: `/v1/enrolments?after=${after}`, bearer: this.secret },
      EnrolmentsReply,
    );
    return r.enrolments;
  }

  /**
   * Hands the relay a sealed token for a phone; it waits in the relay's memory until the phone
   * acknowledges it. Posting the same tokenId again replaces the waiting copy (a resend).
   */
  async postToken(
    phoneId: string,
    token: { tokenId: string; token: Uint8Array; expiresAt: number },
  ): Promise<void> {
    const body: PostTokenRequest = {
      tokenId: token.tokenId,
      token: Buffer.from(token.token).toString('base64url'),
      expiresAt: token.expiresAt,
    };
    await this.http.call(
      { method: 'POST', path: `/v1/phones/${encodeURIComponent(phoneId)}/tokens`, bearer: this.secret, body },
      Nothing,
    );
  }

  /** Delivery records with seq > after, oldest first. */
  async deliveries(after: number): Promise<Delivery[]> {
    const r = await this.http.call(
      { method: 'GET', path: `/v1/deliveries?after=${after}`, bearer: this.secret },
      DeliveriesReply,
    );
    return r.deliveries;
  }

  /** Revokes a token: dropped if still waiting, and the phone is told to delete it. */
  async revokeToken(phoneId: string, tokenId: string): Promise<{ dropped: boolean }> {
    return this.http.call(
      {
        method: 'DELETE',
        path: `/v1/phones/${encodeURIComponent(phoneId)}/tokens/${encodeURIComponent(tokenId)}`,
        bearer: this.secret,
      },
      RevokeReply,
    );
  }

  /** Forgets a phone: its secret stops working and its waiting tokens are dropped. */
  async removePhone(phoneId: string): Promise<void> {
    await this.http.call(
      { method: 'DELETE', path: `/v1/phones/${encodeURIComponent(phoneId)}`, bearer: this.secret },
      Nothing,
    );
  }
}

/** A token as the phone receives it. */
export interface ReceivedToken {
  tokenId: string;
  token: Buffer;
  expiresAt: number;
}

/** The phone's side of the relay (Bearer phone secret, from {@link PhoneRelayClient.enrol}). */
export class PhoneRelayClient {
  private readonly http: PinnedJsonClient;
  private readonly secret: string;

  constructor(opts: RelayEndpoint & { secret: string }) {
    this.http = new PinnedJsonClient(opts);
    this.secret = opts.secret;
  }

  /**
   * Enrols a phone with an invitation code (single use). The returned secret is the phone's only
   * credential at the relay: keep it (the relay has only its hash).
   */
  static async enrol(
    opts: RelayEndpoint & EnrolRequest,
  ): Promise<{ phoneId: string; secret: string; client: PhoneRelayClient }> {
    const body: EnrolRequest = { code: opts.code, devicePublicKey: opts.devicePublicKey, label: opts.label };
    const reply = await new PinnedJsonClient(opts).call(
      { method: 'POST', path: '/v1/enrol', body },
      EnrolReply,
    );
    return { ...reply, client: new PhoneRelayClient({ ...opts, secret: reply.secret }) };
  }

  /** Tokens waiting for this phone, and ids of tokens it must delete. Acknowledge both with {@link ack}. */
  async fetch(): Promise<{ tokens: ReceivedToken[]; revoked: string[] }> {
    const r = await this.http.call({ method: 'GET', path: '/v1/tokens', bearer: this.secret }, TokensReply);
    return {
      tokens: r.tokens.map((t) => ({ ...t, token: Buffer.from(t.token, 'base64url') })),
      revoked: r.revoked,
    };
  }

  /** Says these tokens are stored (or these revoked ones deleted); the relay then forgets them. */
  async ack(tokenIds: string[]): Promise<number> {
    let acknowledged = 0;
    // The relay takes at most ACK_BATCH ids a request.
    for (let i = 0; i < tokenIds.length; i += ACK_BATCH) {
      const body: AckRequest = { tokenIds: tokenIds.slice(i, i + ACK_BATCH) };
      const r = await this.http.call(
        { method: 'POST', path: '/v1/tokens/ack', bearer: this.secret, body },
        AckReply,
      );
      acknowledged += r.acknowledged;
    }
    return acknowledged;
  }
}
