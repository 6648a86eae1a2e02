import type { z } from 'zod';
import type { Operator } from '../contract/methods/operators.js';
import type { OperatorSummary } from '../contract/methods/session.js';
import type { OperatorRow } from '../store/operator-repo.js';
import type { LoginGuard } from './login-guard.js';
import type { SessionManager } from './sessions.js';

/** The operator a session belongs to, as the console shows them. */
export function operatorSummary(sessions: SessionManager, op: OperatorRow): z.input<typeof OperatorSummary> {
  const who = sessions.identity(op);
  return {
    id: op.id,
    username: op.username,
    displayName: op.display_name,
    source: op.source,
    roles: who.roles,
    permissions: [...who.permissions],
    mustChangePassword: who.mustChangePassword,
  };
}

/** An operator as an administrator sees them. */
export function operatorView(sessions: SessionManager, guard: LoginGuard, op: OperatorRow): Operator {
  return {
    id: op.id,
    username: op.username,
    displayName: op.display_name,
    source: op.source,
    roles: sessions.identity(op).roles,
    disabled: op.disabled_at !== null,
    mustChangePassword: op.must_change_password === 1,
    lockedForSeconds: guard.lockedForSeconds(op.username),
    lastLoginAt: op.last_login_at,
    passwordChangedAt: op.password_changed_at,
    createdAt: op.created_at,
    updatedAt: op.updated_at,
    version: op.version,
  };
}
