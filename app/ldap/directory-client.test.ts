import net from 'node:net';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlapd, type Slapd } from '../../test/helpers/slapd.js';
import {
  DirectoryConnection,
  DirectoryTestReport,
  OperatorDirectory,
  type DirectoryStage,
} from '../contract/methods/directory.js';
import {
  authenticateOperator,
  DirectoryError,
  sameDn,
  testDirectoryConnection,
  type DirectoryAccess,
  type OperatorLogin,
} from './index.js';

// Every test here talks to a real OpenLDAP server (test/helpers/slapd.ts): no LDAP mock anywhere.
let s: Slapd;
/** A TCP server that accepts connections and never says a word (for timeouts). */
let silent: net.Server;
const silentSockets = new Set<net.Socket>();
let silentPort = 0;
/** A loopback port nothing listens on. */
let deadPort = 0;

beforeAll(async () => {
  s = await startSlapd();
  silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await s?.stop();
});

function access(connection: Partial<DirectoryConnection> & { url: string }, bindPassword = s.bindPassword) {
  return {
    connection: DirectoryConnection.parse({ bindDn: s.bindDn, timeoutSeconds: 3, ...connection }),
    bindPassword,
  } satisfies DirectoryAccess;
}
const ldaps = () => access({ url: s.ldapsUrl, caCertificate: s.caPem });
const startTls = () => access({ url: s.ldapUrl, startTls: true, caCertificate: s.caPem });

const memberOf = () => OperatorDirectory.parse({ userBase: s.usersBase });
const groupSearch = () =>
  OperatorDirectory.parse({ userBase: s.usersBase, groups: { kind: 'search', groupBase: s.groupsBase } });

function expectOk(login: OperatorLogin) {
  if (login.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(login)}`);
  return login.account;
}

function expectSameGroups(actual: string[], expected: string[]) {
  expect(actual).toHaveLength(expected.length);
  for (const dn of expected)
    expect(
      actual.some((g) => sameDn(g, dn)),
      dn,
    ).toBe(true);
}

async function failure(work: Promise<unknown>): Promise<DirectoryError> {
  const err = await work.then(
    (v) => new Error(`expected a DirectoryError, got ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
  if (!(err instanceof DirectoryError)) throw err;
  return err;
}

describe.each([
  ['ldaps:// with the CA', ldaps],
  ['ldap:// + StartTLS', startTls],
])('authenticateOperator over %s', (_, settings) => {
  it('logs in with the right password: display name, canonical username, entryUUID, memberOf groups', async () => {
    const alice = expectOk(
      await authenticateOperator(settings(), memberOf(), 'alice', s.users.alice.password),
    );
    expect(alice).toMatchObject({ dn: s.users.alice.dn, username: 'alice', displayName: 'Alice Admin' });
    expect(alice.entryUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expectSameGroups(alice.groups, [s.groups.admins]);

    const bob = expectOk(await authenticateOperator(settings(), memberOf(), 'BOB', s.users.bob.password));
    expect(bob.username).toBe('bob');
    expectSameGroups(bob.groups, [s.groups.operators, s.groups.auditors]);

    const carol = expectOk(
      await authenticateOperator(settings(), memberOf(), 'carol', s.users.carol.password),
    );
    expect(carol.groups).toEqual([]);
  });

  it('reads groups with a group search as the service account (escaping the DN)', async () => {
    // Groups are readable by the service account only: finding them proves the search did not run as the user.
    const bob = expectOk(await authenticateOperator(settings(), groupSearch(), 'bob', s.users.bob.password));
    expectSameGroups(bob.groups, [s.groups.operators, s.groups.auditors]);
    // cn=Smith\, Jane: the backslash in the DN must be escaped as \5c in (member={dn}).
    const jsmith = expectOk(
      await authenticateOperator(settings(), groupSearch(), 'jsmith', s.users.jsmith.password),
    );
    expect(sameDn(jsmith.dn, s.users.jsmith.dn)).toBe(true);
    expectSameGroups(jsmith.groups, [s.groups.auditors]);
    const annx = expectOk(
      await authenticateOperator(settings(), groupSearch(), 'ann(x)', s.users.annx.password),
    );
    expectSameGroups(annx.groups, [s.groups.operators]);
  });

  it('finds legitimate odd names: apostrophe, parentheses, non-ASCII', async () => {
    for (const key of ['oneil', 'annx', 'jurgen'] as const) {
      const user = s.users[key];
      const account = expectOk(await authenticateOperator(settings(), memberOf(), user.uid, user.password));
      expect(account.username).toBe(user.uid);
      expect(account.displayName).toBe(user.displayName);
    }
  });

  it('rejects a wrong password, an unknown user, an ambiguous name and an account without password', async () => {
    const login = (username: string, password: string) =>
      authenticateOperator(settings(), memberOf(), username, password);
    expect(await login('alice', 'not-her-password')).toEqual({ kind: 'rejected', reason: 'wrong-password' });
    expect(await login('alice', s.users.bob.password)).toEqual({
      kind: 'rejected',
      reason: 'wrong-password',
    });
    expect(await login('mallory', 'whatever')).toEqual({ kind: 'rejected', reason: 'not-found' });
    expect(await login('dave', s.users.dave1.password)).toEqual({ kind: 'rejected', reason: 'ambiguous' });
    expect(await login('nopass', 'anything')).toEqual({ kind: 'rejected', reason: 'wrong-password' });
    // The service connection survives failed operator binds: a good login right after still works.
    expectOk(await login('alice', s.users.alice.password));
  });

  it('refuses filter injection: escaped names find nothing and bind nothing', async () => {
    // Unescaped, these would match alice alone (so her password would log them in) or every account.
    const attempts = [
      '*',
      '(',
      ')',
      '\\',
      '*)(uid=*',
      'alice)(|(uid=*',
      'alice)(uid=alice',
      'alic*',
      'a*e',
      '*lice',
      'alice\\',
      '\\61lice',
      '\\2a',
    ];
    for (const username of attempts) {
      const result = await authenticateOperator(settings(), memberOf(), username, s.users.alice.password);
      expect(result, username).toEqual({ kind: 'rejected', reason: 'not-found' });
    }
    for (const username of ['\u0000', 'alice\u0000', 'alice\n', 'a'.repeat(10_000), '', '   ', '\ud800']) {
      const result = await authenticateOperator(settings(), memberOf(), username, s.users.alice.password);
      expect(result, JSON.stringify(username.slice(0, 20))).toEqual({
        kind: 'rejected',
        reason: 'invalid-username',
      });
    }
  });
});

describe('authenticateOperator security checks', () => {
  it('shows that an unescaped * would match every account and that anonymous cannot search', async () => {
    const client = new Client({ url: s.ldapUrl, timeout: 3000 });
    try {
      await client.bind(s.bindDn, s.bindPassword);
      const all = await client.search(s.usersBase, { filter: '(uid=*)', attributes: ['1.1'] });
      expect(all.searchEntries.length).toBeGreaterThan(5);
      await client.bind('', '');
      const anonymous = await client.search(s.usersBase, { filter: '(uid=alice)' }).then(
        (r) => r.searchEntries.length,
        () => 0,
      );
      expect(anonymous).toBe(0);
    } finally {
      await client.unbind();
    }
  });

  it('refuses an empty password and a bad username without contacting the directory', async () => {
    // Nothing listens there: any connection attempt would throw a tcp DirectoryError.
    const nowhere = access({ url: `ldaps://127.0.0.1:${deadPort}` });
    expect(await authenticateOperator(nowhere, memberOf(), 'alice', '')).toEqual({
      kind: 'rejected',
      reason: 'wrong-password',
    });
    expect(await authenticateOperator(nowhere, memberOf(), 'a'.repeat(257), 'x')).toEqual({
      kind: 'rejected',
      reason: 'invalid-username',
    });
    // Against the real server too: an empty password is never an (anonymous) success.
    expect(await authenticateOperator(ldaps(), memberOf(), 'alice', '')).toEqual({
      kind: 'rejected',
      reason: 'wrong-password',
    });
  });

  it('logs in over plain ldap:// only with allowPlain', async () => {
    const plain = access({ url: s.ldapUrl, allowPlain: true });
    expectOk(await authenticateOperator(plain, memberOf(), 'alice', s.users.alice.password));
    const sneaky = { ...plain, connection: { ...plain.connection, allowPlain: false } };
    const err = await failure(authenticateOperator(sneaky, memberOf(), 'alice', s.users.alice.password));
    expect(err.stage).toBe('config');
    expect(err.message).toMatch(/needs startTls/i);
  });

  it('refuses an empty bind password (it would be an anonymous bind)', async () => {
    const err = await failure(
      authenticateOperator({ ...ldaps(), bindPassword: '' }, memberOf(), 'alice', s.users.alice.password),
    );
    expect(err.stage).toBe('config');
    expect(err.message).toMatch(/bind password is not set/);
  });

  it('stops when the signal is aborted', async () => {
    const aborted = AbortSignal.abort(new Error('gone'));
    await expect(
      authenticateOperator(ldaps(), memberOf(), 'alice', s.users.alice.password, { signal: aborted }),
    ).rejects.toThrow('gone');
    const started = Date.now();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user left')), 100);
    const slow = access({ url: `ldaps://127.0.0.1:${silentPort}`, timeoutSeconds: 10 });
    await expect(
      authenticateOperator(slow, memberOf(), 'alice', 'x', { signal: controller.signal }),
    ).rejects.toThrow('user left');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('authenticateOperator failures name the stage', () => {
  const cases: [string, () => DirectoryAccess, () => OperatorDirectory, DirectoryStage, RegExp][] = [
    [
      'a CA that did not sign the certificate (ldaps)',
      () => access({ url: s.ldapsUrl, caCertificate: s.otherCaPem }),
      memberOf,
      'tls',
      /^certificate not trusted .*set the right CA certificate/,
    ],
    [
      'a look-alike CA (same name, other key)',
      () => access({ url: s.ldapsUrl, caCertificate: s.lookalikeCaPem }),
      memberOf,
      'tls',
      /^certificate not trusted/,
    ],
    [
      'a CA that did not sign the certificate (StartTLS)',
      () => access({ url: s.ldapUrl, startTls: true, caCertificate: s.otherCaPem }),
      memberOf,
      'tls',
      /^certificate not trusted/,
    ],
    [
      'no CA: the system roots do not know the test CA',
      () => access({ url: s.ldapsUrl }),
      memberOf,
      'tls',
      /^certificate not trusted .*set the CA certificate that signed/,
    ],
    [
      'ldaps:// to the plain LDAP port',
      () => access({ url: s.ldapUrl.replace('ldap:', 'ldaps:'), caCertificate: s.caPem }),
      memberOf,
      'tls',
      /closed the connection during the TLS handshake/,
    ],
    [
      'a port with nothing listening',
      () => access({ url: `ldaps://127.0.0.1:${deadPort}`, caCertificate: s.caPem }),
      memberOf,
      'tcp',
      /^connection refused at 127\.0\.0\.1:\d+/,
    ],
    [
      'an unresolvable host',
      () => access({ url: 'ldaps://no-such-host.invalid', caCertificate: s.caPem }),
      memberOf,
      'dns',
      /^host name no-such-host\.invalid not found/,
    ],
    [
      'a wrong bind password',
      () => access({ url: s.ldapsUrl, caCertificate: s.caPem }, 'wrong-bind-password'),
      memberOf,
      'bind',
      /^invalid credentials for the bind DN cn=lintel,ou=services,dc=lintel,dc=test/,
    ],
    [
      'a missing user base',
      ldaps,
      () => OperatorDirectory.parse({ userBase: `ou=nobody,${s.baseDn}` }),
      'search',
      /^ou=nobody,dc=lintel,dc=test does not exist/,
    ],
    [
      'a missing group base',
      ldaps,
      () =>
        OperatorDirectory.parse({
          userBase: s.usersBase,
          groups: { kind: 'search', groupBase: `ou=nogroups,${s.baseDn}` },
        }),
      'search',
      /^ou=nogroups,dc=lintel,dc=test does not exist/,
    ],
  ];

  it.each(cases)('%s', async (_, settings, operators, stage, message) => {
    const err = await failure(authenticateOperator(settings(), operators(), 'bob', s.users.bob.password));
    expect(err.stage).toBe(stage);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(s.users.bob.password);
    expect(err.message).not.toContain('wrong-bind-password');
    expect(err.message).not.toContain(s.bindPassword);
  });

  it('a certificate for another host name', async ({ skip }) => {
    if (!s.ldapsMismatchUrl) skip('127.0.0.2 cannot be bound here');
    const err = await failure(
      authenticateOperator(
        access({ url: s.ldapsMismatchUrl as string, caCertificate: s.caPem }),
        memberOf(),
        'bob',
        s.users.bob.password,
      ),
    );
    expect(err.stage).toBe('tls');
    expect(err.message).toMatch(/certificate is not for 127\.0\.0\.2/);
  });

  it('times out a silent server: tls for ldaps, bind for plain LDAP', async () => {
    const started = Date.now();
    const [tls, bind] = await Promise.all([
      failure(
        authenticateOperator(
          access({ url: `ldaps://127.0.0.1:${silentPort}`, timeoutSeconds: 1 }),
          memberOf(),
          'bob',
          'x',
        ),
      ),
      failure(
        authenticateOperator(
          access({ url: `ldap://127.0.0.1:${silentPort}`, allowPlain: true, timeoutSeconds: 1 }),
          memberOf(),
          'bob',
          'x',
        ),
      ),
    ]);
    expect(Date.now() - started).toBeLessThan(2900);
    expect(tls.stage).toBe('tls');
    expect(tls.message).toMatch(/no TLS handshake from 127\.0\.0\.1:\d+ within 1s/);
    expect(bind.stage).toBe('bind');
    expect(bind.message).toMatch(/did not answer the bind within 1s/);
  });
});

describe('testDirectoryConnection', () => {
  const allStages: DirectoryStage[] = ['config', 'dns', 'tcp', 'tls', 'bind', 'search', 'user'];

  it('reports every stage ok for good settings, with the probe user and its groups', async () => {
    const operators = OperatorDirectory.parse({
      userBase: s.usersBase,
      groupRoles: [{ groupDn: s.groups.operators.toUpperCase(), roleIds: [2] }],
    });
    for (const settings of [ldaps, startTls]) {
      const report = DirectoryTestReport.parse(await testDirectoryConnection(settings(), operators, 'bob'));
      expect(report.ok).toBe(true);
      expect(report.failedStage).toBeUndefined();
      expect(report.steps.map((step) => step.stage)).toEqual(allStages);
      expect(report.steps.every((step) => step.ok)).toBe(true);
      const user = report.steps.at(-1)?.message ?? '';
      expect(user).toContain(s.users.bob.dn);
      expect(user).toContain('2 groups (1 mapped to Lintel roles)');
      expect(user).toContain(s.groups.auditors);
      expect(report.steps.find((step) => step.stage === 'tls')?.message).toMatch(/verified against the CA/);
      for (const step of report.steps) expect(step.message).not.toContain(s.bindPassword);
    }
  });

  it('stops after bind without operators, and checks the group base for group searches', async () => {
    const bare = await testDirectoryConnection(ldaps());
    expect(bare.ok).toBe(true);
    expect(bare.steps.map((step) => step.stage)).toEqual(['config', 'dns', 'tcp', 'tls', 'bind']);
    const ip = await testDirectoryConnection(
      access({ url: s.ldapsIpUrl, caCertificate: s.caPem }),
      groupSearch(),
    );
    expect(ip.ok).toBe(true);
    expect(ip.steps.find((step) => step.stage === 'dns')?.message).toMatch(/IP address: no lookup needed/);
    expect(ip.steps.at(-1)?.message).toMatch(/group base ou=groups/);
  });

  it.each([
    ['wrong CA', 'tls', /certificate not trusted/],
    ['dead port', 'tcp', /connection refused at 127\.0\.0\.1/],
    ['unresolvable host', 'dns', /no-such-host\.invalid not found/],
    ['wrong bind password', 'bind', /invalid credentials for the bind DN/],
    ['missing user base', 'search', /ou=nobody,dc=lintel,dc=test does not exist/],
    ['unknown probe user', 'user', /no account matches \(&\(objectClass=inetOrgPerson\)\(uid=mallory\)\)/],
    ['ambiguous probe user', 'user', /more than one account matches/],
    ['broken user filter', 'config', /userFilter is not a valid LDAP filter/],
    ['empty bind password', 'config', /bind password is not set/],
  ] as [string, DirectoryStage, RegExp][])('fails at the right stage: %s', async (name, stage, message) => {
    const ops = memberOf();
    const args: Record<string, [DirectoryAccess, OperatorDirectory?, string?]> = {
      'wrong CA': [access({ url: s.ldapsUrl, caCertificate: s.otherCaPem }), ops],
      'dead port': [access({ url: `ldap://127.0.0.1:${deadPort}`, startTls: true }), ops],
      'unresolvable host': [access({ url: 'ldaps://no-such-host.invalid:636' }), ops],
      'wrong bind password': [access({ url: s.ldapsUrl, caCertificate: s.caPem }, 'nope-nope'), ops],
      'missing user base': [ldaps(), OperatorDirectory.parse({ userBase: `ou=nobody,${s.baseDn}` })],
      'unknown probe user': [ldaps(), ops, 'mallory'],
      'ambiguous probe user': [startTls(), ops, 'dave'],
      'broken user filter': [ldaps(), { ...ops, userFilter: '(&(uid={username})(x=\\zz))' }],
      'empty bind password': [{ ...ldaps(), bindPassword: '' }, ops],
    };
    const [settings, operators, probe] = args[name] as [DirectoryAccess, OperatorDirectory?, string?];
    const report = DirectoryTestReport.parse(await testDirectoryConnection(settings, operators, probe));
    expect(report.ok).toBe(false);
    expect(report.failedStage).toBe(stage);
    const last = report.steps.at(-1);
    expect(last).toMatchObject({ stage, ok: false });
    expect(last?.message).toMatch(message);
    // Every stage before the failed one passed, in order.
    const before = report.steps.slice(0, -1);
    expect(before.every((step) => step.ok)).toBe(true);
    expect(before.map((step) => step.stage)).toEqual(allStages.slice(0, allStages.indexOf(stage)));
    for (const step of report.steps) expect(step.message).not.toContain(s.bindPassword);
  });

  it('never throws, even for settings that are not settings', async () => {
    const report = await testDirectoryConnection({
      connection: {} as DirectoryConnection,
      bindPassword: 'x',
    });
    expect(report.ok).toBe(false);
    expect(report.failedStage).toBe('config');
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]?.message).toMatch(/^connection settings/);
  });
});
