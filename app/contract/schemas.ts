import { z } from 'zod';

/** Characters that never belong in names shown to people: C0/C1 controls and bidi overrides. */
// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A human-facing name: trimmed, 1–100 characters, nothing unprintable. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((s) => !unprintable.test(s), 'must not contain control characters');

/** A free-text description of a named object: trimmed, at most 500 characters. */
export const Description = z.string().trim().max(500);

/** An IANA time-zone name that this runtime knows (Europe/Madrid, UTC, …). */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Madrid');

/** An operator's login name. Case-insensitive in the store. */
export const Username = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -');

/** A password as typed. The policy (length, common passwords) is checked by the service. */
export const Password = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

/** An ISO-8601 UTC timestamp. */
export const Timestamp = z.iso.datetime();

/** Optimistic-concurrency version of a stored object; every update must send the one it read. */
export const Version = z.number().int().nonnegative();

/** An empty params object (methods that take nothing still accept `{}` or no params at all). */
export const NoParams = z.strictObject({});

/** Paging and sorting for list methods: `sort` names one of the method's sortable fields. */
export function listQuery<const S extends readonly [string, ...string[]]>(sortable: S) {
  return z.strictObject({
    search: z.string().trim().max(100).optional().describe('matches names, case-insensitively'),
    sort: z.enum(sortable).default(sortable[0]),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.number().int().min(1).max(500).default(50),
    offset: z.number().int().nonnegative().max(10_000_000).default(0),
  });
}

/** A page of a list, with the total that matched. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int().nonnegative() });
}
