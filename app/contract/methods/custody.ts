import { z } from 'zod';
import { method } from '../method.js';

/** A site passphrase as the console sends it: never trimmed (blanks may be part of it). */
export const Passphrase = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

/**
 * Key custody. Only the desktop app answers `custody.unlock` for real: when the OS keychain cannot hold
 * the site key, its main process opens the site only after the console sends the passphrase (every other
 * method answers SITE_LOCKED meanwhile). Wherever the Service is already running it answers CONFLICT.
 */
export const custodyMethods = {
  'custody.unlock': method({
    summary:
      'Desktop app only: opens (or, for a new site, creates) the site with its passphrase while every other method answers SITE_LOCKED; a running Service answers CONFLICT.',
    params: z.strictObject({ passphrase: Passphrase }),
    result: z.object({
      created: z.boolean().describe('a new site was created, locked with this passphrase'),
    }),
    access: { kind: 'public' },
    effect: 'write',
    example: { passphrase: 'correct horse battery staple' },
  }),
};
