import { createHash, createHmac } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { bearerToken } from '../crypto/random.js';
import type { Caller } from '../rpc/context.js';
import type { Clock } from '../site/site.js';
import type { OperatorRepo, OperatorRow } from '../store/operator-repo.js';
import type { RoleRepo } from '../store/role-repo.js';
import type { SessionRepo, SessionRow } from '../store/session-repo.js';
import { Grants } from './grants.js';

/** How long sessions live. */
export interface SessionPolicy {
  /** Ends a session that has not been used for this long. */
  idleMs: number;
  /** Ends every session this long after login, used or not. */
  absoluteMs: number;
}

/** OWASP session guidance for an administrative console: 30 minutes idle, 12 hours at most. */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

/** Touching a session at most once a minute keeps reads from turning into writes. */
const TOUCH_EVERY_MS = 60_000;

/** The SHA-256 of a session token: what the store keeps instead of the token. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The CSRF token that goes with a session token (signed double-submit): only someone who holds the
 * HttpOnly session cookie's value can compute it, so it needs no server-side state.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('lintel/csrf/v1').digest('base64url');
}

/** A session as listed to its operator or an administrator. */
export interface SessionListingRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  source: string;
  current: boolean;
}

function expiry(row: SessionRow): string {
  return row.idle_expires_at < row.absolute_expires_at ? row.idle_expires_at : row.absolute_expires_at;
}

/** Starts, resolves and ends server-side sessions. */
export class SessionManager {
  private endedListeners = new Set<(hash: Buffer) => void>();

  constructor(
    private readonly sessions: SessionRepo,
    private readonly operators: OperatorRepo,
    private readonly roles: RoleRepo,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  /** Starts a session; the token is returned once and stored only as a hash. */
  start(operatorId: number, source: string): { token: string; expiresAt: Date } {
    const token = bearerToken();
    const now = this.clock();
    const idle = new Date(now.getTime() + this.policy.idleMs);
    const absolute = new Date(now.getTime() + this.policy.absoluteMs);
    this.sessions.insert({
      token_hash: tokenHash(token),
      public_id: randomBytes(12).toString('base64url'),
      operator_id: operatorId,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      idle_expires_at: idle.toISOString(),
      absolute_expires_at: absolute.toISOString(),
      source,
    });
    return { token, expiresAt: idle < absolute ? idle : absolute };
  }

  /**
   * The caller behind a token, or undefined if the session is unknown, expired or its operator disabled.
   * A call counts as use and extends the idle timeout; a live-event stream only looks (`touch: false`),
   * so a console left open does not keep its session alive forever.
   */
  resolve(token: string, opts: { touch?: boolean } = {}): Caller | undefined {
    if (token.length === 0 || token.length > 100) return undefined;
    const hash = tokenHash(token);
    const now = this.clock();
    const row = this.sessions.live(hash, now);
    if (!row) return undefined;
    const op = this.operators.byId(row.operator_id);
    if (!op || op.disabled_at) {
      this.sessions.delete(hash);
      return undefined;
    }
    let idle = new Date(row.idle_expires_at);
    if (opts.touch !== false && now.getTime() - new Date(row.last_seen_at).getTime() >= TOUCH_EVERY_MS) {
      idle = new Date(now.getTime() + this.policy.idleMs);
      this.sessions.touch(hash, now, idle);
    }
    const absolute = new Date(row.absolute_expires_at);
    return { ...this.identity(op), sessionHash: hash, expiresAt: idle < absolute ? idle : absolute };
  }

  /**
   * Who an operator is right now: roles and permissions are read at every call, so a role changed or
   * taken away applies to the very next call of everyone who holds it.
   */
  identity(op: OperatorRow): Omit<Caller, 'sessionHash' | 'expiresAt'> {
    const roles = this.roles.byIds(this.operators.roleIds(op.id));
    const grants = Grants.of(roles);
    return {
      operatorId: op.id,
      username: op.username,
      displayName: op.display_name,
      source: op.source,
      roles: roles.map((r) => ({ id: r.id, name: r.name })),
      permissions: grants.permissions,
      grants,
      mustChangePassword: op.must_change_password === 1,
    };
  }

  /** An operator's live sessions; `current` marks the caller's own. */
  list(operatorId: number, currentHash?: Buffer): SessionListingRow[] {
    return this.sessions.liveFor(operatorId, this.clock()).map((row) => ({
      id: row.public_id,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: expiry(row),
      source: row.source,
      current: currentHash !== undefined && row.token_hash.equals(currentHash),
    }));
  }

  /** Ends one session of an operator by its public id; false if there is none. */
  endByPublicId(operatorId: number, publicId: string): boolean {
    const row = this.sessions.allFor(operatorId).find((r) => r.public_id === publicId);
    if (!row) return false;
    this.end(row.token_hash);
    return true;
  }

  /** The token hashes of an operator's sessions. */
  hashesOf(operatorId: number): Buffer[] {
    return this.sessions.allFor(operatorId).map((r) => r.token_hash);
  }

  /** Ends every session of an operator (but `except`, if given); returns how many ended. */
  endAllFor(operatorId: number, except?: Buffer): number {
    let n = 0;
    for (const row of this.sessions.allFor(operatorId)) {
      if (except && row.token_hash.equals(except)) continue;
      this.end(row.token_hash);
      n++;
    }
    return n;
  }

  /** Ends a session, and tells whoever holds a stream open for it (live events close at once). */
  end(hash: Buffer): void {
    this.sessions.delete(hash);
    for (const listener of this.endedListeners) listener(hash);
  }

  /** Calls `listener` with the hash of each session ended early (logout, revocation); returns the unsubscribe. */
  onEnded(listener: (hash: Buffer) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  /** Drops expired sessions. */
  sweep(): number {
    return this.sessions.deleteExpired(this.clock());
  }
}
