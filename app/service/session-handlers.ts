import { RpcError } from '../rpc/rpc-error.js';
import type { CallContext } from '../rpc/context.js';
import type { OperatorRow } from '../store/operator-repo.js';
import { directoryLogin } from './directory-login.js';
import { notFound, type HandlerGroup, type ServiceKit } from './handler-kit.js';
import type { LoginGuard } from './login-guard.js';
import { operatorSummary } from './operator-view.js';
import { HasherBusyError, passwordProblem } from './passwords.js';

/** The answer to every failed login, whatever the reason: it tells nothing about which accounts exist. */
function invalidCredentials(): RpcError {
  return new RpcError('INVALID_CREDENTIALS', 'Unknown username or wrong password');
}

/** Turns a full hashing queue into an answer that says to retry. */
export async function unlessBusy<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof HasherBusyError)
      throw new RpcError('UNAVAILABLE', 'Too many logins at once: try again in a few seconds', {
        reason: 'busy',
        retryAfterSeconds: 2,
      });
    throw err;
  }
}

/** Login, logout, the caller's own sessions and password. */
export function sessionHandlers(
  kit: ServiceKit,
  guard: LoginGuard,
): HandlerGroup<
  | 'session.login'
  | 'session.logout'
  | 'session.current'
  | 'session.changePassword'
  | 'session.list'
  | 'session.revoke'
> {
  /** Starts a session for an operator who proved who they are, and records it. */
  function begin(op: OperatorRow, ctx: CallContext, detail: Record<string, unknown>) {
    const { token, expiresAt } = kit.sessions.start(op.id, ctx.source);
    kit.site.db.transaction(() => {
      kit.operators.loggedIn(op.id, kit.clock());
      kit.record(
        { ...ctx, caller: undefined },
        {
          action: 'session.login',
          operatorId: op.id,
          actor: op.username,
          target: `operator:${op.id}`,
          detail,
        },
      );
    })();
    ctx.sessionSink?.started(token, expiresAt);
    return {
      operator: operatorSummary(kit.sessions, kit.operators.byId(op.id)!),
      expiresAt: expiresAt.toISOString(),
      ...(ctx.revealToken ? { token } : {}),
    };
  }

  function refuse(ctx: CallContext, username: string, outcome: string, reason: string): void {
    // A directory that cannot be reached says nothing about the password: it must not lock anyone out.
    if (outcome !== 'DIRECTORY_UNAVAILABLE') guard.failed(username, ctx.address);
    kit.record(ctx, {
      action: 'session.login',
      actor: 'anonymous',
      target: `username:${username}`,
      outcome,
      detail: { reason },
    });
  }

  return {
    'session.login': async (p, ctx) => {
      const wait = guard.retryAfterSeconds(p.username, ctx.address);
      if (wait > 0)
        throw new RpcError('RATE_LIMITED', `Too many failed logins: try again in ${wait} s`, {
          retryAfterSeconds: wait,
        });
      const local = kit.operators.byUsername(p.username);
      if (local?.source === 'local' || !kit.directory.get().enabled) {
        // Local accounts are checked first and never fall through to the directory, so a directory
        // account cannot shadow a local one (nor a local one be reached with a directory password).
        const usable =
          local?.source === 'local' && !local.disabled_at ? (local.password_hash ?? undefined) : undefined;
        const ok = await unlessBusy(kit.passwords.verify(usable, p.password));
        if (!local || !ok) {
          refuse(
            ctx,
            p.username,
            'INVALID_CREDENTIALS',
            !local ? 'unknown username' : local.disabled_at ? 'disabled' : 'wrong password',
          );
          throw invalidCredentials();
        }
        guard.succeeded(p.username, ctx.address);
        if (usable && kit.passwords.needsRehash(usable)) {
          // Parameters changed since this hash was made: the password is at hand now, so upgrade it.
          const fresh = await unlessBusy(kit.passwords.hash(p.password));
          kit.operators.setPasswordHash(local.id, fresh, kit.clock(), { mustChange: false, rehash: true });
        }
        return begin(local, ctx, { via: 'local' });
      }
      const result = await directoryLogin(kit, p.username, p.password);
      if (result.kind === 'unavailable') {
        const { stage, message } = result.error;
        kit.log.warn({ stage, message }, 'login: the directory could not be used');
        refuse(ctx, p.username, 'DIRECTORY_UNAVAILABLE', `${stage}: ${message}`);
        throw new RpcError(
          'DIRECTORY_UNAVAILABLE',
          `The directory server could not be used (${stage}). Ask an administrator to run “Test connection” in the directory settings; local operators can still log in.`,
          { stage },
        );
      }
      if (result.kind === 'rejected') {
        // The same cost as a local failure, so timing does not tell directory answers apart.
        await unlessBusy(kit.passwords.verify(undefined, p.password));
        refuse(ctx, p.username, 'INVALID_CREDENTIALS', result.reason);
        throw invalidCredentials();
      }
      guard.succeeded(p.username, ctx.address);
      if (result.rolesChanged) kit.sessions.endAllFor(result.operator.id);
      return begin(result.operator, ctx, { via: 'directory', rolesChanged: result.rolesChanged });
    },

    'session.logout': (_p, ctx) => {
      kit.sessions.end(ctx.caller!.sessionHash);
      ctx.sessionSink?.ended();
      return { loggedOut: true as const };
    },

    'session.current': (_p, ctx) => {
      const caller = ctx.caller!;
      return {
        operator: operatorSummary(kit.sessions, kit.operators.byId(caller.operatorId)!),
        expiresAt: caller.expiresAt.toISOString(),
      };
    },

    'session.changePassword': async (p, ctx) => {
      const caller = ctx.caller!;
      const op = kit.operators.byId(caller.operatorId)!;
      ctx.audit!.target = `operator:${op.id}`;
      if (op.source !== 'local' || !op.password_hash)
        throw new RpcError('CONFLICT', 'Directory operators change their password in the directory', {
          reason: 'directory operator',
        });
      const wait = guard.retryAfterSeconds(op.username, ctx.address);
      if (wait > 0)
        throw new RpcError('RATE_LIMITED', `Too many wrong passwords: try again in ${wait} s`, {
          retryAfterSeconds: wait,
        });
      if (!(await unlessBusy(kit.passwords.verify(op.password_hash, p.currentPassword)))) {
        guard.failed(op.username, ctx.address);
        throw new RpcError('INVALID_CREDENTIALS', 'The current password is wrong');
      }
      const weak =
        p.newPassword === p.currentPassword
          ? 'must differ from the current one'
          : passwordProblem(p.newPassword, op.username);
      if (weak) throw new RpcError('WEAK_PASSWORD', `The new password ${weak}`, { reason: weak });
      const hash = await unlessBusy(kit.passwords.hash(p.newPassword));
      kit.site.db.transaction(() => {
        kit.operators.setPasswordHash(op.id, hash, kit.clock(), { mustChange: false });
        kit.record(ctx, { action: 'session.changePassword', target: `operator:${op.id}` });
      })();
      // Every session, this one included, ends: whoever else held one needed the old password. This
      // client gets a fresh session at once.
      kit.sessions.endAllFor(op.id);
      const { token, expiresAt } = kit.sessions.start(op.id, ctx.source);
      ctx.sessionSink?.started(token, expiresAt);
      return {
        operator: operatorSummary(kit.sessions, kit.operators.byId(op.id)!),
        expiresAt: expiresAt.toISOString(),
        ...(ctx.revealToken ? { token } : {}),
      };
    },

    'session.list': (_p, ctx) => kit.sessions.list(ctx.caller!.operatorId, ctx.caller!.sessionHash),

    'session.revoke': (p, ctx) => {
      const caller = ctx.caller!;
      ctx.audit!.target = `session:${p.sessionId}`;
      const current = kit.sessions
        .list(caller.operatorId, caller.sessionHash)
        .find((s) => s.id === p.sessionId);
      if (!current) throw notFound('session', p.sessionId);
      kit.sessions.endByPublicId(caller.operatorId, p.sessionId);
      if (current.current) ctx.sessionSink?.ended();
      return { revoked: true };
    },
  };
}
