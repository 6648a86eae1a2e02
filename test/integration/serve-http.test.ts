import path from 'node:path';
import tls from 'node:tls';
import https from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../app/contract/errors.js';
import { bearerLogin, request, rpc, startServe, type ServeProcess } from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';

let server: ServeProcess;
const password = 'correct horse battery';

function cookiesOf(setCookie: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of [setCookie ?? []].flat()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    out.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return out;
}

beforeAll(async () => {
  const root = tempDir();
  server = await startServe(path.join(root, 'data'), path.join(root, 'keys', 'k.key'), [
    '--site-name',
    'HTTP test site',
  ]);
  const r = await rpc(server, 'setup.createAdmin', { token: server.setupToken, username: 'admin', password });
  expect(r.result).toBeDefined();
});

afterAll(async () => {
  expect(await server.stop()).toBe(0); // a clean stop on SIGTERM
});

describe('lintel serve over HTTPS', () => {
  it('prints the URL, the certificate fingerprint and a setup token line', () => {
    expect(server.stdout()).toMatch(/^Setup token: [0-9A-Z]{4}(-[0-9A-Z]{4})+$/m);
    expect(server.stdout()).toMatch(/TLS certificate SHA-256: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  });

  it('speaks TLS 1.2 or newer only', async () => {
    const { port, hostname } = new URL(server.url);
    const attempt = (maxVersion: tls.SecureVersion) =>
      new Promise<string>((resolve) => {
        const s = tls.connect(
          { port: Number(port), host: hostname, ca: server.ca, minVersion: 'TLSv1', maxVersion },
          () => {
            resolve(s.getProtocol() ?? '?');
            s.end();
          },
        );
        s.on('error', () => resolve('refused'));
      });
    expect(await attempt('TLSv1.1')).toBe('refused');
    expect(await attempt('TLSv1.3')).toBe('TLSv1.3');
  });

  it('sends security headers on every response', async () => {
    for (const r of [
      await request(server, '/'),
      await request(server, '/rpc', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      }),
    ]) {
      expect(r.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
      expect(r.headers['strict-transport-security']).toBeDefined();
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('serves the built console at /', async () => {
    const r = await request(server, '/');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/<div id="root">/);
  });

  it('gives the console an HttpOnly session cookie and a CSRF cookie, never the token in the body', async () => {
    const r = await request(server, '/rpc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Lintel-Client': 'console' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'session.login',
        params: { username: 'admin', password },
      }),
    });
    const body = r.json() as { result: Record<string, unknown> };
    expect(body.result.token).toBeUndefined();
    const raw = [r.headers['set-cookie'] ?? []].flat();
    const session = raw.find((c) => c.startsWith('__Host-lintel_session='))!;
    expect(session).toMatch(/; Path=\//);
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; HttpOnly/);
    const csrfCookie = raw.find((c) => c.startsWith('__Host-lintel_csrf='))!;
    expect(csrfCookie).not.toMatch(/HttpOnly/);

    const jar = cookiesOf(r.headers['set-cookie']);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = decodeURIComponent(jar.get('__Host-lintel_csrf')!);
    const noCsrf = await request(server, '/rpc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'site.get' }),
    });
    // Without its CSRF header the cookie counts for nothing: protected methods say why, public ones
    // still answer (so a console that lost its CSRF cookie can log in again).
    const refusedNoCsrf = noCsrf.json() as { error: { code: number; message: string } };
    expect(refusedNoCsrf.error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(refusedNoCsrf.error.message).toMatch(/missing or wrong x-csrf-token header/);
    const wrongCsrf = await rpc(server, 'site.get', {}, { Cookie: cookie, 'X-CSRF-Token': 'forged' });
    expect(wrongCsrf.error?.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect((await rpc(server, 'setup.status', {}, { Cookie: cookie })).result).toMatchObject({
      administratorExists: true,
    });
    const withCsrf = await rpc(server, 'site.get', {}, { Cookie: cookie, 'X-CSRF-Token': csrf });
    expect(withCsrf.result?.name).toBe('HTTP test site');
    const crossSite = await request(server, '/rpc', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Cookie: cookie,
        'X-CSRF-Token': csrf,
        Origin: 'https://evil.example',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'site.get' }),
    });
    expect(crossSite.status).toBe(403);

    const out = await request(server, '/rpc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'session.logout' }),
    });
    expect([out.headers['set-cookie'] ?? []].flat().every((c) => /Max-Age=0/.test(c))).toBe(true);
    expect((await rpc(server, 'site.get', {}, { Cookie: cookie, 'X-CSRF-Token': csrf })).error?.code).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
  });

  it('accepts a bearer token from session.login for scripts', async () => {
    const login = await rpc(server, 'session.login', { username: 'admin', password });
    const token = login.result!.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await rpc(server, 'site.get', {}, { Authorization: `Bearer ${token}` })).result?.name).toBe(
      'HTTP test site',
    );
    expect(
      (await rpc(server, 'site.get', {}, { Authorization: 'Bearer not-a-real-token-at-all-000000' })).error
        ?.code,
    ).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('takes a CSV upload above 1 MiB only for the method that allows it, and only when logged in', async () => {
    const login = await rpc(server, 'session.login', { username: 'admin', password });
    const auth = { Authorization: `Bearer ${login.result!.token as string}` };
    const rows = Array.from({ length: 30_000 }, (_, i) => `First${i},Last${i},UP-${i},Uploads`);
    const csv = ['firstName,lastName,identifier,department', ...rows].join('\n');
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    const body = (method: string, params: unknown) =>
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const post = (query: string, text: string, headers: Record<string, string> = auth) =>
      request(server, `/rpc${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: text,
      });
    const upload = body('users.importCsv', { csv, mode: 'all-or-nothing', dryRun: true });
    // Without naming the method in the URL, or without a session, the body is refused unread.
    expect((await post('', upload)).status).toBe(413);
    expect((await post('?method=users.importCsv', upload, {})).status).toBe(413);
    const ok = await post('?method=users.importCsv', upload);
    expect(ok.status).toBe(200);
    expect((ok.json() as { result: { rows: number } }).result.rows).toBe(30_000);
    // Naming the upload method in the URL does not let another method take a big body.
    const smuggled = await post('?method=users.importCsv', body('site.get', { pad: csv }));
    expect((smuggled.json() as { error: { code: number; message: string } }).error).toMatchObject({
      code: ErrorCode.INVALID_REQUEST,
      message: expect.stringMatching(/site.get takes requests of at most 1048576 bytes/),
    });
  });

  it('streams live events to a logged-in client over SSE', async () => {
    const { auth } = await bearerLogin(server, 'admin', password);
    expect((await request(server, '/events')).status).toBe(401);
    const received = new Promise<string>((resolve, reject) => {
      const req = https.get(new URL('/events', server.url), { headers: auth, ca: server.ca }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buf = '';
        res.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('event: site.updated')) {
            req.destroy();
            resolve(buf);
          }
        });
        void (async () => {
          const site = (await rpc(server, 'site.get', {}, auth)).result!;
          await rpc(server, 'site.update', { version: site.version, name: 'Renamed live' }, auth);
        })();
      });
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
      setTimeout(() => reject(new Error('no event within 10 s')), 10_000);
    });
    const text = await received;
    expect(text).toContain('retry: 3000');
    const data = /data: (.*)/.exec(text.slice(text.indexOf('event: site.updated')))![1]!;
    expect(JSON.parse(data).payload.name).toBe('Renamed live');
  });

  it('closes a live-event stream as soon as its session logs out', async () => {
    const { auth } = await bearerLogin(server, 'admin', password);
    const closed = new Promise<number>((resolve, reject) => {
      const req = https.get(new URL('/events', server.url), { headers: auth, ca: server.ca }, (res) => {
        res.resume();
        res.on('end', () => resolve(Date.now()));
        void rpc(server, 'session.logout', {}, auth);
      });
      req.on('error', reject);
      setTimeout(() => reject(new Error('the stream stayed open after logout')), 5_000);
    });
    await closed;
  });

  it('answers malformed JSON-RPC with the right error and keeps serving', async () => {
    const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
      request(server, '/rpc', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
    const code = async (body: string | Buffer) =>
      ((await post(body)).json() as { error: { code: number } }).error.code;
    expect(await code('{"jsonrpc":')).toBe(ErrorCode.PARSE_ERROR);
    expect(await code('[]')).toBe(ErrorCode.INVALID_REQUEST);
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"nope"}')).toBe(ErrorCode.METHOD_NOT_FOUND);
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"setup.createAdmin","params":{"token":5}}')).toBe(
      ErrorCode.INVALID_PARAMS,
    );
    expect(await code(`${'['.repeat(5000)}${']'.repeat(5000)}`)).toBe(ErrorCode.INVALID_REQUEST);
    expect(await code(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe(ErrorCode.PARSE_ERROR);
    const huge = await post('x'.repeat(2 * 1024 * 1024));
    expect(huge.status).toBe(413);
    const wrongType = await request(server, '/rpc', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    expect((await request(server, '/rpc')).status).toBe(405);

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const r = await post(body);
          expect([200, 204]).toContain(r.status);
          if (r.status === 200) {
            const parsed = r.json() as unknown;
            for (const item of [parsed].flat() as { jsonrpc: string }[]) expect(item.jsonrpc).toBe('2.0');
          }
        },
      ),
      { numRuns: 150 },
    );
    expect((await rpc(server, 'setup.status')).result).toMatchObject({ administratorExists: true });
  });
});
