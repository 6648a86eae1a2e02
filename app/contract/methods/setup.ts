import { z } from 'zod';
import { method } from '../method.js';
import { DisplayName, Password, TimeZone, Username } from '../schemas.js';
import { OperatorSummary } from './session.js';

/** First-run state, readable before anyone has logged in. */
export const SetupStatus = z.object({
  siteName: z.string(),
  administratorExists: z.boolean().describe('false until setup.createAdmin has succeeded once'),
  tokenRequired: z
    .boolean()
    .describe(
      'whether setup.createAdmin needs the setup token: always, except from the desktop app’s own window',
    ),
});

/** First-run setup: the only path to the first administrator, gated by a one-time token. */
export const setupMethods = {
  'setup.status': method({
    summary: 'Tells whether the first administrator still has to be created.',
    params: z.strictObject({}),
    result: SetupStatus,
    access: { kind: 'public' },
    effect: 'read',
    example: {},
  }),
  'setup.createAdmin': method({
    summary: 'Creates the first administrator with the one-time setup token the service printed.',
    params: z.strictObject({
      token: z
        .string()
        .min(1, 'must not be empty')
        .max(200)
        .optional()
        .describe('the one-time setup token; not needed from the desktop app’s own window'),
      username: Username,
      password: Password,
      displayName: DisplayName.optional(),
      siteName: DisplayName.optional().describe('renames the site at the same time'),
      timeZone: TimeZone.optional(),
    }),
    result: z.object({ operator: OperatorSummary }),
    access: { kind: 'public' },
    effect: 'write',
    example: {
      token: 'ABCD-EFGH-JKLM-NPQR',
      username: 'admin',
      password: 'correct horse battery staple',
      siteName: 'Head office',
      timeZone: 'Europe/Madrid',
    },
  }),
};
