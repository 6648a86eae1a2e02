import '../zod-config.js';
import { z } from 'zod';
import type { ParamsOf } from '../../../app/contract/index.js';
import { directoryMethods, type DirectorySettings } from '../../../app/contract/methods/directory.js';
import { said } from '../forms/form-words.js';

// The directory settings form: flat text as typed, nested like the contract so that a refusal (the
// form's own or the service's) names the same path as the field it belongs beside. Every rule is the
// contract's: the typed values are put in the contract's shape and checked by its own params schema,
// and only the words of each refusal are the console's (under the directory namespace's `errors`).

/** The form's values: the contract's shape, with text as typed and both kinds of group lookup kept. */
const Draft = z.object({
  enabled: z.boolean(),
  connection: z.object({
    url: z.string(),
    startTls: z.boolean(),
    allowPlain: z.boolean(),
    caCertificate: z.string(),
    bindDn: z.string(),
    timeoutSeconds: z.string(),
  }),
  /** Empty keeps the stored one: the service never sends it back. */
  bindPassword: z.string(),
  operators: z.object({
    userBase: z.string(),
    userFilter: z.string(),
    displayNameAttribute: z.string(),
    // Both kinds' fields are kept, so switching back and forth loses nothing typed.
    groups: z.object({
      kind: z.enum(['memberOf', 'search']),
      attribute: z.string(),
      groupBase: z.string(),
      groupFilter: z.string(),
    }),
    groupRoles: z.array(z.object({ groupDn: z.string(), roleIds: z.array(z.number()) })),
  }),
  /** Only for the test: also look this account up. */
  probeUsername: z.string(),
});
/** What the directory form holds. */
export type DirectoryDraft = z.input<typeof Draft>;

/** The contract's defaults, shown in a form that has never been saved. */
const DEFAULT_USER_FILTER = '(&(objectClass=inetOrgPerson)(uid={username}))';
const DEFAULT_GROUP_FILTER = '(&(objectClass=groupOfNames)(member={dn}))';
const DEFAULT_TIMEOUT = 10;

/** Fills the form from what is stored (never a password: the service keeps it). */
export function draftOf(s: DirectorySettings, probeUsername = ''): DirectoryDraft {
  const c = s.connection;
  const o = s.operators;
  const groups = o?.groups;
  return {
    enabled: s.enabled,
    connection: {
      url: c?.url ?? '',
      startTls: c?.startTls ?? false,
      allowPlain: c?.allowPlain ?? false,
      caCertificate: c?.caCertificate ?? '',
      bindDn: c?.bindDn ?? '',
      timeoutSeconds: String(c?.timeoutSeconds ?? DEFAULT_TIMEOUT),
    },
    bindPassword: '',
    operators: {
      userBase: o?.userBase ?? '',
      userFilter: o?.userFilter ?? DEFAULT_USER_FILTER,
      displayNameAttribute: o?.displayNameAttribute ?? 'cn',
      groups: {
        kind: groups?.kind ?? 'memberOf',
        attribute: groups?.kind === 'memberOf' ? groups.attribute : 'memberOf',
        groupBase: groups?.kind === 'search' ? groups.groupBase : '',
        groupFilter: groups?.kind === 'search' ? groups.groupFilter : DEFAULT_GROUP_FILTER,
      },
      groupRoles: (o?.groupRoles ?? []).map((m) => ({ groupDn: m.groupDn, roleIds: [...m.roleIds] })),
    },
    probeUsername,
  };
}

type Connection = ParamsOf<'directory.update'>['connection'];
type Operators = ParamsOf<'directory.update'>['operators'];

/** How to reach the directory, in the contract's shape. */
function connectionOf(c: DirectoryDraft['connection']): Connection {
  const timeout = c.timeoutSeconds.trim();
  return {
    url: c.url,
    startTls: c.startTls,
    allowPlain: c.allowPlain,
    ...(c.caCertificate.trim() ? { caCertificate: c.caCertificate } : {}),
    bindDn: c.bindDn,
    // Empty takes the default, as the old form did; anything else is checked as a number (NaN fails).
    timeoutSeconds: timeout === '' ? DEFAULT_TIMEOUT : Number(timeout),
  };
}

/** How operators are found and mapped, in the contract's shape: only the chosen kind of lookup. */
function operatorsOf(o: DirectoryDraft['operators']): Operators {
  const g = o.groups;
  return {
    userBase: o.userBase,
    userFilter: o.userFilter,
    displayNameAttribute: o.displayNameAttribute,
    groups:
      g.kind === 'memberOf'
        ? { kind: 'memberOf', attribute: g.attribute }
        : { kind: 'search', groupBase: g.groupBase, groupFilter: g.groupFilter },
    groupRoles: o.groupRoles.map((m) => ({ groupDn: m.groupDn, roleIds: m.roleIds })),
  };
}

/** The bind password to send: only a newly typed one (left out, the stored one is kept). */
function bindPasswordOf(d: DirectoryDraft): { bindPassword?: string } {
  return d.bindPassword ? { bindPassword: d.bindPassword } : {};
}

/**
 * The words of each contract refusal, by the field it names (the last name in its path) and its zod
 * code; anything else is `invalid` (common). A field's refusals that share a code share words.
 */
const WORDS: Record<string, Partial<Record<string, string>>> = {
  url: { invalid_format: 'url', too_big: 'url', custom: 'urlNeedsTls' },
  startTls: { custom: 'startTlsLdaps' },
  caCertificate: { too_big: 'caLong', custom: 'caPem' },
  bindDn: { too_small: 'dnEmpty', too_big: 'dnLong', custom: 'dnNul' },
  userBase: { too_small: 'dnEmpty', too_big: 'dnLong', custom: 'dnNul' },
  groupBase: { too_small: 'dnEmpty', too_big: 'dnLong', custom: 'dnNul' },
  groupDn: { too_small: 'dnEmpty', too_big: 'dnLong', custom: 'dnNul' },
  timeoutSeconds: { invalid_type: 'timeout', too_small: 'timeout', too_big: 'timeout' },
  bindPassword: { too_big: 'passwordLong' },
  userFilter: { too_small: 'userFilter', custom: 'userFilter', too_big: 'filterLong' },
  groupFilter: { too_small: 'groupFilter', custom: 'groupFilter', too_big: 'filterLong' },
  displayNameAttribute: { invalid_format: 'attribute' },
  attribute: { invalid_format: 'attribute' },
  roleIds: { too_small: 'rolesNone', too_big: 'rolesMany' },
  groupRoles: { too_big: 'mappingsMany' },
  probeUsername: { too_big: 'usernameLong', invalid_format: 'usernameChars' },
};

/** The key of the words for one contract issue. */
function wordsOf(issue: z.core.$ZodIssue): string {
  const field = issue.path.filter((p): p is string => typeof p === 'string').at(-1);
  return (field && WORDS[field]?.[issue.code]) ?? 'invalid';
}

/** Checks a value with a contract schema, putting each refusal in the form's words on its field. */
function checked<S extends z.ZodType>(schema: S, value: z.input<S>, ctx: z.RefinementCtx): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    ctx.addIssue({
      code: 'custom',
      path: issue.path.filter((p) => typeof p !== 'symbol'),
      message: said(wordsOf(issue)),
    });
  return z.NEVER;
}

// What the two buttons send, checked by their methods' own params (the version is the form's base).
const UpdateParams = directoryMethods['directory.update'].params.omit({ version: true });
const TestParams = directoryMethods['directory.testConnection'].params;

/** The form as Save sends it: the params of directory.update but the version. */
export const DirectorySaveForm = Draft.transform((d, ctx) => ({
  kind: 'save' as const,
  params: checked(
    UpdateParams,
    {
      enabled: d.enabled,
      connection: connectionOf(d.connection),
      ...bindPasswordOf(d),
      operators: operatorsOf(d.operators),
    },
    ctx,
  ),
}));

/**
 * The form as Test connection sends it. Without a user base there is nothing to search, so the test
 * stops after the bind (and the account fields are not checked); the probe account only when typed.
 */
export const DirectoryTestForm = Draft.transform((d, ctx) => ({
  kind: 'test' as const,
  params: checked(
    TestParams,
    {
      connection: connectionOf(d.connection),
      ...bindPasswordOf(d),
      ...(d.operators.userBase.trim() ? { operators: operatorsOf(d.operators) } : {}),
      ...(d.probeUsername.trim() ? { probeUsername: d.probeUsername } : {}),
    },
    ctx,
  ),
}));

/** What the form sends, by the button that sent it. */
export type DirectoryFormOutput = z.output<typeof DirectorySaveForm> | z.output<typeof DirectoryTestForm>;

/** The contract paths the form shows a field for, with its mapping rows as they are now. */
export function directoryFieldPaths(mappings: number): string[] {
  return [
    'enabled',
    'connection.url',
    'connection.startTls',
    'connection.allowPlain',
    'connection.caCertificate',
    'connection.bindDn',
    'connection.timeoutSeconds',
    'bindPassword',
    'operators.userBase',
    'operators.userFilter',
    'operators.displayNameAttribute',
    'operators.groups.attribute',
    'operators.groups.groupBase',
    'operators.groups.groupFilter',
    'operators.groupRoles',
    ...Array.from({ length: mappings }, (_, i) => [
      `operators.groupRoles.${i}.groupDn`,
      `operators.groupRoles.${i}.roleIds`,
    ]).flat(),
    'probeUsername',
  ];
}
