import type { Permission } from '../contract/permissions.js';
import type { Grants } from '../service/grants.js';

/** The logged-in operator behind a call, resolved by the transport from the server-side session. */
export interface Caller {
  operatorId: number;
  username: string;
  displayName: string;
  source: 'local' | 'ldap';
  roles: { id: number; name: string }[];
  /** The permissions held anywhere (what the dispatcher checks). */
  permissions: ReadonlySet<Permission>;
  /** Where each permission applies (partitions). */
  grants: Grants;
  /** Until the operator changes a temporary password, only that and logout are allowed. */
  mustChangePassword: boolean;
  /** SHA-256 of the session token (the token itself is never kept). */
  sessionHash: Buffer;
  expiresAt: Date;
}

/** What a handler adds to the audit entry of its call. */
export interface AuditNote {
  target?: string;
  detail?: Record<string, unknown>;
  /** Set once the handler wrote the entry itself, inside its own transaction. */
  recorded?: boolean;
}

/**
 * What a handler knows about a call besides its params. Identity comes only from `caller`, which the
 * transport filled from its own session store, never from anything the client sent in params.
 */
export interface CallContext {
  caller?: Caller;
  /**
   * Why a session the client presented was not accepted (e.g. a cookie without its CSRF header), so
   * a method that needs one can say so instead of a bare "log in first".
   */
  authProblem?: string;
  /** Where the call came from, for the audit log and rate limits ("https 127.0.0.1", "ipc"). */
  source: string;
  /** The address part of `source`, for per-address limits. */
  address: string;
  /** Transports that hold the session for the client (cookie, Electron main) are told of changes. */
  sessionSink?: {
    started(token: string, expiresAt: Date): void;
    ended(): void;
  };
  /**
   * The transport vouches that the caller sits at this machine: the desktop app's own window, over
   * IPC. First-run setup then needs no setup token (the token keeps someone on the network from
   * claiming a fresh site first; the person at the window already holds the machine).
   */
  localOperator?: boolean;
  /** Whether `session.login` returns the bearer token in its result (scripts yes, the console no). */
  revealToken: boolean;
  /**
   * How big the request this call came in was (bytes over HTTPS), when the transport read it with a
   * limit above the default: the dispatcher refuses it for a method whose own limit is lower.
   */
  requestSize?: number;
  /** Filled by the handler for the audit entry of this call (the dispatcher creates it). */
  audit?: AuditNote;
}
