import { z } from 'zod';
import { method, needs } from '../method.js';
import { DisplayName, TimeZone, Timestamp, Version } from '../schemas.js';

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
};
