import '../../zod-config.js';
import { z } from 'zod';
import {
  AccessLevelIds,
  Department,
  FirstName,
  Identifier,
  LastName,
  Notes,
  Pin,
} from '../../../../app/contract/methods/users.js';
import { inWords, said } from '../../forms/form-words.js';

// The user form's zod schema: the contract's rules for each field, worded under the users namespace's
// `errors`, with what the form needs on top (optional fields as empty text, days as typed).

/** The contract's trimmed text, too long or unprintable said in the form's words. */
const limited = (long: string) => ({ too_big: long, custom: 'control' });

/** Text that may be left empty (null then), else checked as `schema` in the form's words. */
function orNone<S extends z.ZodType<unknown, string>>(schema: S, keys: Partial<Record<string, string>>) {
  const checked = inWords(schema, keys);
  return z.string().transform((value, ctx): z.output<S> | null => {
    if (!value.trim()) return null;
    const result = checked.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    return z.NEVER;
  });
}

/** A day as a date input gives it (YYYY-MM-DD), or empty. */
const Day = z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, said('invalid'));

/** The validity days alone, for the check of their order. */
const Validity = z.object({ validFrom: Day, validUntil: Day });

/** The user form: what users.create and users.update take, as the form holds it. */
export const UserForm = z
  .object({
    firstName: inWords(FirstName, limited('long100')),
    lastName: inWords(LastName, { too_small: 'lastNameEmpty', ...limited('long100') }),
    identifier: orNone(Identifier, limited('long64')),
    department: inWords(Department, limited('long100')),
    validFrom: Day,
    validUntil: Day,
    /** Empty: no PIN (new user) or keep the one set. */
    pin: orNone(Pin, { invalid_format: 'pinFormat' }),
    clearPin: z.boolean(),
    privileges: z.object({ office: z.boolean(), privacyOverride: z.boolean(), extendedOpening: z.boolean() }),
    notes: inWords(Notes, { too_big: 'notesLong' }),
    /** Checkbox values are text: the ids as numbers, checked as the contract checks them. */
    accessLevelIds: z
      .array(z.string())
      .transform((ids) => ids.map(Number))
      .pipe(AccessLevelIds),
  })
  .refine((f) => !f.validFrom || !f.validUntil || f.validUntil >= f.validFrom, {
    message: said('untilBeforeFrom'),
    path: ['validUntil'],
    // Checked even when other fields have problems, so the operator sees them all at once.
    when: ({ value }) => Validity.safeParse(value).success,
  });
/** What the user form holds. */
export type UserFormInput = z.input<typeof UserForm>;
/** What it gives back: checked and typed, days still as days (the zone turns them into instants). */
export type UserFormOutput = z.output<typeof UserForm>;
