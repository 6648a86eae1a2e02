import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FIXTURE_PASSWORD,
  failure,
  ok,
  serviceFixture,
  type ServiceFixture,
} from '../../test/helpers/service-fixture.js';
import { startSlapd, type Slapd } from '../../test/helpers/slapd.js';
import { ErrorCode } from '../contract/errors.js';
import type { DirectorySettings, DirectoryTestReport, Operator, SessionInfo } from '../contract/index.js';
import { builtinRoles } from '../contract/permissions.js';
import { AuditRepo } from '../store/audit-repo.js';

/** Operator login through a real OpenLDAP server (slapd on loopback), over LDAPS and StartTLS. */
let ldap: Slapd;
let f: ServiceFixture;
const admin = () => f.callerOf(f.admin.token)!;

beforeAll(async () => {
  ldap = await startSlapd();
}, 30_000);
afterAll(() => ldap?.stop());

beforeEach(async () => {
  f = await serviceFixture();
  return () => f.close();
});

function settings(
  over: { url?: string; startTls?: boolean; caCertificate?: string; groupRoles?: unknown[] } = {},
) {
  return {
    enabled: true,
    connection: {
      url: over.url ?? ldap.ldapsUrl,
      startTls: over.startTls ?? false,
      caCertificate: over.caCertificate ?? ldap.caPem,
      bindDn: ldap.bindDn,
      timeoutSeconds: 3,
    },
    operators: {
      userBase: ldap.usersBase,
      groups: { kind: 'memberOf' as const },
      groupRoles: over.groupRoles ?? [
        { groupDn: ldap.groups.admins, roleIds: [builtinRoles.administrator.id] },
        { groupDn: ldap.groups.operators.toUpperCase(), roleIds: [builtinRoles.operator.id] },
        { groupDn: ldap.groups.auditors, roleIds: [builtinRoles.auditor.id] },
      ],
    },
  };
}

async function configure(
  over: Parameters<typeof settings>[0] = {},
  bindPassword: string | undefined = ldap.bindPassword,
) {
  const current = ok<DirectorySettings>(await f.call('directory.get', {}, { caller: admin() }));
  return ok<DirectorySettings>(
    await f.call(
      'directory.update',
      { version: current.version, ...settings(over), ...(bindPassword ? { bindPassword } : {}) },
      { caller: admin() },
    ),
  );
}

async function login(username: string, password: string) {
  return f.call('session.login', { username, password }, { address: '10.5.0.1' });
}

describe('directory settings', () => {
  it('stores the bind password sealed and never shows or logs it', async () => {
    const saved = await configure();
    expect(saved).toMatchObject({ enabled: true, bindPasswordSet: true, version: 1 });
    expect(JSON.stringify(saved)).not.toContain(ldap.bindPassword);
    const entry = new AuditRepo(f.site.db).list({ limit: 1, action: 'directory.update' })[0]!;
    expect(entry.detail).toMatchObject({ bindPasswordChanged: true });
    expect(JSON.stringify(entry)).not.toContain(ldap.bindPassword);
    const raw = f.site.db.prepare('SELECT * FROM directory_settings').get();
    expect(JSON.stringify(raw)).not.toContain(ldap.bindPassword);
    // Saving again without the password keeps it.
    const again = await configure({}, undefined);
    expect(again).toMatchObject({ bindPasswordSet: true, version: 2 });
    ok(await login('alice', ldap.users.alice.password));
  });

  it('refuses to map a group to a role the editor does not hold', async () => {
    const role = ok<{ id: number }>(
      await f.call(
        'roles.create',
        { name: 'Settings only', permissions: ['settings:admin'] },
        { caller: admin() },
      ),
    );
    await f.addOperator('settings', [role.id]);
    const caller = f.callerOf((await f.login('settings')).token);
    const e = failure(
      await f.call(
        'directory.update',
        { version: 0, ...settings(), bindPassword: ldap.bindPassword },
        { caller },
      ),
    );
    expect(e.code).toBe(ErrorCode.FORBIDDEN);
  });

  it('tests unsaved settings stage by stage and names what failed', async () => {
    const test = async (over: Parameters<typeof settings>[0], bindPassword = ldap.bindPassword) =>
      ok<DirectoryTestReport>(
        await f.call(
          'directory.testConnection',
          {
            connection: settings(over).connection,
            operators: settings(over).operators,
            bindPassword,
            probeUsername: 'bob',
          },
          { caller: admin() },
        ),
      );
    const good = await test({});
    expect(good.ok).toBe(true);
    expect(good.steps.map((s) => s.stage)).toEqual(['config', 'dns', 'tcp', 'tls', 'bind', 'search', 'user']);
    expect(good.steps.at(-1)!.message).toMatch(/2 mapped|group/);
    expect((await test({ caCertificate: ldap.otherCaPem })).failedStage).toBe('tls');
    expect((await test({}, 'wrong bind password')).failedStage).toBe('bind');
    expect((await test({ url: 'ldaps://127.0.0.1:1' })).failedStage).toBe('tcp');
    expect((await test({ url: 'ldaps://no-such-host.invalid' })).failedStage).toBe('dns');
    expect((await test({ url: ldap.ldapUrl, startTls: true })).ok).toBe(true);
  });
});

describe('login through the directory', () => {
  it.each([
    ['LDAPS', () => ({})],
    ['StartTLS', () => ({ url: ldap.ldapUrl, startTls: true })],
  ])('over %s: roles come from groups; the operator is created on first login', async (_name, over) => {
    await configure(over());
    const alice = ok<SessionInfo>(await login('alice', ldap.users.alice.password));
    expect(alice.operator).toMatchObject({
      source: 'ldap',
      roles: [{ id: 1, name: 'administrator' }],
      mustChangePassword: false,
    });
    const bob = ok<SessionInfo>(await login('BOB', ldap.users.bob.password));
    expect(bob.operator.username).toBe('bob');
    expect(bob.operator.roles.map((r) => r.name).sort()).toEqual(['auditor', 'operator']);
    const ops = ok<Operator[]>(await f.call('operators.list', {}, { caller: admin() }));
    expect(ops.find((o) => o.username === 'alice')).toMatchObject({
      source: 'ldap',
      displayName: ldap.users.alice.displayName,
    });
  });

  it('re-reads the groups at every login: a mapping taken away takes the role away and ends sessions', async () => {
    await configure();
    const first = ok<SessionInfo & { token: string }>(await login('bob', ldap.users.bob.password));
    expect(first.operator.roles).toHaveLength(2);
    await configure(
      { groupRoles: [{ groupDn: ldap.groups.auditors, roleIds: [builtinRoles.auditor.id] }] },
      undefined,
    );
    const second = ok<SessionInfo>(await login('bob', ldap.users.bob.password));
    expect(second.operator.roles).toEqual([{ id: 3, name: 'auditor' }]);
    expect(f.callerOf(first.token)).toBeUndefined();
  });

  it('refuses wrong passwords, unknown and ambiguous accounts, accounts with no mapped group, alike', async () => {
    await configure();
    const answers = [
      await login('alice', 'not her password'),
      await login('nobody-here', 'whatever it is'),
      await login('dave', ldap.users.dave1.password),
      await login('carol', ldap.users.carol.password),
      await login('alice', ''),
    ];
    for (const a of answers.slice(0, 4)) expect(failure(a)).toEqual(failure(answers[0]!));
    expect(failure(answers[4]!).code).toBe(ErrorCode.INVALID_PARAMS);
    const failed = new AuditRepo(f.site.db).list({ limit: 10, action: 'session.login', outcome: 'failed' });
    expect(failed.map((e) => e.detail.reason)).toEqual(
      expect.arrayContaining([
        'directory: wrong-password',
        'directory: not-found',
        'directory: ambiguous',
        'directory: no group maps to a role',
      ]),
    );
  });

  it('never lets filter syntax in a username find or bind an account', async () => {
    await configure();
    for (const username of [
      '*',
      'alic*',
      'a*e',
      '*)(uid=*',
      'alice)(|(uid=*',
      '\\61lice',
      'alice\u0000',
      'x'.repeat(10_000),
      '(',
      ')',
      '\\',
    ]) {
      const r = await login(username, ldap.users.alice.password);
      expect('error' in r, username).toBe(true);
      expect([ErrorCode.INVALID_CREDENTIALS, ErrorCode.INVALID_PARAMS, ErrorCode.RATE_LIMITED]).toContain(
        failure(r).code,
      );
    }
    expect(
      ok<Operator[]>(await f.call('operators.list', {}, { caller: admin() })).map((o) => o.username),
    ).toEqual(['admin']);
  });

  it('keeps a local operator local: a directory account of the same name cannot log in as them', async () => {
    await f.addOperator('alice', [builtinRoles.operator.id]);
    await configure();
    expect(failure(await login('alice', ldap.users.alice.password)).code).toBe(ErrorCode.INVALID_CREDENTIALS);
    const local = ok<SessionInfo>(await login('alice', FIXTURE_PASSWORD));
    expect(local.operator).toMatchObject({ source: 'local', roles: [{ id: 2, name: 'operator' }] });
  });

  it('says clearly when the directory cannot be used, and local operators still log in', async () => {
    await configure({ url: 'ldaps://127.0.0.1:1' });
    const down = failure(await login('alice', ldap.users.alice.password));
    expect(down).toMatchObject({ code: ErrorCode.DIRECTORY_UNAVAILABLE, data: { stage: 'tcp' } });
    expect(down.message).toMatch(/Test connection.*local operators can still log in/);
    await configure({ caCertificate: ldap.otherCaPem }, undefined);
    expect(failure(await login('alice', ldap.users.alice.password)).data).toMatchObject({ stage: 'tls' });
    ok(await login('admin', FIXTURE_PASSWORD));
  });

  it('does not count a directory outage as failed logins', async () => {
    await configure({ url: 'ldaps://127.0.0.1:1' });
    for (let i = 0; i < 12; i++)
      expect(failure(await login('alice', ldap.users.alice.password)).code).toBe(
        ErrorCode.DIRECTORY_UNAVAILABLE,
      );
    await configure({}, undefined);
    ok(await login('alice', ldap.users.alice.password));
  });

  it('deletes a role no group maps to any more, taking it from the directory operators who held it', async () => {
    const role = ok<{ id: number; version: number }>(
      await f.call('roles.create', { name: 'Night desk', permissions: ['site:read'] }, { caller: admin() }),
    );
    await configure({
      groupRoles: [{ groupDn: ldap.groups.operators, roleIds: [role.id, builtinRoles.operator.id] }],
    });
    const bob = ok<SessionInfo & { token: string }>(await login('bob', ldap.users.bob.password));
    expect(bob.operator.roles.map((r) => r.name)).toContain('Night desk');
    const mapped = failure(
      await f.call('roles.delete', { id: role.id, version: role.version }, { caller: admin() }),
    );
    expect(mapped.data).toMatchObject({ reason: 'in use' });
    await configure(
      { groupRoles: [{ groupDn: ldap.groups.operators, roleIds: [builtinRoles.operator.id] }] },
      undefined,
    );
    ok(await f.call('roles.delete', { id: role.id, version: role.version }, { caller: admin() }));
    expect(f.callerOf(bob.token)).toBeUndefined();
    const again = ok<SessionInfo>(await login('bob', ldap.users.bob.password));
    expect(again.operator.roles).toEqual([{ id: 2, name: 'operator' }]);
  });

  it('refuses a directory operator an administrator disabled, even with the right password', async () => {
    await configure();
    ok(await login('alice', ldap.users.alice.password));
    const alice = ok<Operator[]>(await f.call('operators.list', {}, { caller: admin() })).find(
      (o) => o.username === 'alice',
    )!;
    ok(
      await f.call(
        'operators.update',
        { id: alice.id, version: alice.version, disabled: true },
        { caller: admin() },
      ),
    );
    expect(failure(await login('alice', ldap.users.alice.password)).code).toBe(ErrorCode.INVALID_CREDENTIALS);
  });
});
