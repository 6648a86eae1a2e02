import type { z } from 'zod';
import type { Permission } from './permissions.js';

/**
 * Who may call a method. `public` needs no session (first-run setup, login, discovery);
 * `session` needs any logged-in operator; a permission needs a session whose role grants it.
 */
export type Access =
  { kind: 'public' } | { kind: 'session' } | { kind: 'permission'; permission: Permission };

/**
 * Whether a call can change anything. Every `write` call is recorded in the operator audit log with its
 * outcome, failures included; a `read` is recorded only when it is refused.
 */
export type Effect = 'read' | 'write';

/** One JSON-RPC method: its params and result schemas, who may call it, and a one-line summary. */
export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  summary: string;
  params: P;
  result: R;
  access: Access;
  effect: Effect;
  /**
   * Valid params, shown in the API documentation and used by the authorisation matrix test, which
   * calls every method with its example as every built-in role.
   */
  example: z.input<P>;
  /**
   * The largest request (JSON-RPC body, in bytes, or IPC message, in characters) this method takes;
   * without it, {@link DEFAULT_REQUEST_BYTES}. Only file uploads need more.
   */
  maxRequestBytes?: number;
}

/** The largest request a method takes unless it says otherwise: 1 MiB, far above any console form. */
export const DEFAULT_REQUEST_BYTES = 1024 * 1024;

/** Declares a method; a function only so that TypeScript keeps the exact schema types. */
export function method<P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  return spec;
}

/** Shorthand for the permission form of {@link Access}. */
export function needs(permission: Permission): Access {
  return { kind: 'permission', permission };
}
