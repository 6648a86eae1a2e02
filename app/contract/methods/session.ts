import { z } from 'zod';
import { method } from '../method.js';
import { Permission } from '../permissions.js';
import { Password, Timestamp, Username } from '../schemas.js';

/** Where an operator's identity and roles come from. */
export const OperatorSource = z.enum(['local', 'ldap']);

/** A role as an operator sees it on themselves: id and name. */
export const RoleRef = z.object({ id: z.number().int().positive(), name: z.string() });

/** The operator a session belongs to, as the console shows them. */
export const OperatorSummary = z.object({
  id: z.number().int().positive(),
  username: z.string(),
  displayName: z.string(),
  source: OperatorSource,
  roles: z.array(RoleRef),
  permissions: z.array(Permission).describe('the union of what the roles grant'),
  mustChangePassword: z
    .boolean()
    .describe(
      'until session.changePassword succeeds, every other method is refused with PASSWORD_CHANGE_REQUIRED',
    ),
});

/** A live session as its holder may see it (never the token itself). */
export const SessionInfo = z.object({
  operator: OperatorSummary,
  expiresAt: Timestamp.describe(
    'when the session ends unless used (idle timeout, capped by the absolute one)',
  ),
});

/** A live session as its holder may see it. */
export type SessionInfo = z.infer<typeof SessionInfo>;

/** One of an operator's live sessions, as listed for them or for an administrator. */
export const SessionListing = z.object({
  id: z.string().describe('a public id for revoking; not the token'),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  source: z.string().describe('where it logged in from, e.g. "https 192.0.2.7" or "ipc"'),
  current: z.boolean().describe('whether this is the session making the call'),
});

/** A public session id. */
export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'must be a session id from session.list');

/** Login, logout, the caller's own sessions and password. Identity always comes from the server-side session. */
export const sessionMethods = {
  'session.login': method({
    summary:
      'Logs an operator in (local account first, then the directory); returns a session token and sets the session cookie.',
    params: z.strictObject({ username: Username, password: Password }),
    result: SessionInfo.extend({
      token: z
        .string()
        .optional()
        .describe(
          'bearer token for scripts; left out for the console, which keeps its session only in an HttpOnly cookie or the main process',
        ),
    }),
    access: { kind: 'public' },
    effect: 'write',
    example: { username: 'admin', password: 'correct horse battery staple' },
  }),
  'session.logout': method({
    summary: 'Ends the caller’s session and clears the cookie.',
    params: z.strictObject({}),
    result: z.object({ loggedOut: z.literal(true) }),
    access: { kind: 'session' },
    effect: 'write',
    example: {},
  }),
  'session.current': method({
    summary: 'Returns the caller’s session: who is logged in and until when.',
    params: z.strictObject({}),
    result: SessionInfo,
    access: { kind: 'session' },
    effect: 'read',
    example: {},
  }),
  'session.changePassword': method({
    summary:
      'Changes the caller’s own (local) password; ends all their sessions and starts a fresh one for this client.',
    params: z.strictObject({ currentPassword: Password, newPassword: Password }),
    result: SessionInfo.extend({ token: z.string().optional() }),
    access: { kind: 'session' },
    effect: 'write',
    example: { currentPassword: 'correct horse battery staple', newPassword: 'a new and longer passphrase' },
  }),
  'session.list': method({
    summary: 'Lists the caller’s own live sessions.',
    params: z.strictObject({}),
    result: z.array(SessionListing),
    access: { kind: 'session' },
    effect: 'read',
    example: {},
  }),
  'session.revoke': method({
    summary: 'Ends one of the caller’s own sessions (another browser, a lost laptop).',
    params: z.strictObject({ sessionId: SessionId }),
    result: z.object({ revoked: z.boolean() }),
    access: { kind: 'session' },
    effect: 'write',
    example: { sessionId: 'AAAAAAAAAAAAAAAA' },
  }),
};
