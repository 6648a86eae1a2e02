import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSite, openTemp } from '../../test/helpers/temp-site.js';
import { ErrorCode } from '../contract/errors.js';
import { contract, type MethodName } from '../contract/index.js';
import type { RpcFailure, RpcResponse, RpcSuccess } from '../contract/jsonrpc.js';
import { silentLogger } from '../log.js';
import type { CallContext, Caller } from '../rpc/context.js';
import { Dispatcher, type Handlers } from '../rpc/dispatcher.js';
import type { OpenSite } from '../site/site.js';
import { AuditRepo } from '../store/audit-repo.js';
import { PasswordHasher } from './passwords.js';
import { Service } from './service.js';

const cheap = new PasswordHasher({ memoryKiB: 8192, iterations: 1, parallelism: 1 });
let site: OpenSite;
let service: Service;
let clock: Date;
let setupToken: string;

function ctx(extra: Partial<CallContext> = {}): CallContext {
  return { source: 'test 10.0.0.1', address: '10.0.0.1', revealToken: true, ...extra };
}

async function call(method: string, params?: unknown, c: CallContext = ctx()): Promise<RpcResponse> {
  const r = await service.dispatcher.call(
    { jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) },
    c,
  );
  if (!r) throw new Error('no response');
  return r;
}

function ok(r: RpcResponse): Record<string, unknown> {
  if ('error' in r) throw new Error(`unexpected error ${JSON.stringify(r.error)}`);
  return (r as RpcSuccess).result as Record<string, unknown>;
}

function err(r: RpcResponse): RpcFailure['error'] {
  if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

async function adminSession(): Promise<{ token: string; caller: Caller }> {
  ok(
    await call('setup.createAdmin', {
      token: setupToken,
      username: 'admin',
      password: 'correct horse battery',
    }),
  );
  const login = ok(await call('session.login', { username: 'admin', password: 'correct horse battery' }));
  const token = login.token as string;
  return { token, caller: service.authenticate(token)! };
}

beforeEach(async () => {
  const t = await makeSite('Acme HQ');
  site = await openTemp(t);
  clock = new Date('2026-11-29T09:00:00Z');
  service = new Service({
    site,
    log: silentLogger(),
    version: '0.0.0-test',
    clock: () => clock,
    passwords: cheap,
  });
  setupToken = service.issueSetupToken()!;
});

afterEach(() => {
  service.close();
  site.close();
});

describe('first-run setup', () => {
  it('needs no token from the desktop app’s own window, and always one from anywhere else', async () => {
    const local = ctx({ source: 'ipc', address: 'ipc', localOperator: true });
    expect(ok(await call('setup.status', {}, local))).toMatchObject({ tokenRequired: false });
    const params = { username: 'admin', password: 'correct horse battery' };
    // Without the token over the network: refused, and recorded.
    expect(err(await call('setup.createAdmin', params)).code).toBe(ErrorCode.SETUP_TOKEN_INVALID);
    const created = ok(await call('setup.createAdmin', params, local));
    expect(created.operator).toMatchObject({ username: 'admin', roles: [{ id: 1, name: 'administrator' }] });
    // Once only, however it was done.
    expect(err(await call('setup.createAdmin', { ...params, username: 'second' }, local)).code).toBe(
      ErrorCode.SETUP_ALREADY_DONE,
    );
  });

  it('creates the first administrator once, with the printed token only', async () => {
    expect(ok(await call('setup.status'))).toEqual({
      siteName: 'Acme HQ',
      administratorExists: false,
      tokenRequired: true,
    });
    expect(
      err(
        await call('setup.createAdmin', {
          token: 'AAAA-BBBB',
          username: 'admin',
          password: 'correct horse battery',
        }),
      ).code,
    ).toBe(ErrorCode.SETUP_TOKEN_INVALID);
    const weak = err(
      await call('setup.createAdmin', { token: setupToken, username: 'admin', password: 'admin-admin-1' }),
    );
    expect(weak.code).toBe(ErrorCode.WEAK_PASSWORD);
    expect(weak.message).toMatch(/must not contain the username/);
    const created = ok(
      await call('setup.createAdmin', {
        token: setupToken.toLowerCase(),
        username: 'admin',
        password: 'correct horse battery',
        siteName: 'Acme Tower',
      }),
    );
    expect(created.operator).toMatchObject({
      username: 'admin',
      roles: [{ id: 1, name: 'administrator' }],
      mustChangePassword: false,
    });
    expect(ok(await call('setup.status'))).toEqual({
      siteName: 'Acme Tower',
      administratorExists: true,
      tokenRequired: true,
    });
    expect(
      err(
        await call('setup.createAdmin', {
          token: setupToken,
          username: 'second',
          password: 'correct horse battery',
        }),
      ).code,
    ).toBe(ErrorCode.SETUP_ALREADY_DONE);
    expect(service.issueSetupToken()).toBeUndefined();
  });

  it('slows down guessing of the setup token per address', async () => {
    for (let i = 0; i < 5; i++) {
      expect(
        err(
          await call('setup.createAdmin', {
            token: `WRONG-${i}`,
            username: 'admin',
            password: 'correct horse battery',
          }),
        ).code,
      ).toBe(ErrorCode.SETUP_TOKEN_INVALID);
    }
    const limited = err(
      await call('setup.createAdmin', {
        token: setupToken,
        username: 'admin',
        password: 'correct horse battery',
      }),
    );
    expect(limited.code).toBe(ErrorCode.RATE_LIMITED);
    expect(limited.data).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    // Another address is not held back by the first one's failures.
    ok(
      await call(
        'setup.createAdmin',
        { token: setupToken, username: 'admin', password: 'correct horse battery' },
        ctx({ address: '10.0.0.2' }),
      ),
    );
  });

  it('refuses an expired token', async () => {
    clock = new Date(clock.getTime() + 25 * 3_600_000);
    expect(
      err(
        await call('setup.createAdmin', {
          token: setupToken,
          username: 'admin',
          password: 'correct horse battery',
        }),
      ).code,
    ).toBe(ErrorCode.SETUP_TOKEN_INVALID);
  });
});

describe('sessions', () => {
  it('answers an unknown user and a wrong password identically', async () => {
    await adminSession();
    const unknown = err(
      await call(
        'session.login',
        { username: 'nobody', password: 'correct horse battery' },
        ctx({ address: 'a' }),
      ),
    );
    const wrong = err(
      await call('session.login', { username: 'admin', password: 'not the password' }, ctx({ address: 'b' })),
    );
    expect(unknown).toEqual(wrong);
    expect(unknown.code).toBe(ErrorCode.INVALID_CREDENTIALS);
  });

  it('backs off an account after repeated failures, from any address', async () => {
    await adminSession();
    for (let i = 0; i < 10; i++)
      await call(
        'session.login',
        { username: 'admin', password: 'wrong password!' },
        ctx({ address: `10.1.0.${i}` }),
      );
    const limited = err(
      await call(
        'session.login',
        { username: 'admin', password: 'correct horse battery' },
        ctx({ address: '10.9.9.9' }),
      ),
    );
    expect(limited.code).toBe(ErrorCode.RATE_LIMITED);
  });

  it('keeps the token out of the result when the transport holds the session, and tells the transport', async () => {
    ok(
      await call('setup.createAdmin', {
        token: setupToken,
        username: 'admin',
        password: 'correct horse battery',
      }),
    );
    const started: string[] = [];
    const result = ok(
      await call(
        'session.login',
        { username: 'ADMIN', password: 'correct horse battery' },
        ctx({ revealToken: false, sessionSink: { started: (t) => started.push(t), ended: () => {} } }),
      ),
    );
    expect(result.token).toBeUndefined();
    expect(started).toHaveLength(1);
    expect(service.authenticate(started[0]!)?.username).toBe('admin');
  });

  it('ends sessions at logout, after idle time and after the absolute limit', async () => {
    const { token, caller } = await adminSession();
    expect(ok(await call('session.current', {}, ctx({ caller })))).toMatchObject({
      operator: { username: 'admin' },
    });
    clock = new Date(clock.getTime() + 29 * 60_000);
    expect(service.authenticate(token)).toBeDefined(); // used: the idle timer restarts
    clock = new Date(clock.getTime() + 29 * 60_000);
    expect(service.authenticate(token)).toBeDefined();
    clock = new Date(clock.getTime() + 31 * 60_000);
    expect(service.authenticate(token)).toBeUndefined(); // idle too long

    const second = await call('session.login', { username: 'admin', password: 'correct horse battery' });
    const t2 = ok(second).token as string;
    for (let i = 0; i < 25; i++) {
      clock = new Date(clock.getTime() + 29 * 60_000);
      service.authenticate(t2);
    }
    expect(service.authenticate(t2)).toBeUndefined(); // past 12 hours however busy

    const t3 = ok(await call('session.login', { username: 'admin', password: 'correct horse battery' }))
      .token as string;
    const c3 = service.authenticate(t3)!;
    ok(await call('session.logout', {}, ctx({ caller: c3 })));
    expect(service.authenticate(t3)).toBeUndefined();
  });
});

describe('authorization matrix (generated from the contract)', () => {
  const methods = Object.keys(contract) as MethodName[];

  it.each(methods.filter((m) => contract[m].access.kind !== 'public'))(
    '%s refuses a caller without a session',
    async (m) => {
      expect(err(await call(m, {})).code).toBe(ErrorCode.UNAUTHENTICATED);
    },
  );

  it.each(methods.filter((m) => contract[m].access.kind === 'permission'))(
    '%s refuses a caller without its permission',
    async (m) => {
      const { caller } = await adminSession();
      const access = contract[m].access;
      if (access.kind !== 'permission') throw new Error('unreachable');
      const without = new Set([...caller.permissions].filter((p) => p !== access.permission));
      const r = err(await call(m, {}, ctx({ caller: { ...caller, permissions: without } })));
      expect(r.code).toBe(ErrorCode.FORBIDDEN);
      expect(r.data).toMatchObject({ permission: access.permission });
    },
  );

  it('every method has a summary, schemas and an access rule', () => {
    for (const m of methods) {
      expect(contract[m].summary.length).toBeGreaterThan(10);
      // family.method, or family.subject.method where a family has several subjects (rf.locks, mobile.keys).
      expect(m).toMatch(/^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*){1,2}$/);
    }
  });
});

describe('site', () => {
  it('updates with optimistic concurrency, audits the change and publishes it live', async () => {
    const { caller } = await adminSession();
    const seen: unknown[] = [];
    service.events.subscribe(
      () => caller,
      (e) => seen.push(e),
    );
    const site1 = ok(await call('site.get', {}, ctx({ caller })));
    const updated = ok(
      await call('site.update', { version: site1.version, name: 'Acme Tower' }, ctx({ caller })),
    );
    expect(updated).toMatchObject({ name: 'Acme Tower', version: (site1.version as number) + 1 });
    const stale = err(
      await call('site.update', { version: site1.version, name: 'Lost update' }, ctx({ caller })),
    );
    expect(stale.code).toBe(ErrorCode.CONFLICT);
    expect(stale.data).toMatchObject({ currentVersion: updated.version });
    expect(seen).toEqual([
      expect.objectContaining({
        topic: 'site.updated',
        payload: expect.objectContaining({ name: 'Acme Tower' }),
      }),
    ]);
    const entries = new AuditRepo(site.db).recent(10).filter((e) => e.action === 'site.update');
    expect(entries.map((e) => e.outcome)).toEqual(['CONFLICT', 'ok']);
    expect(entries[1]).toMatchObject({
      actor: 'admin',
      detail: { changes: { name: { from: 'Acme HQ', to: 'Acme Tower' } } },
    });
  });

  it('changes nothing for an update to the same values, and wants something to change', async () => {
    const { caller } = await adminSession();
    const seen: unknown[] = [];
    service.events.subscribe(
      () => caller,
      (e) => seen.push(e),
    );
    const s = ok(await call('site.get', {}, ctx({ caller })));
    expect(ok(await call('site.update', { version: s.version, name: s.name }, ctx({ caller })))).toEqual(s);
    expect(seen).toEqual([]);
    const e = err(await call('site.update', { version: s.version }, ctx({ caller })));
    expect(e.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(e.message).toMatch(/give name or timeZone/);
    expect(err(await call('site.update', { version: 0, name: s.name }, ctx({ caller }))).code).toBe(
      ErrorCode.CONFLICT,
    );
  });

  it('does not deliver events to a subscriber without the permission', async () => {
    const { caller } = await adminSession();
    const seen: unknown[] = [];
    service.events.subscribe(
      () => ({ ...caller, permissions: new Set() }),
      (e) => seen.push(e),
    );
    const s = ok(await call('site.get', {}, ctx({ caller })));
    ok(await call('site.update', { version: s.version, name: 'X site' }, ctx({ caller })));
    expect(seen).toEqual([]);
  });
});

describe('dispatcher', () => {
  it('names each bad field and the reason', async () => {
    const { caller } = await adminSession();
    const e = err(await call('site.update', { version: -1, name: '', colour: 'red' }, ctx({ caller })));
    expect(e.code).toBe(ErrorCode.INVALID_PARAMS);
    const issues = (e.data as unknown as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'name', 'version']);
    expect(e.message).toMatch(/name: must not be empty/);
  });

  it('runs a batch in order, answers only requests with ids, and keeps serving after errors', async () => {
    const out = await service.dispatcher.handleText(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'setup.status' },
        { jsonrpc: '2.0', method: 'setup.status' },
        { jsonrpc: '2.0', id: 'b', method: 'no.such' },
        { nonsense: true },
        { jsonrpc: '2.0', id: 'c', method: 'setup.status', params: [1] },
      ]),
      ctx(),
    );
    const replies = JSON.parse(out!) as RpcResponse[];
    expect(replies.map((r) => r.id)).toEqual(['a', 'b', null, 'c']);
    expect(replies.map((r) => ('error' in r ? r.error.code : 0))).toEqual([
      0,
      ErrorCode.METHOD_NOT_FOUND,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_PARAMS,
    ]);
    expect(
      await service.dispatcher.handleText('{"jsonrpc":"2.0","method":"setup.status"}', ctx()),
    ).toBeUndefined();
  });

  it('never returns more than the result schema allows, and hides internal failures', async () => {
    const handlers = {
      'setup.status': () => ({
        siteName: 'S',
        administratorExists: true,
        tokenRequired: true,
        passwordHash: 'secret',
      }),
      'site.get': () => ({ nonsense: 1 }),
    } as unknown as Handlers;
    const d = new Dispatcher(handlers, silentLogger());
    const status = await d.call({ jsonrpc: '2.0', id: 1, method: 'setup.status' }, ctx());
    expect((status as RpcSuccess).result).toEqual({
      siteName: 'S',
      administratorExists: true,
      tokenRequired: true,
    });
    const { caller } = await adminSession();
    const broken = (await d.call(
      { jsonrpc: '2.0', id: 2, method: 'site.get' },
      ctx({ caller }),
    )) as RpcFailure;
    expect(broken.error.code).toBe(ErrorCode.INTERNAL_ERROR);
    expect(broken.error.message).toBe('Internal error');
  });

  it('describes itself with OpenRPC', async () => {
    const doc = ok(await call('rpc.discover'));
    expect(doc.openrpc).toBe('1.3.2');
    expect((doc.methods as { name: string }[]).map((m) => m.name).sort()).toEqual(
      Object.keys(contract).sort(),
    );
  });
});
