import type { MethodName } from '../contract/index.js';
import type { Log } from '../log.js';
import type { CallContext } from '../rpc/context.js';
import type { Handler } from '../rpc/dispatcher.js';
import { RpcError } from '../rpc/rpc-error.js';
import type { Clock, OpenSite } from '../site/site.js';
import type { AuditEntry, AuditRepo } from '../store/audit-repo.js';
import type { DirectoryRepo } from '../store/directory-repo.js';
import type { OperatorRepo } from '../store/operator-repo.js';
import type { RoleRepo } from '../store/role-repo.js';
import type { EventBus } from './event-bus.js';
import type { Operations } from './operations.js';
import type { PasswordHasher } from './passwords.js';
import type { SessionManager } from './sessions.js';

/** The handlers of some of the contract's methods. */
export type HandlerGroup<K extends MethodName> = { [M in K]: Handler<M> };

/** What the handler groups share: the site's repositories, sessions, clock and audit log. */
export interface ServiceKit {
  site: OpenSite;
  log: Log;
  clock: Clock;
  events: EventBus;
  /** Long calls running now, for progress and cancel. */
  operations: Operations;
  passwords: PasswordHasher;
  sessions: SessionManager;
  operators: OperatorRepo;
  roles: RoleRepo;
  directory: DirectoryRepo;
  audit: AuditRepo;
  /**
   * Writes the audit entry of this call now — inside the handler's transaction, so the change and its
   * record commit together — and marks it so the dispatcher does not write a second one.
   */
  record(ctx: CallContext, e: Partial<AuditEntry> & { action: string }): void;
}

/** The CONFLICT error for an object that changed since the caller read it. */
export function stale(what: string, sent: number, current: number | undefined): RpcError {
  return current === undefined
    ? new RpcError('NOT_FOUND', `The ${what} no longer exists: reload the list`)
    : new RpcError('CONFLICT', `The ${what} changed since version ${sent}: reload it and try again`, {
        reason: 'stale',
        currentVersion: current,
      });
}

/** The NOT_FOUND error. */
export function notFound(what: string, id: number | string): RpcError {
  return new RpcError('NOT_FOUND', `No ${what} ${id}: reload the list`);
}

/** The value, or NOT_FOUND when there is none. */
export function existing<T>(value: T | undefined, what: string, id: number | string): T {
  if (value === undefined) throw notFound(what, id);
  return value;
}
