import { z } from 'zod';
import { method, needs } from '../method.js';
import { Timestamp, Username, Version } from '../schemas.js';

/** A distinguished name as typed by an administrator (checked by the directory, not parsed here). */
const Dn = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(1000, 'must be at most 1000 characters')
  .refine((s) => !s.includes('\0'), 'must not contain NUL');

/** An LDAP attribute name (RFC 4512 descr or numeric OID). */
const AttributeName = z
  .string()
  .trim()
  .regex(/^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+)$/, 'must be an attribute name such as uid or memberOf');

/**
 * A search filter template. `{username}` (or `{dn}` for group searches) is replaced by the value
 * escaped per RFC 4515, so the template itself is the only place filter syntax comes from.
 */
const FilterTemplate = (placeholder: '{username}' | '{dn}') =>
  z
    .string()
    .trim()
    .min(3)
    .max(1000)
    .refine((s) => s.startsWith('(') && s.endsWith(')'), 'must be an LDAP filter in parentheses')
    .refine((s) => s.includes(placeholder), `must contain ${placeholder}`);

/**
 * How to reach the directory. Kept apart from what is looked up in it, so that a later sync of
 * cardholders from the same directory reuses the connection with its own search settings.
 */
export const DirectoryConnection = z
  .strictObject({
    url: z
      .string()
      .trim()
      .max(500)
      .regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'must be ldaps://host[:port] or ldap://host[:port]'),
    startTls: z.boolean().default(false).describe('upgrade an ldap:// connection with StartTLS'),
    allowPlain: z
      .boolean()
      .default(false)
      .describe('allow ldap:// without StartTLS: passwords cross the network in clear (testing only)'),
    caCertificate: z
      .string()
      .max(65_536)
      .refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'must be PEM (-----BEGIN CERTIFICATE-----)')
      .optional()
      .describe('PEM certificates trusted for the directory; without it the system trust store is used'),
    bindDn: Dn.describe('the service account Lintel binds as to search for operators'),
    timeoutSeconds: z.number().int().min(1).max(60).default(10),
  })
  .refine((c) => !(c.startTls && /^ldaps:/i.test(c.url)), {
    message: 'StartTLS is for ldap:// URLs; ldaps:// is TLS already',
    path: ['startTls'],
  })
  .refine((c) => /^ldaps:/i.test(c.url) || c.startTls || c.allowPlain, {
    message: 'ldap:// needs startTls (or allowPlain for a test directory)',
    path: ['url'],
  });
/** How to reach the directory. */
export type DirectoryConnection = z.output<typeof DirectoryConnection>;

/** Which directory group gives which Lintel roles. */
export const GroupRoleMapping = z.strictObject({
  groupDn: Dn,
  roleIds: z.array(z.number().int().positive()).min(1).max(50),
});

/** How operators are found in the directory and which roles their groups give them. */
export const OperatorDirectory = z.strictObject({
  userBase: Dn.describe('where operator accounts live, e.g. ou=people,dc=example,dc=org'),
  userFilter: FilterTemplate('{username}')
    .default('(&(objectClass=inetOrgPerson)(uid={username}))')
    .describe('finds exactly one account; {username} is replaced escaped'),
  displayNameAttribute: AttributeName.default('cn'),
  groups: z
    .discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('memberOf'),
        attribute: AttributeName.default('memberOf'),
      }),
      z.strictObject({
        kind: z.literal('search'),
        groupBase: Dn,
        groupFilter: FilterTemplate('{dn}').default('(&(objectClass=groupOfNames)(member={dn}))'),
      }),
    ])
    .default({ kind: 'memberOf', attribute: 'memberOf' })
    .describe('read the groups from an attribute of the account (AD, OpenLDAP memberof) or search for them'),
  groupRoles: z.array(GroupRoleMapping).max(200).default([]),
});
/** How operators are found in the directory. */
export type OperatorDirectory = z.output<typeof OperatorDirectory>;

/** The directory settings as stored and shown (the bind password never leaves the service). */
export const DirectorySettings = z.object({
  enabled: z.boolean(),
  connection: DirectoryConnection.nullable(),
  operators: OperatorDirectory.nullable(),
  bindPasswordSet: z.boolean(),
  version: Version,
  updatedAt: Timestamp.nullable(),
});
/** The directory settings as stored and shown. */
export type DirectorySettings = z.output<typeof DirectorySettings>;

/** The stages of talking to a directory, in order; a failure names the first that failed. */
export const DirectoryStage = z.enum(['config', 'dns', 'tcp', 'tls', 'bind', 'search', 'user']);
/** One stage of talking to a directory. */
export type DirectoryStage = z.infer<typeof DirectoryStage>;

/** What a connection test found, stage by stage. */
export const DirectoryTestReport = z.object({
  ok: z.boolean(),
  failedStage: DirectoryStage.optional(),
  steps: z.array(
    z.object({
      stage: DirectoryStage,
      ok: z.boolean(),
      ms: z.number().nonnegative(),
      message: z.string(),
    }),
  ),
});
/** What a connection test found. */
export type DirectoryTestReport = z.infer<typeof DirectoryTestReport>;

const BindPassword = z.string().min(1).max(1024);

/** The LDAP / Active Directory settings for operator login. */
export const directoryMethods = {
  'directory.get': method({
    summary: 'Returns the LDAP / Active Directory settings (never the bind password).',
    params: z.strictObject({}),
    result: DirectorySettings,
    access: needs('settings:admin'),
    effect: 'read',
    example: {},
  }),
  'directory.update': method({
    summary:
      'Saves the directory settings; the bind password is kept when left out. Fails with CONFLICT on a stale version.',
    params: z.strictObject({
      version: Version,
      enabled: z.boolean(),
      connection: DirectoryConnection,
      bindPassword: BindPassword.optional().describe('leave out to keep the stored one'),
      operators: OperatorDirectory,
    }),
    result: DirectorySettings,
    access: needs('settings:admin'),
    effect: 'write',
    example: {
      version: 0,
      enabled: false,
      connection: { url: 'ldaps://ldap.example.org', bindDn: 'cn=lintel,ou=services,dc=example,dc=org' },
      bindPassword: 'service-account-password',
      operators: { userBase: 'ou=people,dc=example,dc=org' },
    },
  }),
  'directory.testConnection': method({
    summary:
      'Tries the given (or saved) settings stage by stage — DNS, TCP, TLS, bind, search — and says which failed and why.',
    params: z.strictObject({
      connection: DirectoryConnection.optional().describe(
        'unsaved settings to try; the saved ones if left out',
      ),
      bindPassword: BindPassword.optional().describe('the stored one if left out'),
      operators: OperatorDirectory.optional(),
      probeUsername: Username.optional().describe('also look this account up and read its groups'),
    }),
    result: DirectoryTestReport,
    access: needs('settings:admin'),
    effect: 'read',
    example: {
      connection: {
        url: 'ldap://127.0.0.1:1',
        allowPlain: true,
        bindDn: 'cn=lintel,dc=example,dc=org',
        timeoutSeconds: 1,
      },
      bindPassword: 'x',
    },
  }),
};
