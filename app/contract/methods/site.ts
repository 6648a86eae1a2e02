import { z } from 'zod';
import { method, needs } from '../method.js';
import { DisplayName, TimeZone, Timestamp, Version } from '../schemas.js';
import { Passphrase } from './custody.js';

/** The site: one per database. */
export const Site = z.object({
  id: z.uuid(),
  name: z.string(),
  timeZone: z.string().describe('IANA zone used to show and interpret local times'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** The site: one per database. */
export type Site = z.infer<typeof Site>;

/**
 * The shortest export passphrase the Service accepts: the key policy's MIN_PASSPHRASE_LENGTH
 * (app/keys/passphrase.ts), repeated here because the contract imports nothing outside itself; the
 * console checks it before Argon2 runs, and site-export-handlers.test.ts holds the two equal.
 */
export const EXPORT_PASSPHRASE_MIN_LENGTH = 12;

/** Reading and changing the site's own settings. */
export const siteMethods = {
  'site.get': method({
    summary: 'Returns the site: name, time zone and version.',
    params: z.strictObject({}),
    result: Site,
    access: needs('site:read'),
    effect: 'read',
    example: {},
  }),
  'site.update': method({
    summary:
      'Changes the site name or time zone; fails with CONFLICT if the version is stale (a change to the same values changes nothing).',
    params: z
      .strictObject({
        version: Version.describe('the version read; a stale one is refused with CONFLICT'),
        name: DisplayName.optional(),
        timeZone: TimeZone.optional(),
      })
      .refine((p) => p.name !== undefined || p.timeZone !== undefined, 'give name or timeZone (or both)'),
    result: Site,
    access: needs('settings:admin'),
    effect: 'write',
    example: { version: 0, name: 'Head office' },
  }),
  'site.exportBundle': method({
    summary:
      'Writes the whole site to one new file sealed under an export passphrase, in the folder the host keeps for exports (lintel serve: <data folder>/exports; the desktop app: Documents/Lintel exports), to install elsewhere with `lintel site import --in FILE`. UNAVAILABLE where the host keeps no such folder or another export is running.',
    params: z.strictObject({
      passphrase: Passphrase.describe(
        `the export passphrase (at least ${EXPORT_PASSPHRASE_MIN_LENGTH} characters; a shorter one is refused with INVALID_PARAMS): the file opens only with it`,
      ),
    }),
    result: z.object({
      file: z.string().describe("the new file's full path on the host running the Service"),
      bytes: z.number().int().nonnegative(),
      exportedAt: Timestamp,
    }),
    access: needs('settings:admin'),
    effect: 'write',
    example: { passphrase: 'moving day passphrase' },
  }),
};
