import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FIXTURE_PASSWORD,
  failure,
  ok,
  serviceFixture,
  type ServiceFixture,
} from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import type { Operator, Role } from '../contract/index.js';
import { builtinRoles } from '../contract/permissions.js';
import { silentLogger } from '../log.js';
import { AuditRepo } from '../store/audit-repo.js';
import { PasswordHasher } from './passwords.js';
import { Service } from './service.js';

let f: ServiceFixture;
const admin = () => f.callerOf(f.admin.token)!;

beforeEach(async () => {
  f = await serviceFixture();
});
afterEach(() => f.close());

async function customRole(body: Record<string, unknown>, caller = admin()): Promise<Role> {
  return ok<Role>(await f.call('roles.create', body, { caller }));
}

async function operator(id: number): Promise<Operator> {
  return ok<Operator[]>(await f.call('operators.list', {}, { caller: admin() })).find((o) => o.id === id)!;
}

function lastAudit(action: string) {
  return new AuditRepo(f.site.db).list({ limit: 1, action });
}

describe('creating operators', () => {
  it('creates a local operator who must change the temporary password before anything else', async () => {
    const op = ok<Operator>(
      await f.call(
        'operators.create',
        { username: 'frontdesk', roleIds: [builtinRoles.operator.id], password: 'temporary passphrase 1' },
        { caller: admin() },
      ),
    );
    expect(op).toMatchObject({
      username: 'frontdesk',
      mustChangePassword: true,
      source: 'local',
      disabled: false,
    });
    const first = await f.login('frontdesk', 'temporary passphrase 1');
    expect(first.caller.mustChangePassword).toBe(true);
    const refused = failure(await f.call('site.get', {}, { caller: first.caller }));
    expect(refused.code).toBe(ErrorCode.PASSWORD_CHANGE_REQUIRED);
    let token: string | undefined;
    const changed = ok<{ operator: { mustChangePassword: boolean } }>(
      await f.call(
        'session.changePassword',
        { currentPassword: 'temporary passphrase 1', newPassword: 'my own long passphrase' },
        { caller: first.caller, sink: { started: (t) => (token = t), ended: () => {} } },
      ),
    );
    expect(changed.operator.mustChangePassword).toBe(false);
    // The old session ended; the client got a fresh one.
    expect(f.callerOf(first.token)).toBeUndefined();
    expect(f.callerOf(token!)?.mustChangePassword).toBe(false);
    ok(await f.call('site.get', {}, { caller: f.callerOf(token!) }));
  });

  it('refuses weak and common temporary passwords and taken usernames', async () => {
    for (const password of [
      'short',
      'Password2024!',
      'qwerty123456',
      'abcabcabcabc',
      'frontdesk-passphrase',
    ]) {
      const e = failure(
        await f.call(
          'operators.create',
          { username: 'frontdesk', roleIds: [2], password },
          { caller: admin() },
        ),
      );
      expect(e.code, password).toBe(ErrorCode.WEAK_PASSWORD);
    }
    const e = failure(
      await f.call(
        'operators.create',
        { username: 'ADMIN', roleIds: [2], password: FIXTURE_PASSWORD },
        { caller: admin() },
      ),
    );
    expect(e).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'username taken' } });
  });
});

describe('never granting more than one holds', () => {
  let delegate: { token: string };

  beforeEach(async () => {
    // A role that administers operators for zone 3 only, with a few permissions.
    const manager = await customRole({
      name: 'Tenant manager',
      permissions: ['operators:read', 'operators:admin', 'users:read', 'users:write'],
      partition: { zoneIds: [3], doorIds: [] },
    });
    await f.addOperator('delegate', [manager.id]);
    delegate = await f.login('delegate');
  });

  it('refuses a role with permissions the creator lacks', async () => {
    const e = failure(
      await f.call(
        'roles.create',
        { name: 'Sneaky', permissions: ['users:read', 'settings:admin'], partition: { zoneIds: [3] } },
        { caller: f.callerOf(delegate.token) },
      ),
    );
    expect(e).toMatchObject({ code: ErrorCode.FORBIDDEN, data: { permissions: ['settings:admin'] } });
  });

  it('refuses a role wider than the creator’s partition, accepts one inside it', async () => {
    const caller = f.callerOf(delegate.token);
    const wide = failure(
      await f.call('roles.create', { name: 'Whole site', permissions: ['users:read'] }, { caller }),
    );
    expect(wide).toMatchObject({ code: ErrorCode.FORBIDDEN, data: { permissions: ['users:read'] } });
    const other = failure(
      await f.call(
        'roles.create',
        { name: 'Zone 4', permissions: ['users:read'], partition: { zoneIds: [4] } },
        { caller },
      ),
    );
    expect(other.code).toBe(ErrorCode.FORBIDDEN);
    const inside = await customRole(
      { name: 'Zone 3 readers', permissions: ['users:read'], partition: { zoneIds: [3] } },
      caller,
    );
    expect(inside.partition).toEqual({ zoneIds: [3], doorIds: [] });
  });

  it('refuses to give a built-in role that holds more, and to manage an operator who holds more', async () => {
    const caller = f.callerOf(delegate.token);
    const e = failure(
      await f.call(
        'operators.create',
        { username: 'x-op', roleIds: [builtinRoles.administrator.id], password: FIXTURE_PASSWORD },
        { caller },
      ),
    );
    expect(e.code).toBe(ErrorCode.FORBIDDEN);
    const reset = failure(await f.call('operators.resetPassword', { id: 1 }, { caller }));
    expect(reset.code).toBe(ErrorCode.FORBIDDEN);
    expect(reset.message).toMatch(/admin holds permissions you do not/);
  });

  it('refuses to widen a custom role beyond the editor, or to edit a built-in role', async () => {
    const caller = f.callerOf(delegate.token);
    const mine = await customRole(
      { name: 'Zone 3 writers', permissions: ['users:write'], partition: { zoneIds: [3] } },
      caller,
    );
    const e = failure(
      await f.call('roles.update', { id: mine.id, version: mine.version, partition: null }, { caller }),
    );
    expect(e.code).toBe(ErrorCode.FORBIDDEN);
    const builtin = failure(
      await f.call('roles.update', { id: 2, version: 0, description: 'x' }, { caller: admin() }),
    );
    expect(builtin).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'built-in' } });
  });
});

describe('editing roles', () => {
  it('keeps a role’s description when an update does not send one', async () => {
    const role = await customRole({ name: 'Night desk', description: 'Lobby after hours', permissions: [] });
    const renamed = ok<Role>(
      await f.call(
        'roles.update',
        { id: role.id, version: role.version, name: 'Night shift' },
        { caller: admin() },
      ),
    );
    expect(renamed).toMatchObject({ name: 'Night shift', description: 'Lobby after hours' });
    const cleared = ok<Role>(
      await f.call(
        'roles.update',
        { id: role.id, version: renamed.version, description: '' },
        { caller: admin() },
      ),
    );
    expect(cleared.description).toBe('');
  });
});

describe('changing operators', () => {
  it('ends the sessions of an operator whose roles change, and applies role edits at the next call', async () => {
    const id = await f.addOperator('ops', [builtinRoles.operator.id]);
    const s = await f.login('ops');
    const op = await operator(id);
    const updated = ok<Operator>(
      await f.call(
        'operators.update',
        { id, version: op.version, roleIds: [builtinRoles.auditor.id] },
        { caller: admin() },
      ),
    );
    expect(updated.roles).toEqual([{ id: 3, name: 'auditor' }]);
    expect(f.callerOf(s.token)).toBeUndefined();
    // A stale version is refused.
    const stale = failure(
      await f.call('operators.update', { id, version: op.version, displayName: 'Late' }, { caller: admin() }),
    );
    expect(stale).toMatchObject({ code: ErrorCode.CONFLICT, data: { currentVersion: updated.version } });
  });

  it('takes a removed permission away at the holder’s very next call', async () => {
    const role = await customRole({ name: 'Readers', permissions: ['site:read', 'audit:read'] });
    await f.addOperator('reader', [role.id]);
    const s = await f.login('reader');
    ok(await f.call('audit.verify', {}, { caller: f.callerOf(s.token) }));
    ok(
      await f.call(
        'roles.update',
        { id: role.id, version: role.version, permissions: ['site:read'] },
        { caller: admin() },
      ),
    );
    expect(failure(await f.call('audit.verify', {}, { caller: f.callerOf(s.token) })).code).toBe(
      ErrorCode.FORBIDDEN,
    );
  });

  it('keeps one enabled administrator and refuses changes to oneself', async () => {
    const self = failure(
      await f.call('operators.update', { id: 1, version: 0, disabled: true }, { caller: admin() }),
    );
    expect(self).toMatchObject({ code: ErrorCode.CONFLICT, data: { reason: 'self' } });
    const id2 = await f.addOperator('admin2', [builtinRoles.administrator.id]);
    const a2 = await f.login('admin2');
    const v1 = (await operator(1)).version;
    ok(
      await f.call(
        'operators.update',
        { id: 1, version: v1, disabled: true },
        { caller: f.callerOf(a2.token) },
      ),
    );
    expect(f.callerOf(f.admin.token)).toBeUndefined();
    // admin2 is now the only enabled administrator: nobody may remove that.
    const v2 = ok<Operator[]>(await f.call('operators.list', {}, { caller: f.callerOf(a2.token) })).find(
      (o) => o.id === id2,
    )!.version;
    const last = failure(
      await f.call('operators.delete', { id: id2, version: v2 }, { caller: f.callerOf(a2.token) }),
    );
    expect(last.data).toMatchObject({ reason: 'self' });
  });

  it('deletes an operator, keeping their name on their audit entries', async () => {
    const id = await f.addOperator('leaver', [builtinRoles.operator.id]);
    const s = await f.login('leaver');
    const v = (await operator(id)).version;
    ok(await f.call('operators.delete', { id, version: v }, { caller: admin() }));
    expect(f.callerOf(s.token)).toBeUndefined();
    const logins = new AuditRepo(f.site.db).list({ limit: 10, actor: 'leaver' });
    expect(logins.length).toBeGreaterThan(0);
    expect(logins[0]!.operatorId).toBe(id);
    expect(new AuditRepo(f.site.db).verify().ok).toBe(true);
  });
});

describe('passwords', () => {
  it('resets a password with a generated one shown once, ending sessions and forcing a change', async () => {
    const id = await f.addOperator('forgetful', [builtinRoles.operator.id]);
    const s = await f.login('forgetful');
    const r = ok<{ temporaryPassword: string }>(
      await f.call('operators.resetPassword', { id }, { caller: admin() }),
    );
    expect(r.temporaryPassword).toMatch(/^[0-9A-Z-]{20,}$/);
    expect(f.callerOf(s.token)).toBeUndefined();
    expect(
      failure(await f.call('session.login', { username: 'forgetful', password: FIXTURE_PASSWORD })).code,
    ).toBe(ErrorCode.INVALID_CREDENTIALS);
    const again = await f.login('forgetful', r.temporaryPassword);
    expect(again.caller.mustChangePassword).toBe(true);
    expect(JSON.stringify(lastAudit('operators.resetPassword'))).not.toContain(r.temporaryPassword);
  });

  it('changes one’s own password only with the current one, and not to the same or a weak one', async () => {
    const caller = admin();
    const wrong = failure(
      await f.call(
        'session.changePassword',
        { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
        { caller },
      ),
    );
    expect(wrong.code).toBe(ErrorCode.INVALID_CREDENTIALS);
    const same = failure(
      await f.call(
        'session.changePassword',
        { currentPassword: FIXTURE_PASSWORD, newPassword: FIXTURE_PASSWORD },
        { caller },
      ),
    );
    expect(same.code).toBe(ErrorCode.WEAK_PASSWORD);
    const common = failure(
      await f.call(
        'session.changePassword',
        { currentPassword: FIXTURE_PASSWORD, newPassword: 'iloveyou12345' },
        { caller },
      ),
    );
    expect(common).toMatchObject({
      code: ErrorCode.WEAK_PASSWORD,
      data: { reason: expect.stringMatching(/common/) },
    });
  });

  it('rehashes at login when the parameters changed', async () => {
    const stored = () =>
      (
        f.site.db.prepare('SELECT password_hash FROM operator WHERE id = 1').get() as {
          password_hash: string;
        }
      ).password_hash;
    expect(stored()).toMatch(/m=8192,p=1,t=1\$/);
    const stronger = new Service({
      site: f.site,
      log: silentLogger(),
      version: 'test',
      passwords: new PasswordHasher({ memoryKiB: 9216, iterations: 2, parallelism: 1 }),
    });
    try {
      const r = await stronger.dispatcher.call(
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'session.login',
          params: { username: 'admin', password: FIXTURE_PASSWORD },
        },
        { source: 'test', address: '10.0.0.1', revealToken: true },
      );
      ok(r!);
      expect(stored()).toMatch(/m=9216,p=1,t=2\$/);
    } finally {
      stronger.close();
    }
  });
});

describe('lockout', () => {
  it('answers unknown users and wrong passwords alike, then holds the account back; unlock clears it', async () => {
    const unknown = failure(
      await f.call('session.login', { username: 'nobody', password: 'whatever it is' }),
    );
    const wrong = failure(await f.call('session.login', { username: 'admin', password: 'whatever it is' }));
    expect(unknown).toEqual(wrong);
    for (let i = 0; i < 10; i++)
      await f.call(
        'session.login',
        { username: 'admin', password: 'guess number ' + i },
        { address: `10.2.0.${i}` },
      );
    const held = failure(
      await f.call(
        'session.login',
        { username: 'admin', password: FIXTURE_PASSWORD },
        { address: '10.3.0.1' },
      ),
    );
    expect(held.code).toBe(ErrorCode.RATE_LIMITED);
    expect((await operator(1)).lockedForSeconds).toBeGreaterThan(0);
    ok(await f.call('operators.unlock', { id: 1 }, { caller: admin() }));
    ok(
      await f.call(
        'session.login',
        { username: 'admin', password: FIXTURE_PASSWORD },
        { address: '10.3.0.1' },
      ),
    );
  });

  it('holds back one address spraying many accounts', async () => {
    for (let i = 0; i < 20; i++)
      await f.call(
        'session.login',
        { username: `user${i}`, password: 'Summer2026!!' },
        { address: '10.6.6.6' },
      );
    const e = failure(
      await f.call(
        'session.login',
        { username: 'admin', password: FIXTURE_PASSWORD },
        { address: '10.6.6.6' },
      ),
    );
    expect(e.code).toBe(ErrorCode.RATE_LIMITED);
    ok(
      await f.call(
        'session.login',
        { username: 'admin', password: FIXTURE_PASSWORD },
        { address: '10.7.7.7' },
      ),
    );
  });
});

describe('sessions', () => {
  it('lists one’s own sessions and revokes another one', async () => {
    const second = await f.login('admin', FIXTURE_PASSWORD, '10.0.0.2');
    const mine = ok<{ id: string; current: boolean; source: string }[]>(
      await f.call('session.list', {}, { caller: admin() }),
    );
    expect(mine).toHaveLength(2);
    const other = mine.find((s) => !s.current)!;
    expect(other.source).toBe('test 10.0.0.2');
    ok(await f.call('session.revoke', { sessionId: other.id }, { caller: admin() }));
    expect(f.callerOf(second.token)).toBeUndefined();
    expect(f.callerOf(f.admin.token)).toBeDefined();
  });

  it('lets an administrator list and end another operator’s sessions', async () => {
    const id = await f.addOperator('ops', [builtinRoles.operator.id]);
    const s = await f.login('ops');
    // addOperator left the session of its password change; this login is the second.
    const listed = ok<unknown[]>(await f.call('operators.sessions', { id }, { caller: admin() }));
    expect(listed).toHaveLength(2);
    expect(ok(await f.call('operators.revokeSessions', { id }, { caller: admin() }))).toEqual({ revoked: 2 });
    expect(f.callerOf(s.token)).toBeUndefined();
  });
});

describe('the audit trail of operator administration', () => {
  it('records successes and failures with who, what, target and outcome, and the chain holds', async () => {
    await f.call(
      'operators.create',
      { username: 'bad', roleIds: [999], password: FIXTURE_PASSWORD },
      { caller: admin() },
    );
    const ops = await f.addOperator('ops', [builtinRoles.operator.id]);
    await f.call(
      'roles.create',
      { name: 'x', permissions: [] },
      { caller: f.callerOf((await f.login('ops')).token) },
    );
    const log = new AuditRepo(f.site.db);
    const creates = log.list({ limit: 10, action: 'operators.create' });
    expect(creates.map((e) => [e.outcome, e.target])).toEqual([
      ['ok', `operator:${ops}`],
      ['NOT_FOUND', 'username:bad'],
    ]);
    expect(log.list({ limit: 1, action: 'roles.create' })[0]).toMatchObject({
      actor: 'ops',
      outcome: 'FORBIDDEN',
    });
    expect(log.verify().ok).toBe(true);
  });
});
