// First: no zod schema may be built before zod's code generation is off (the console's CSP).
import { z } from 'zod';
import { setupMethods } from '../../../../app/contract/methods/setup.js';
import { sessionMethods } from '../../../../app/contract/methods/session.js';
import { siteMethods } from '../../../../app/contract/methods/site.js';
import { DisplayName, Password, Username } from '../../../../app/contract/schemas.js';

/**
 * The forms of the authentication and account screens, built on the params the contract declares so
 * that the console refuses what the service would refuse before asking it. Messages of the checks
 * added here are keys of the `auth` strings' `errors` (see useFieldError).
 */

/** The longest value each kind of field takes, for "at most N characters". */
export const limits = {
  username: Username.maxLength ?? undefined,
  displayName: DisplayName.maxLength ?? undefined,
  password: Password.maxLength ?? undefined,
};

/** A text field whose surrounding blanks mean nothing (a token copied from a terminal). */
const trimmed = <S extends z.ZodType<string, string>>(schema: S) => z.string().trim().pipe(schema);

/** Whether both fields of a pair have been filled in, so that comparing them says something. */
const bothGiven =
  (a: string, b: string) =>
  ({ value }: { value: unknown }): boolean => {
    const v = value as Record<string, unknown> | undefined;
    return typeof v?.[a] === 'string' && typeof v[b] === 'string' && v[a] !== '' && v[b] !== '';
  };

const createAdmin = setupMethods['setup.createAdmin'].params;

/**
 * First-run setup. The site name is required here (it arrives filled in); the display name may be
 * left empty (it is then not sent); the password is typed twice. The token is asked for unless the
 * service says it needs none (the desktop app's own window).
 */
export const setupForm = (tokenRequired: boolean) =>
  createAdmin
    .omit({ timeZone: true })
    .extend({
      token: tokenRequired
        ? trimmed(createAdmin.shape.token.unwrap())
        : z.string().transform(() => undefined),
      siteName: DisplayName,
      displayName: z
        .string()
        .transform((s) => s.trim() || undefined)
        .pipe(DisplayName.optional()),
      confirm: z.string(),
    })
    .refine((v) => v.password === v.confirm, {
      path: ['confirm'],
      message: 'mismatch',
      when: bothGiven('password', 'confirm'),
    });

/** What the setup form holds as typed. */
export type SetupFormValues = z.input<ReturnType<typeof setupForm>>;

/** Login: exactly the method's params. */
export const loginForm = sessionMethods['session.login'].params;

/** What the login form holds. */
export type LoginFormValues = z.input<typeof loginForm>;

/** Changing one's own password: the new one typed twice and different from the current one. */
export const changePasswordForm = sessionMethods['session.changePassword'].params
  .extend({ confirm: z.string() })
  .refine((v) => v.newPassword === v.confirm, {
    path: ['confirm'],
    message: 'newMismatch',
    when: bothGiven('newPassword', 'confirm'),
  })
  .refine((v) => v.newPassword !== v.currentPassword, {
    path: ['newPassword'],
    message: 'sameAsCurrent',
    when: bothGiven('newPassword', 'currentPassword'),
  });

/** What the password form holds. */
export type ChangePasswordFormValues = z.input<typeof changePasswordForm>;

/** Renaming the site: the name of site.update (the version is the one the form was filled from). */
export const siteRenameForm = z.object({ name: siteMethods['site.update'].params.shape.name.unwrap() });

/** What the rename form holds. */
export type SiteRenameFormValues = z.input<typeof siteRenameForm>;
