import type { Permission } from '../contract/permissions.js';
import { humanToken } from '../crypto/random.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError } from '../rpc/rpc-error.js';
import type { OperatorRow } from '../store/operator-repo.js';
import type { RoleRecord } from '../store/role-repo.js';
import { Grants, type RoleGrant } from './grants.js';
import { notFound, stale, type HandlerGroup, type ServiceKit, existing } from './handler-kit.js';
import type { LoginGuard } from './login-guard.js';
import { operatorView } from './operator-view.js';
import { passwordProblem } from './passwords.js';
import { unlessBusy } from './session-handlers.js';

const ADMINISTRATOR_ROLE_ID = 1;

function beyond(what: string, missing: Permission[]): RpcError {
  return new RpcError(
    'FORBIDDEN',
    `${what} would grant more than you hold (${missing.join(', ')}): an operator can only give what they have`,
    { permissions: missing },
  );
}

function rule(message: string, reason: string): RpcError {
  return new RpcError('CONFLICT', message, { reason });
}

/** Operators and roles, with the rule that nobody gives, changes or takes over more than they hold. */
export function operatorHandlers(
  kit: ServiceKit,
  guard: LoginGuard,
): HandlerGroup<
  | 'operators.list'
  | 'operators.create'
  | 'operators.update'
  | 'operators.delete'
  | 'operators.resetPassword'
  | 'operators.unlock'
  | 'operators.sessions'
  | 'operators.revokeSessions'
  | 'roles.list'
  | 'roles.create'
  | 'roles.update'
  | 'roles.delete'
> {
  const db = kit.site.db;
  const view = (op: OperatorRow) => operatorView(kit.sessions, guard, op);

  function rolesOrFail(ids: readonly number[]): RoleRecord[] {
    const found = kit.roles.byIds(ids);
    const missing = ids.filter((id) => !found.some((r) => r.id === id));
    if (missing.length) throw new RpcError('NOT_FOUND', `No role ${missing.join(', ')}: reload the roles`);
    return found;
  }

  /** Refuses unless the caller holds everything `roles` grant, where they grant it. */
  function assertWithin(ctx: CallContext, roles: readonly RoleGrant[], what: string): void {
    const missing = ctx.caller!.grants.missing(Grants.of(roles));
    if (missing.length) throw beyond(what, missing);
  }

  /** The operator, if the caller may manage them: nobody takes over an account stronger than their own. */
  function manageable(ctx: CallContext, id: number): OperatorRow {
    const op = kit.operators.byId(id);
    if (!op) throw notFound('operator', id);
    ctx.audit!.target = `operator:${id}`;
    const missing = ctx.caller!.grants.missing(Grants.of(kit.roles.byIds(kit.operators.roleIds(id))));
    if (missing.length)
      throw new RpcError(
        'FORBIDDEN',
        `${op.username} holds permissions you do not (${missing.join(', ')}): ask an operator who holds them`,
        { permissions: missing },
      );
    return op;
  }

  /** Refuses a change that would leave no enabled administrator to manage the site. */
  function keepAnAdministrator(): void {
    if (kit.operators.countEnabledWithRole(ADMINISTRATOR_ROLE_ID) === 0)
      throw rule('The site must keep at least one enabled administrator', 'last administrator');
  }

  function notSelf(ctx: CallContext, id: number, what: string): void {
    if (ctx.caller!.operatorId === id)
      throw rule(`You cannot ${what} yourself: ask another administrator`, 'self');
  }

  return {
    'operators.list': () => kit.operators.list().map(view),

    'operators.create': async (p, ctx) => {
      ctx.audit!.target = `username:${p.username}`;
      const roles = rolesOrFail(p.roleIds);
      assertWithin(ctx, roles, 'These roles');
      const weak = passwordProblem(p.password, p.username);
      if (weak) throw new RpcError('WEAK_PASSWORD', `The password ${weak}`, { reason: weak });
      if (kit.operators.byUsername(p.username))
        throw rule(`An operator named ${p.username} already exists`, 'username taken');
      const hash = await unlessBusy(kit.passwords.hash(p.password));
      return db.transaction(() => {
        if (kit.operators.byUsername(p.username))
          throw rule(`An operator named ${p.username} already exists`, 'username taken');
        const id = kit.operators.create(
          {
            username: p.username,
            displayName: p.displayName ?? p.username,
            source: 'local',
            passwordHash: hash,
            mustChangePassword: true,
            roleIds: p.roleIds,
          },
          kit.clock(),
        );
        kit.record(ctx, {
          action: 'operators.create',
          target: `operator:${id}`,
          detail: { username: p.username, roles: roles.map((r) => r.name) },
        });
        return view(kit.operators.byId(id)!);
      })();
    },

    'operators.update': (p, ctx) => {
      const result = db.transaction(() => {
        const op = manageable(ctx, p.id);
        const changes: Record<string, unknown> = {};
        let endSessions = false;
        if (p.roleIds !== undefined) {
          const before = kit.operators.roleIds(op.id);
          if (before.join(',') !== [...p.roleIds].sort((a, b) => a - b).join(',')) {
            if (op.source === 'ldap')
              throw rule(
                'Directory operators get their roles from their groups: change the group mapping instead',
                'directory operator',
              );
            notSelf(ctx, op.id, 'change the roles of');
            const roles = rolesOrFail(p.roleIds);
            assertWithin(ctx, roles, 'These roles');
            kit.operators.setRoles(op.id, p.roleIds);
            changes.roles = {
              from: kit.roles.byIds(before).map((r) => r.name),
              to: roles.map((r) => r.name),
            };
            endSessions = true;
          }
        }
        if (p.disabled !== undefined && p.disabled !== (op.disabled_at !== null)) {
          if (p.disabled) notSelf(ctx, op.id, 'disable');
          changes.disabled = p.disabled;
          endSessions ||= p.disabled;
        }
        if (p.displayName !== undefined && p.displayName !== op.display_name)
          changes.displayName = { from: op.display_name, to: p.displayName };
        if (
          !kit.operators.update(
            op.id,
            p.version,
            { displayName: p.displayName, disabled: p.disabled },
            kit.clock(),
          )
        )
          throw stale('operator', p.version, kit.operators.byId(op.id)?.version);
        keepAnAdministrator();
        kit.record(ctx, { action: 'operators.update', target: `operator:${op.id}`, detail: { changes } });
        return { op: kit.operators.byId(op.id)!, endSessions };
      })();
      // Ended after the commit, so live-event streams close only for a change that happened.
      if (result.endSessions) kit.sessions.endAllFor(result.op.id);
      return view(result.op);
    },

    'operators.delete': (p, ctx) => {
      const ended = kit.sessions.hashesOf(p.id);
      db.transaction(() => {
        const op = manageable(ctx, p.id);
        notSelf(ctx, op.id, 'delete');
        if (!kit.operators.delete(op.id, p.version)) throw stale('operator', p.version, op.version);
        keepAnAdministrator();
        kit.record(ctx, {
          action: 'operators.delete',
          target: `operator:${op.id}`,
          detail: { username: op.username },
        });
      })();
      // The rows went with the operator; their live-event streams are told after the commit.
      for (const hash of ended) kit.sessions.end(hash);
      return { deleted: true as const };
    },

    'operators.resetPassword': async (p, ctx) => {
      const op = manageable(ctx, p.id);
      if (op.source !== 'local')
        throw rule('Directory operators reset their password in the directory', 'directory operator');
      notSelf(ctx, op.id, 'reset the password of');
      const password = p.password ?? humanToken(15);
      const weak = passwordProblem(password, op.username);
      if (weak) throw new RpcError('WEAK_PASSWORD', `The password ${weak}`, { reason: weak });
      const hash = await unlessBusy(kit.passwords.hash(password));
      db.transaction(() => {
        if (!kit.operators.byId(op.id)) throw notFound('operator', op.id);
        kit.operators.setPasswordHash(op.id, hash, kit.clock(), { mustChange: true });
        kit.record(ctx, {
          action: 'operators.resetPassword',
          target: `operator:${op.id}`,
          detail: { generated: p.password === undefined },
        });
      })();
      kit.sessions.endAllFor(op.id);
      guard.unlock(op.username);
      return p.password === undefined ? { temporaryPassword: password } : {};
    },

    'operators.unlock': (p, ctx) => {
      const op = manageable(ctx, p.id);
      guard.unlock(op.username);
      return view(op);
    },

    'operators.sessions': (p) => {
      if (!kit.operators.byId(p.id)) throw notFound('operator', p.id);
      return kit.sessions.list(p.id);
    },

    'operators.revokeSessions': (p, ctx) => {
      const op = manageable(ctx, p.id);
      if (p.sessionId === undefined) return { revoked: kit.sessions.endAllFor(op.id) };
      ctx.audit!.detail = { sessionId: p.sessionId };
      return { revoked: kit.sessions.endByPublicId(op.id, p.sessionId) ? 1 : 0 };
    },

    'roles.list': () => kit.roles.list(),

    'roles.create': (p, ctx) => {
      ctx.audit!.target = `role-name:${p.name}`;
      const fields = { ...p, permissions: [...new Set(p.permissions)] };
      const missing = ctx.caller!.grants.missing(Grants.of([fields]));
      if (missing.length) throw beyond('This role', missing);
      return db.transaction(() => {
        if (kit.roles.list().some((r) => r.name.toLowerCase() === p.name.toLowerCase()))
          throw rule(`A role named ${p.name} already exists`, 'name taken');
        const id = kit.roles.create(fields, kit.clock());
        kit.record(ctx, {
          action: 'roles.create',
          target: `role:${id}`,
          detail: { name: p.name, permissions: fields.permissions, partition: p.partition },
        });
        return kit.roles.byId(id)!;
      })();
    },

    'roles.update': (p, ctx) => {
      ctx.audit!.target = `role:${p.id}`;
      return db.transaction(() => {
        const before = existing(kit.roles.byId(p.id), 'role', p.id);
        if (before.builtin) throw rule('Built-in roles cannot be changed: create a custom role', 'built-in');
        const after = {
          name: p.name ?? before.name,
          description: p.description ?? before.description,
          permissions: p.permissions ? [...new Set(p.permissions)] : before.permissions,
          partition: p.partition !== undefined ? p.partition : before.partition,
        };
        assertWithin(ctx, [before], 'Changing this role');
        assertWithin(ctx, [after], 'This role');
        if (kit.roles.list().some((r) => r.id !== p.id && r.name.toLowerCase() === after.name.toLowerCase()))
          throw rule(`A role named ${after.name} already exists`, 'name taken');
        if (!kit.roles.update(p.id, p.version, after, kit.clock()))
          throw stale('role', p.version, before.version);
        kit.record(ctx, {
          action: 'roles.update',
          target: `role:${p.id}`,
          detail: {
            from: { name: before.name, permissions: before.permissions, partition: before.partition },
            to: after,
          },
        });
        return kit.roles.byId(p.id)!;
      })();
    },

    'roles.delete': (p, ctx) => {
      ctx.audit!.target = `role:${p.id}`;
      const ended: number[] = [];
      db.transaction(() => {
        const role = existing(kit.roles.byId(p.id), 'role', p.id);
        if (role.builtin) throw rule('Built-in roles cannot be deleted', 'built-in');
        assertWithin(ctx, [role], 'Deleting this role');
        if (kit.directory.mapsRole(role.id))
          throw rule(`A directory group maps to ${role.name}: change the group mapping first`, 'in use');
        const holders = kit.operators.withRole(role.id);
        const local = holders.filter((o) => o.source === 'local');
        if (local.length > 0)
          throw rule(`${local.length} operator(s) hold ${role.name}: give them other roles first`, 'in use');
        // Directory operators hold it only from their last login (no group maps to it any more):
        // they lose it now rather than at their next login, and their sessions end.
        for (const o of holders) kit.operators.removeRole(o.id, role.id);
        ended.push(...holders.map((o) => o.id));
        if (!kit.roles.delete(p.id, p.version)) throw stale('role', p.version, role.version);
        kit.record(ctx, {
          action: 'roles.delete',
          target: `role:${p.id}`,
          detail: { name: role.name, directoryOperators: ended },
        });
      })();
      for (const id of ended) kit.sessions.endAllFor(id);
      return { deleted: true as const };
    },
  };
}
