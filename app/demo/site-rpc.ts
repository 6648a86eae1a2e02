import https from 'node:https';

/**
 * JSON-RPC to a running `lintel serve`, over HTTPS verified against the certificate the server made
 * (its data folder's tls/cert.pem), as any client of the console's API: the demo seeds and drives its
 * site through the same calls an administrator's console makes, never behind the Service's back.
 */

/** An error the Service answered: its JSON-RPC code, message and data. */
export class SiteRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(`${method}: ${message}`);
    this.name = 'SiteRpcError';
  }
}

/** A logged-in (or not yet) client of one Service. */
export class SiteRpc {
  private token: string | undefined;

  constructor(
    readonly url: string,
    private readonly ca: string,
  ) {}

  /** Calls a method; resolves to its result, rejects with SiteRpcError when the Service refused. */
  async call<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const text = await this.post(body, headers);
    let reply: { result?: T; error?: { code: number; message: string; data?: Record<string, unknown> } };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      throw new Error(
        `${method}: the Service answered something that is not JSON-RPC: ${text.slice(0, 200)}`,
      );
    }
    if (reply.error) throw new SiteRpcError(method, reply.error.code, reply.error.message, reply.error.data);
    return reply.result as T;
  }

  /** Logs in as an operator; later calls carry the session. */
  async login(username: string, password: string): Promise<void> {
    this.token = undefined;
    const r = await this.call<{ token: string }>('session.login', { username, password });
    this.token = r.token;
  }

  private post(body: string, headers: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL('/rpc', this.url),
        { method: 'POST', headers, ca: this.ca, timeout: 120_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('the Service did not answer in 2 minutes')));
      req.on('error', reject);
      req.end(body);
    });
  }
}
