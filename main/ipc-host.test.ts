import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSite, openTemp } from '../test/helpers/temp-site.js';
import { ErrorCode } from '../app/contract/errors.js';
import type { RpcResponse } from '../app/contract/jsonrpc.js';
import { silentLogger } from '../app/log.js';
import { PasswordHasher } from '../app/service/passwords.js';
import { Service } from '../app/service/service.js';
import type { OpenSite } from '../app/site/site.js';
import { AuditRepo } from '../app/store/audit-repo.js';
import { SiteRepo } from '../app/store/site-repo.js';
import type { IpcEventMessage } from './ipc-guard.js';
import { IPC_SOURCE, IpcHost } from './ipc-host.js';

// The IPC transport's bookkeeping against a real Service and site: only Electron itself is missing.

const cheap = new PasswordHasher({ memoryKiB: 8192, iterations: 1, parallelism: 1 });
const PASSWORD = 'correct horse battery';
let site: OpenSite;
let service: Service;
let host: IpcHost;
let setupToken: string;

const WINDOW = 1;
const OTHER_WINDOW = 2;

function result(r: RpcResponse): Record<string, unknown> {
  if ('error' in r) throw new Error(`unexpected error ${JSON.stringify(r.error)}`);
  return r.result as Record<string, unknown>;
}

function error(r: RpcResponse): { code: number; message: string } {
  if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

async function createAdmin(): Promise<void> {
  result(
    await host.rpc(WINDOW, {
      method: 'setup.createAdmin',
      params: { token: setupToken, username: 'admin', password: PASSWORD },
    }),
  );
}

async function login(id: number): Promise<Record<string, unknown>> {
  return result(
    await host.rpc(id, { method: 'session.login', params: { username: 'admin', password: PASSWORD } }),
  );
}

beforeEach(async () => {
  site = await openTemp(await makeSite('Acme HQ'));
  service = new Service({ site, log: silentLogger(), version: '0.0.0-test', passwords: cheap });
  host = new IpcHost(service, silentLogger());
  setupToken = service.issueSetupToken()!;
});

afterEach(async () => {
  await host.dispose();
  service.close();
  site.close();
});

describe('IpcHost rpc', () => {
  it('answers public methods without a session, as the person at this machine (no setup token)', async () => {
    expect(result(await host.rpc(WINDOW, { method: 'setup.status' }))).toEqual({
      siteName: 'Acme HQ',
      administratorExists: false,
      tokenRequired: false,
    });
  });

  it('keeps the session token in the main process: login works, the token never reaches the renderer', async () => {
    await createAdmin();
    expect(error(await host.rpc(WINDOW, { method: 'site.get' })).code).toBe(ErrorCode.UNAUTHENTICATED);
    const loggedIn = await login(WINDOW);
    expect(loggedIn).not.toHaveProperty('token');
    expect(JSON.stringify(loggedIn)).not.toMatch(/[A-Za-z0-9_-]{40,}/);
    expect(host.hasSession(WINDOW)).toBe(true);
    expect(result(await host.rpc(WINDOW, { method: 'site.get' }))).toMatchObject({ name: 'Acme HQ' });
    expect(result(await host.rpc(WINDOW, { method: 'session.current' }))).toMatchObject({
      operator: { username: 'admin' },
    });
  });

  it('keeps one session per window', async () => {
    await createAdmin();
    await login(WINDOW);
    expect(error(await host.rpc(OTHER_WINDOW, { method: 'site.get' })).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(host.hasSession(OTHER_WINDOW)).toBe(false);
  });

  it('forgets the session at logout', async () => {
    await createAdmin();
    await login(WINDOW);
    expect(result(await host.rpc(WINDOW, { method: 'session.logout' }))).toEqual({ loggedOut: true });
    expect(host.hasSession(WINDOW)).toBe(false);
    expect(error(await host.rpc(WINDOW, { method: 'site.get' })).code).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('drops a session the Service ended (expiry, disabled operator)', async () => {
    await createAdmin();
    await login(WINDOW);
    site.db.prepare('DELETE FROM session').run();
    expect(error(await host.rpc(WINDOW, { method: 'site.get' })).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(host.hasSession(WINDOW)).toBe(false);
  });

  it('ends the first session when a window logs in again', async () => {
    await createAdmin();
    await login(WINDOW);
    await login(WINDOW);
    await host.settled(); // the replaced session's logout
    const live = () => (site.db.prepare('SELECT count(*) AS n FROM session').get() as { n: number }).n;
    expect(live()).toBe(1);
    expect(result(await host.rpc(WINDOW, { method: 'session.current' }))).toMatchObject({
      operator: { username: 'admin' },
    });
  });

  it('logs a closed window out, recorded in the audit log with source ipc', async () => {
    await createAdmin();
    await login(WINDOW);
    await host.forget(WINDOW);
    expect(host.has(WINDOW)).toBe(false);
    expect((site.db.prepare('SELECT count(*) AS n FROM session').get() as { n: number }).n).toBe(0);
    const logouts = new AuditRepo(site.db).recent(10).filter((e) => e.action === 'session.logout');
    expect(logouts.map((e) => [e.actor, e.source])).toEqual([['admin', IPC_SOURCE]]);
  });

  it('answers malformed messages with Invalid Request, and unknown methods per JSON-RPC', async () => {
    expect(error(await host.rpc(WINDOW, { method: 'site.get', id: 9 })).code).toBe(ErrorCode.INVALID_REQUEST);
    expect(error(await host.rpc(WINDOW, 'site.get')).code).toBe(ErrorCode.INVALID_REQUEST);
    expect(error(await host.rpc(WINDOW, { method: 'x', params: { d: new Date() } })).code).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    expect(error(await host.rpc(WINDOW, { method: 'no.such' })).code).toBe(ErrorCode.METHOD_NOT_FOUND);
    expect(error(await host.rpc(WINDOW, { method: 'setup.status', params: [1] })).code).toBe(
      ErrorCode.INVALID_PARAMS,
    );
  });
});

describe('IpcHost events', () => {
  it('delivers a topic only while the window holds a session allowed to see it', async () => {
    const got: IpcEventMessage[] = [];
    expect(host.subscribe(WINDOW, 'site.updated', (m) => got.push(m))).toBe(true);
    await createAdmin();

    service.events.publish('site.updated', new SiteRepo(site.db).get());
    expect(got).toEqual([]); // not logged in yet

    await login(WINDOW);
    const before = result(await host.rpc(WINDOW, { method: 'site.get' }));
    result(
      await host.rpc(WINDOW, {
        method: 'site.update',
        params: { name: 'Acme Tower', version: before.version },
      }),
    );
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ topic: 'site.updated', payload: { name: 'Acme Tower' } });
    expect(typeof got[0]!.at).toBe('string');

    await host.rpc(WINDOW, { method: 'session.logout' });
    service.events.publish('site.updated', new SiteRepo(site.db).get());
    expect(got).toHaveLength(1);
  });

  it('does not deliver to another window without a session', async () => {
    const other: IpcEventMessage[] = [];
    host.subscribe(OTHER_WINDOW, 'site.updated', (m) => other.push(m));
    await createAdmin();
    await login(WINDOW);
    const before = result(await host.rpc(WINDOW, { method: 'site.get' }));
    result(await host.rpc(WINDOW, { method: 'site.update', params: { name: 'X', version: before.version } }));
    expect(other).toEqual([]);
  });

  it('subscribes once per topic, unsubscribes, and cleans up with the window', async () => {
    const size = service.events.size;
    expect(host.subscribe(WINDOW, 'site.updated', () => {})).toBe(true);
    expect(host.subscribe(WINDOW, 'site.updated', () => {})).toBe(true);
    expect(service.events.size).toBe(size + 1);
    expect(host.unsubscribe(WINDOW, 'site.updated')).toBe(true);
    expect(service.events.size).toBe(size);
    expect(host.unsubscribe(WINDOW, 'site.updated')).toBe(false);

    host.subscribe(WINDOW, 'site.updated', () => {});
    host.unsubscribeAll(WINDOW);
    expect(service.events.size).toBe(size);

    host.subscribe(WINDOW, 'site.updated', () => {});
    await host.forget(WINDOW);
    expect(service.events.size).toBe(size);
  });

  it('refuses unknown topics', () => {
    expect(host.subscribe(WINDOW, 'operators.secret', () => {})).toBe(false);
    expect(host.subscribe(WINDOW, 42, () => {})).toBe(false);
  });
});
