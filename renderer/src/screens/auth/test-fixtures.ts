// Fixtures of the auth screens' component tests (not part of the console build).
import { ErrorCode, type ErrorName } from '../../../../app/contract/errors.js';
import { RpcCallError } from '../../rpc/rpc-call-error.js';
import type { SessionRow } from '../../components/sessions-table.js';
import type { Session } from '../login-screen.js';
import type { Site } from '../site-rename-form.js';

/** A failed call as the client rejects it. */
export function rpcError(
  name: ErrorName,
  message: string = name,
  data: Record<string, unknown> = {},
): RpcCallError {
  return new RpcCallError(ErrorCode[name], message, { ...data, name });
}

/** A logged-in administrator. */
export const adminSession: Session = {
  operator: {
    id: 1,
    username: 'admin',
    displayName: 'Site Administrator',
    source: 'local',
    roles: [{ id: 1, name: 'administrator' }],
    permissions: ['site:read', 'settings:admin'],
    mustChangePassword: false,
  },
  expiresAt: '2030-01-01T00:00:00.000Z',
};

/** The site at some version. */
export function site(name: string, version: number): Site {
  return {
    id: '6f1c1f3e-8f57-4a43-9a53-1d4d0c3bb1f0',
    name,
    timeZone: 'Europe/Madrid',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    version,
  };
}

/** One of the operator's sessions. */
export function sessionRow(id: string, source: string, current = false): SessionRow {
  return {
    id,
    source,
    current,
    createdAt: '2030-01-01T08:00:00.000Z',
    lastSeenAt: '2030-01-01T09:00:00.000Z',
    expiresAt: '2030-01-01T17:00:00.000Z',
  };
}
