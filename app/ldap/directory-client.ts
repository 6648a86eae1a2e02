import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { FilterParser, InvalidCredentialsError, type Client, type Entry } from 'ldapts';
import {
  DirectoryConnection,
  OperatorDirectory,
  type DirectoryStage,
  type DirectoryTestReport,
} from '../contract/methods/directory.js';
import { makeRunner, openSession, type Run, type Step, type Target } from './connection.js';
import { DirectoryError, redact, type ErrorContext } from './directory-errors.js';
import { sameDn } from './dn.js';
import { escapedUtf8AsText, fillFilter } from './ldap-filter.js';

/** How to reach the directory and the service account's password (kept apart: it never leaves the service). */
export interface DirectoryAccess {
  connection: DirectoryConnection;
  bindPassword: string;
}

/** An account found and authenticated. groups are DNs as the directory returned them. */
export interface DirectoryAccount {
  dn: string;
  username: string;
  displayName: string;
  groups: string[];
  entryUuid?: string;
}

/** The outcome of a login attempt the directory could answer. */
export type OperatorLogin =
  | { kind: 'ok'; account: DirectoryAccount }
  | { kind: 'rejected'; reason: 'invalid-username' | 'not-found' | 'ambiguous' | 'wrong-password' };

/** Longest username sent to the directory; longer is refused outright (real account names are far shorter). */
const MAX_USERNAME = 256;
/** How many groups a group search returns at most (a partial list only gives fewer roles). */
const MAX_GROUPS = 1000;

/** Why a username is refused before any filter is built, or null if it may be looked up (escaped). */
function usernameProblem(username: unknown): string | null {
  if (typeof username !== 'string' || username.trim() === '') return 'is empty';
  if (username.length > MAX_USERNAME) return `is longer than ${MAX_USERNAME} characters`;
  // Control characters (NUL above all) and lone surrogates have no place in an account name.
  if (/[\p{Cc}\p{Cs}]/u.test(username)) return 'contains control characters';
  return null;
}

/** The checked settings a session needs. */
interface Checked {
  connection: DirectoryConnection;
  operators: OperatorDirectory | undefined;
  target: Target;
}

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }, what: string): string {
  const issue = error.issues[0];
  if (!issue) return `${what} are not valid`;
  const at = issue.path.map(String).join('.');
  return `${what}${at ? ` ${at}` : ''}: ${issue.message}`;
}

/** Parses a filter as ldapts will, so a broken template is a config error rather than a search failure. */
function ldapFilter(filter: string): string {
  const text = escapedUtf8AsText(filter);
  FilterParser.parseString(text);
  return text;
}

function checkFilter(template: string, name: string, values: Record<string, string>): void {
  try {
    ldapFilter(fillFilter(template, values));
  } catch (e) {
    throw new DirectoryError('config', `${name} is not a valid LDAP filter: ${(e as Error).message}`);
  }
}

/** The config stage: every setting the schema promises, checked again (callers may hand unparsed objects). */
function checkConfig(
  access: DirectoryAccess,
  operators: OperatorDirectory | undefined,
  ctx: ErrorContext,
): Checked {
  const parsed = DirectoryConnection.safeParse(access.connection);
  if (!parsed.success) throw new DirectoryError('config', firstIssue(parsed.error, 'connection settings'));
  const connection = parsed.data;
  if (typeof access.bindPassword !== 'string' || access.bindPassword === '')
    // An empty password would make the service bind an anonymous one that many servers accept.
    throw new DirectoryError('config', "the bind password is not set: enter the service account's password");
  ctx.secrets.push(access.bindPassword);
  ctx.bindDn = connection.bindDn;
  ctx.timeoutSeconds = connection.timeoutSeconds;

  const url = new URL(connection.url);
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : scheme === 'ldaps' ? 636 : 389;
  if (!host) throw new DirectoryError('config', 'the URL has no host: use ldaps://host[:port]');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new DirectoryError('config', `port ${url.port} is not a TCP port`);
  ctx.host = host;
  ctx.port = port;
  const mode = scheme === 'ldaps' ? 'ldaps' : connection.startTls ? 'starttls' : 'plain';
  if (mode === 'plain' && !connection.allowPlain)
    throw new DirectoryError('config', 'ldap:// needs StartTLS (or allowPlain for a test directory)');
  if (connection.caCertificate !== undefined) {
    try {
      new X509Certificate(connection.caCertificate);
    } catch {
      throw new DirectoryError(
        'config',
        'the CA certificate is not a readable PEM certificate: paste it again',
      );
    }
    ctx.hasCa = true;
  }

  let checkedOperators: OperatorDirectory | undefined;
  if (operators !== undefined) {
    const ops = OperatorDirectory.safeParse(operators);
    if (!ops.success) throw new DirectoryError('config', firstIssue(ops.error, 'operator settings'));
    checkedOperators = ops.data;
    checkFilter(checkedOperators.userFilter, 'userFilter', { username: 'probe' });
    if (checkedOperators.groups.kind === 'search')
      checkFilter(checkedOperators.groups.groupFilter, 'groupFilter', { dn: 'cn=probe' });
  }
  return {
    connection,
    operators: checkedOperators,
    target: {
      url: `${scheme}://${url.host}`,
      host,
      port,
      mode,
      ipLiteral: net.isIP(host) !== 0,
      ca: connection.caCertificate,
      timeoutMs: connection.timeoutSeconds * 1000,
    },
  };
}

function newContext(): ErrorContext {
  return { host: '?', port: 0, timeoutSeconds: 0, hasCa: false, bindDn: '?', secrets: [] };
}

/** An attribute's values as strings, whatever case the server spelled its name in. */
function values(entry: Entry, attribute: string): string[] {
  const want = attribute.toLowerCase();
  const found = Object.entries(entry).find(([key]) => key !== 'dn' && key.toLowerCase() === want)?.[1];
  if (found === undefined) return [];
  const list = Array.isArray(found) ? found : [found];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

function buffers(entry: Entry, attribute: string): Buffer[] {
  const want = attribute.toLowerCase();
  const found = Object.entries(entry).find(([key]) => key !== 'dn' && key.toLowerCase() === want)?.[1];
  if (found === undefined) return [];
  return (Array.isArray(found) ? found : [found]).filter((v): v is Buffer => Buffer.isBuffer(v));
}

/** Active Directory's objectGUID: 16 bytes, the first three fields little-endian. */
function guidToUuid(b: Buffer): string {
  const h = (from: number, to: number, reverse: boolean) => {
    const part = Buffer.from(b.subarray(from, to));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** The attribute the template matches {username} against, e.g. uid or sAMAccountName, to report its stored spelling. */
function usernameAttribute(template: string): string | undefined {
  return /\(([A-Za-z][A-Za-z0-9-]*)=\{username\}\)/.exec(template)?.[1];
}

type Lookup = { kind: 'one'; entry: Entry } | { kind: 'not-found' } | { kind: 'ambiguous'; count: number };

/** Searches the account with the escaped filter: exactly one entry counts (size limit 2 is enough to tell). */
async function findAccount(client: Client, operators: OperatorDirectory, username: string): Promise<Lookup> {
  const userAttr = usernameAttribute(operators.userFilter);
  const attributes = [operators.displayNameAttribute, 'entryUUID', 'objectGUID'];
  if (userAttr) attributes.push(userAttr);
  if (operators.groups.kind === 'memberOf') attributes.push(operators.groups.attribute);
  const result = await client.search(operators.userBase, {
    scope: 'sub',
    filter: ldapFilter(fillFilter(operators.userFilter, { username })),
    sizeLimit: 2,
    attributes,
    explicitBufferAttributes: ['objectGUID'],
  });
  const entries = result.searchEntries.filter((e) => e.dn !== '');
  if (entries.length === 0) return { kind: 'not-found' };
  if (entries.length > 1) return { kind: 'ambiguous', count: entries.length };
  return { kind: 'one', entry: entries[0] as Entry };
}

/** The account's groups: its memberOf-style attribute, or a search for groups naming its DN (escaped). */
async function readGroups(client: Client, operators: OperatorDirectory, entry: Entry): Promise<string[]> {
  const groups = operators.groups;
  if (groups.kind === 'memberOf') return [...new Set(values(entry, groups.attribute))];
  const result = await client.search(groups.groupBase, {
    scope: 'sub',
    filter: ldapFilter(fillFilter(groups.groupFilter, { dn: entry.dn })),
    attributes: ['1.1'],
    sizeLimit: MAX_GROUPS,
  });
  return [...new Set(result.searchEntries.map((e) => e.dn))];
}

function toAccount(
  entry: Entry,
  operators: OperatorDirectory,
  typed: string,
  groups: string[],
): DirectoryAccount {
  const userAttr = usernameAttribute(operators.userFilter);
  const stored = userAttr
    ? values(entry, userAttr).find((v) => v.trim().toLowerCase() === typed.trim().toLowerCase())
    : undefined;
  const username = stored ?? typed;
  const displayName = values(entry, operators.displayNameAttribute)[0] ?? username;
  const uuid = values(entry, 'entryUUID')[0];
  const guid = buffers(entry, 'objectGUID').find((b) => b.length === 16);
  const entryUuid = uuid ?? (guid ? guidToUuid(guid) : undefined);
  return { dn: entry.dn, username, displayName, groups, ...(entryUuid ? { entryUuid } : {}) };
}

/**
 * Binds as the account on a connection of its own, so a failed (or successful) operator bind never
 * changes the identity of the service connection. False when the directory says the credentials are wrong.
 */
async function verifyPassword(
  target: Target,
  run: Run,
  dn: string,
  password: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const session = await openSession(target, run, { signal });
  try {
    return await run(
      'bind',
      () =>
        session.client.bind(dn, password).then(
          () => true,
          (e: unknown) => {
            if (e instanceof InvalidCredentialsError) return false;
            throw e;
          },
        ),
      (ok) => (ok ? `bound as ${dn}` : `wrong password for ${dn}`),
      { bindDn: dn },
    );
  } finally {
    await session.close();
  }
}

/**
 * Service bind, search the user with the escaped filter (exactly one entry, size limit 2), bind AS that
 * user's DN with the password on a fresh connection, then read the groups (memberOf attribute, or a
 * group search with the escaped DN). Throws DirectoryError when the directory cannot be used (down,
 * TLS, service bind refused, search base missing).
 */
export async function authenticateOperator(
  access: DirectoryAccess,
  operators: OperatorDirectory,
  username: string,
  password: string,
  opts: { signal?: AbortSignal } = {},
): Promise<OperatorLogin> {
  // Refused before any connection: nothing about such a name or an empty password is worth asking
  // the directory, and an empty password would make the operator bind an anonymous one that succeeds.
  if (usernameProblem(username) !== null) return { kind: 'rejected', reason: 'invalid-username' };
  if (typeof password !== 'string' || password === '') return { kind: 'rejected', reason: 'wrong-password' };

  const ctx = newContext();
  ctx.secrets.push(password);
  const run = makeRunner(ctx, opts.signal);
  const checked = await run(
    'config',
    async () => checkConfig(access, operators ?? ({} as OperatorDirectory), ctx),
    () => '',
  );
  const ops = checked.operators as OperatorDirectory;

  const service = await openSession(checked.target, run, {
    bindAs: { dn: checked.connection.bindDn, password: access.bindPassword },
    signal: opts.signal,
  });
  try {
    const lookup = await run(
      'search',
      () => findAccount(service.client, ops, username),
      () => '',
      { base: ops.userBase },
    );
    if (lookup.kind !== 'one') return { kind: 'rejected', reason: lookup.kind };
    const entry = lookup.entry;
    if (!(await verifyPassword(checked.target, run, entry.dn, password, opts.signal)))
      return { kind: 'rejected', reason: 'wrong-password' };
    const groups = await run(
      'search',
      () => readGroups(service.client, ops, entry),
      () => '',
      { base: ops.groups.kind === 'search' ? ops.groups.groupBase : ops.userBase },
    );
    return { kind: 'ok', account: toAccount(entry, ops, username, groups) };
  } finally {
    await service.close();
  }
}

function listGroups(groups: string[], operators: OperatorDirectory): string {
  if (groups.length === 0) return 'in no group';
  const mapped = groups.filter((g) => operators.groupRoles.some((m) => sameDn(m.groupDn, g))).length;
  const shown =
    groups.slice(0, 20).join('; ') + (groups.length > 20 ? `; … (${groups.length - 20} more)` : '');
  return `${groups.length} group${groups.length === 1 ? '' : 's'} (${mapped} mapped to Lintel roles): ${shown}`;
}

/** Base-object read: proves the DN exists and the service account may see it. */
async function readBase(client: Client, base: string): Promise<void> {
  const found = await client.search(base, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
  // A server may hide an entry the account cannot read by returning nothing rather than noSuchObject.
  if (found.searchEntries.length === 0)
    throw new DirectoryError(
      'search',
      `${base} is not visible to the service account: check the DN and its read access`,
    );
}

/**
 * Stage by stage: config → dns → tcp → tls → bind → search (base-object read of operators.userBase, and
 * of the group base for group searches) → user (look probeUsername up and list its groups). Stops at the
 * first failure. Never throws; messages say exactly what failed and what to do.
 */
export async function testDirectoryConnection(
  access: DirectoryAccess,
  operators?: OperatorDirectory,
  probeUsername?: string,
): Promise<DirectoryTestReport> {
  const steps: Step[] = [];
  const ctx = newContext();
  const run = makeRunner(ctx, undefined, steps);
  let stage: DirectoryStage = 'config';
  try {
    const checked = await run(
      'config',
      async () => {
        const c = checkConfig(access, operators, ctx);
        if (probeUsername !== undefined && c.operators === undefined)
          throw new DirectoryError(
            'config',
            'a probe username needs the operator settings (userBase) to look it up',
          );
        return c;
      },
      (c) =>
        `${c.target.url} (${c.target.mode === 'starttls' ? 'StartTLS' : c.target.mode}), bind DN ${c.connection.bindDn}, timeout ${c.connection.timeoutSeconds}s${c.target.ca ? ', CA certificate given' : ', system trust store'}`,
    );
    stage = 'dns';
    const session = await openSession(checked.target, run, {
      bindAs: { dn: checked.connection.bindDn, password: access.bindPassword },
    });
    try {
      const ops = checked.operators;
      if (ops) {
        stage = 'search';
        const groupBase = ops.groups.kind === 'search' ? ops.groups.groupBase : undefined;
        await run(
          'search',
          async () => {
            // ctx is read when a failure is mapped, so the message names the base that failed.
            ctx.base = ops.userBase;
            await readBase(session.client, ops.userBase);
            if (groupBase) {
              ctx.base = groupBase;
              await readBase(session.client, groupBase);
            }
          },
          () => `user base ${ops.userBase}${groupBase ? ` and group base ${groupBase}` : ''} readable`,
        );
      }
      if (ops && probeUsername !== undefined) {
        stage = 'user';
        await run(
          'user',
          async () => {
            const problem = usernameProblem(probeUsername);
            if (problem) throw new DirectoryError('user', `the username ${problem}`);
            const lookup = await findAccount(session.client, ops, probeUsername);
            const filter = fillFilter(ops.userFilter, { username: probeUsername });
            if (lookup.kind === 'not-found')
              throw new DirectoryError(
                'user',
                `no account matches ${filter} under ${ops.userBase}: check the username, userBase and userFilter`,
              );
            if (lookup.kind === 'ambiguous')
              throw new DirectoryError(
                'user',
                `more than one account matches ${filter} under ${ops.userBase}: make userFilter match exactly one`,
              );
            const groups = await readGroups(session.client, ops, lookup.entry);
            return toAccount(lookup.entry, ops, probeUsername, groups);
          },
          (account) => `found ${account.dn} (${account.displayName}), ${listGroups(account.groups, ops)}`,
          { base: ops.userBase },
        );
      }
    } finally {
      await session.close();
    }
    return { ok: true, steps };
  } catch (e) {
    const failedStage = e instanceof DirectoryError ? e.stage : stage;
    if (!steps.some((s) => !s.ok))
      // Only an unexpected error (a bug) gets here without a failed step: still report, never throw.
      steps.push({
        stage: failedStage,
        ok: false,
        ms: 0,
        message: redact(`unexpected error: ${String(e)}`, ctx.secrets),
      });
    return { ok: false, failedStage, steps };
  }
}
