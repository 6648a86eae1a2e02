import { z } from 'zod';
import { method } from '../method.js';
import { Permission } from '../permissions.js';
import { Password, Timestamp, Username } from '../schemas.js';

/** The operator a session belongs to, as the console shows them. */
export const OperatorSummary = z.object({
  id: z.number().int().positive(),
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  permissions: z.array(Permission),
});

/** A live session as its holder may see it (never the token itself). */
export const SessionInfo = z.object({
  operator: OperatorSummary,
  expiresAt: Timestamp.describe(
    'when the session ends unless used (idle timeout, capped by the absolute one)',
  ),
});

/** Login and logout. Identity always comes from the server-side session, never from params. */
export const sessionMethods = {
  'session.login': method({
    summary: 'Logs an operator in; returns a session token and sets the session cookie.',
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
  }),
  'session.logout': method({
    summary: 'Ends the caller’s session and clears the cookie.',
    params: z.strictObject({}),
    result: z.object({ loggedOut: z.literal(true) }),
    access: { kind: 'session' },
  }),
  'session.current': method({
    summary: 'Returns the caller’s session: who is logged in and until when.',
    params: z.strictObject({}),
    result: SessionInfo,
    access: { kind: 'session' },
  }),
};
