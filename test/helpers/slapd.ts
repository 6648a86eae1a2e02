import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { Client } from 'ldapts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Where Debian installs the OpenLDAP server and its modules. */
const SLAPD = '/usr/sbin/slapd';
const MODULE_DIR = '/usr/lib/ldap';
const SCHEMA_DIR = '/etc/ldap/schema';

/** An account seeded into the test directory. */
export interface SlapdUser {
  uid: string;
  dn: string;
  password: string;
  displayName: string;
  /** DNs of the groups it is a member of, as seeded. */
  groups: string[];
}

/** The seeded groups (groupOfNames under ou=groups). */
export interface SlapdGroups {
  admins: string;
  operators: string;
  auditors: string;
}

/** The seeded accounts, by role in the tests. */
export interface SlapdUsers {
  /** Alice Admin, in lintel-admins. */
  alice: SlapdUser;
  /** Bob, in lintel-operators and lintel-auditors. */
  bob: SlapdUser;
  /** Carol, in no group. */
  carol: SlapdUser;
  /** Two entries with uid=dave: a login as dave is ambiguous. */
  dave1: SlapdUser;
  dave2: SlapdUser;
  /** uid o'neil: an apostrophe, harmless in a filter. */
  oneil: SlapdUser;
  /** uid ann(x): parentheses that must be escaped to find her (in lintel-operators). */
  annx: SlapdUser;
  /** DN cn=Smith\, Jane: an escaped comma, so the group search filter must escape a backslash (in lintel-auditors). */
  jsmith: SlapdUser;
  /** uid jürgen: non-ASCII, escaped as UTF-8 bytes in the filter. */
  jurgen: SlapdUser;
  /** An account with no userPassword: no password binds as it. */
  nopass: SlapdUser;
}

/** A running throw-away OpenLDAP server with the Lintel test directory. */
export interface Slapd {
  /** ldap://127.0.0.1:PORT, StartTLS capable (its certificate names 127.0.0.1 and localhost). */
  ldapUrl: string;
  /** ldaps://localhost:PORT2. */
  ldapsUrl: string;
  /** The same ldaps listener as ldaps://127.0.0.1:PORT2 (the certificate names the IP too). */
  ldapsIpUrl: string;
  /** ldaps://127.0.0.2:PORT3, an address the certificate does not name (absent where 127.0.0.2 cannot be bound). */
  ldapsMismatchUrl?: string;
  /** The CA that signed the server certificate. */
  caPem: string;
  /** A CA that did NOT sign the server certificate. */
  otherCaPem: string;
  /** A self-contained CA with the same name as caPem but another key (a look-alike). */
  lookalikeCaPem: string;
  baseDn: string;
  /** The service account Lintel binds as; it may read people and groups. */
  bindDn: string;
  bindPassword: string;
  /** The root DN (bypasses ACLs), for seeding and test set-up only. */
  rootDn: string;
  rootPassword: string;
  usersBase: string;
  groupsBase: string;
  groups: SlapdGroups;
  users: SlapdUsers;
  /** The folder holding the configuration, certificates and database. */
  dir: string;
  /** What slapd wrote to stderr so far. */
  stderr(): string;
  /** Stops slapd and removes its folder. */
  stop(): Promise<void>;
}

/** Options for {@link startSlapd}. */
export interface StartSlapdOptions {
  /** Milliseconds to wait for slapd to answer (default 10 000). */
  readyTimeoutMs?: number;
}

const BASE_DN = 'dc=lintel,dc=test';
const PEOPLE = `ou=people,${BASE_DN}`;
const GROUPS = `ou=groups,${BASE_DN}`;
const SERVICES = `ou=services,${BASE_DN}`;
const ROOT_DN = `cn=admin,${BASE_DN}`;
const BIND_DN = `cn=lintel,${SERVICES}`;

/** {SSHA} as slappasswd makes it: base64(SHA-1(password + salt) + salt). */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Asks the kernel for a free TCP port on host (slapd then binds it; a lost race is retried by the caller). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const ecAlg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
type Keys = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

async function newKeys(): Promise<Keys> {
  return (await webcrypto.subtle.generateKey(ecAlg, true, ['sign', 'verify'])) as unknown as Keys;
}

async function keyPem(keys: Keys): Promise<string> {
  const pkcs8 = Buffer.from(
    await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey),
  );
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
}

function serial(): string {
  return randomBytes(12)
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

const validity = () => ({
  notBefore: new Date(Date.now() - 3_600_000),
  notAfter: new Date(Date.now() + 7 * 86_400_000),
});

async function makeCa(name: string): Promise<{ cert: x509.X509Certificate; keys: Keys }> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    ...validity(),
    keys,
    signingAlgorithm: ecAlg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as webcrypto.CryptoKey),
    ],
  });
  return { cert, keys };
}

/** A test CA, a server certificate it signs for 127.0.0.1 and localhost, and two CAs that did not sign it. */
async function makeTls(): Promise<{
  caPem: string;
  otherCaPem: string;
  lookalikeCaPem: string;
  certPem: string;
  keyPem: string;
}> {
  const [ca, other, lookalike, serverKeys] = await Promise.all([
    makeCa('CN=Lintel test directory CA'),
    makeCa('CN=Some other CA'),
    makeCa('CN=Lintel test directory CA'),
    newKeys(),
  ]);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost',
    issuer: ca.cert.subject,
    ...validity(),
    publicKey: serverKeys.publicKey as webcrypto.CryptoKey,
    signingKey: ca.keys.privateKey as webcrypto.CryptoKey,
    signingAlgorithm: ecAlg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return {
    caPem: ca.cert.toString('pem'),
    otherCaPem: other.cert.toString('pem'),
    lookalikeCaPem: lookalike.cert.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: await keyPem(serverKeys),
  };
}

function slapdConf(dir: string, rootPassword: string): string {
  return `# Throw-away test directory for Lintel's LDAP tests.
include ${SCHEMA_DIR}/core.schema
include ${SCHEMA_DIR}/cosine.schema
include ${SCHEMA_DIR}/inetorgperson.schema

pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath ${MODULE_DIR}
moduleload back_mdb
moduleload memberof

TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key

database mdb
maxsize 16777216
dbnosync
suffix "${BASE_DN}"
rootdn "${ROOT_DN}"
rootpw ${ssha(rootPassword)}
directory ${dir}/db
index objectClass,uid,member eq

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

# Anonymous may only bind: searching needs the service account (or a bound user). Groups are readable
# by the service account alone, so group searches that find anything prove they ran as the service.
access to attrs=userPassword
  by anonymous auth
  by * none
access to dn.subtree="${GROUPS}"
  by dn.exact="${BIND_DN}" read
  by * none
access to *
  by dn.exact="${BIND_DN}" read
  by users read
  by anonymous auth
  by * none
`;
}

function person(
  dn: string,
  uid: string,
  cn: string,
  sn: string,
  password?: string,
): [string, Record<string, string | string[]>] {
  const attrs: Record<string, string | string[]> = {
    objectClass: ['inetOrgPerson'],
    uid,
    cn,
    sn,
    displayName: cn,
  };
  if (password !== undefined) attrs.userPassword = ssha(password);
  return [dn, attrs];
}

async function seed(
  url: string,
  rootPassword: string,
  bindPassword: string,
  users: SlapdUsers,
  groups: SlapdGroups,
) {
  const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
  try {
    await client.bind(ROOT_DN, rootPassword);
    const entries: [string, Record<string, string | string[]>][] = [
      [BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'lintel', o: 'Lintel test' }],
      [PEOPLE, { objectClass: ['organizationalUnit'], ou: 'people' }],
      [GROUPS, { objectClass: ['organizationalUnit'], ou: 'groups' }],
      [SERVICES, { objectClass: ['organizationalUnit'], ou: 'services' }],
      [
        BIND_DN,
        {
          objectClass: ['applicationProcess', 'simpleSecurityObject'],
          cn: 'lintel',
          userPassword: ssha(bindPassword),
        },
      ],
    ];
    for (const u of Object.values(users) as SlapdUser[]) {
      const sn = u.displayName.split(' ').at(-1) ?? u.uid;
      entries.push(person(u.dn, u.uid, u.displayName, sn, u === users.nopass ? undefined : u.password));
    }
    // Groups last: the memberof overlay writes memberOf into member entries that already exist.
    for (const [key, dn] of Object.entries(groups) as [keyof SlapdGroups, string][]) {
      const members = (Object.values(users) as SlapdUser[])
        .filter((u) => u.groups.includes(dn))
        .map((u) => u.dn);
      entries.push([dn, { objectClass: ['groupOfNames'], cn: `lintel-${key}`, member: members }]);
    }
    for (const [dn, attrs] of entries) await client.add(dn, attrs);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Resolves when slapd answers an anonymous bind on url, or rejects when it exits or time runs out. */
async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`slapd exited (${child.exitCode ?? child.signalCode}) before answering`);
    const client = new Client({ url, timeout: 1000, connectTimeout: 1000 });
    try {
      await client.bind('', '');
      return;
    } catch (e) {
      last = e;
    } finally {
      await client.unbind().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`slapd did not answer on ${url} within ${timeoutMs} ms: ${String(last)}`);
}

/** An error that says what failed and shows slapd's own complaint. */
function failed(what: string, cause: unknown, stderr: string): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${what}: ${reason}\nslapd stderr:\n${stderr || '(nothing)'}`, { cause });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function makeUsers(): { users: SlapdUsers; groups: SlapdGroups } {
  const groups: SlapdGroups = {
    admins: `cn=lintel-admins,${GROUPS}`,
    operators: `cn=lintel-operators,${GROUPS}`,
    auditors: `cn=lintel-auditors,${GROUPS}`,
  };
  const user = (dn: string, uid: string, displayName: string, inGroups: string[]): SlapdUser => ({
    uid,
    dn,
    displayName,
    groups: inGroups,
    password: `pw-${randomBytes(6).toString('hex')}`,
  });
  const users: SlapdUsers = {
    alice: user(`uid=alice,${PEOPLE}`, 'alice', 'Alice Admin', [groups.admins]),
    bob: user(`uid=bob,${PEOPLE}`, 'bob', 'Bob Operator', [groups.operators, groups.auditors]),
    carol: user(`uid=carol,${PEOPLE}`, 'carol', 'Carol Nobody', []),
    dave1: user(`cn=Dave One,${PEOPLE}`, 'dave', 'Dave One', []),
    dave2: user(`cn=Dave Two,${PEOPLE}`, 'dave', 'Dave Two', []),
    oneil: user(`uid=o'neil,${PEOPLE}`, "o'neil", "Pat O'Neil", []),
    annx: user(`uid=ann(x),${PEOPLE}`, 'ann(x)', 'Ann Paren', [groups.operators]),
    jsmith: user(`cn=Smith\\, Jane,${PEOPLE}`, 'jsmith', 'Smith, Jane', [groups.auditors]),
    jurgen: user(`uid=jürgen,${PEOPLE}`, 'jürgen', 'Jürgen Groß', []),
    nopass: user(`uid=nopass,${PEOPLE}`, 'nopass', 'No Password', []),
  };
  return { users, groups };
}

/**
 * Starts a throw-away OpenLDAP server (slapd.conf, mdb, memberof overlay, TLS from a test CA) on
 * free loopback ports and seeds the Lintel test directory. Stop it with `stop()`.
 */
export async function startSlapd(opts: StartSlapdOptions = {}): Promise<Slapd> {
  if (!fs.existsSync(SLAPD) || !fs.existsSync(path.join(MODULE_DIR, 'memberof.la')))
    throw new Error(
      `OpenLDAP's slapd is not installed (${SLAPD}, ${MODULE_DIR}/memberof): apt-get install slapd ldap-utils`,
    );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-slapd-'));
  const tls = await makeTls();
  const rootPassword = `root-${randomBytes(8).toString('hex')}`;
  const bindPassword = `svc-${randomBytes(8).toString('hex')}`;
  fs.mkdirSync(path.join(dir, 'db'));
  fs.writeFileSync(path.join(dir, 'ca.pem'), tls.caPem);
  fs.writeFileSync(path.join(dir, 'server.pem'), tls.certPem);
  fs.writeFileSync(path.join(dir, 'server.key'), tls.keyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'slapd.conf'), slapdConf(dir, rootPassword));
  const { users, groups } = makeUsers();

  let child: ChildProcess | undefined;
  let stderr = '';
  const cleanup = async () => {
    if (child) await killAndWait(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  try {
    // A port taken between freePort() and slapd's bind makes slapd exit: try again with new ports.
    for (let attempt = 1; ; attempt++) {
      const ldapPort = await freePort('127.0.0.1');
      const ldapsPort = await freePort('127.0.0.1');
      // Linux routes all of 127/8 to lo; elsewhere the host-name mismatch test is skipped.
      const mismatchPort = await freePort('127.0.0.2').catch(() => undefined);
      const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
      const ldapsMismatchUrl = mismatchPort ? `ldaps://127.0.0.2:${mismatchPort}` : undefined;
      const listen = [ldapUrl, `ldaps://127.0.0.1:${ldapsPort}`, ldapsMismatchUrl]
        .filter((u) => u !== undefined)
        .map((u) => `${u}/`)
        .join(' ');
      stderr = '';
      // -d 32768 ("none"): stay in the foreground and print only errors (-d 0 hides even those).
      const started = spawn(SLAPD, ['-d', '32768', '-h', listen, '-f', path.join(dir, 'slapd.conf')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = started;
      started.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const spawnError = new Promise<never>((_, reject) => started.once('error', reject));
      try {
        await Promise.race([waitReady(ldapUrl, started, opts.readyTimeoutMs ?? 10_000), spawnError]);
      } catch (e) {
        await killAndWait(started);
        const bindFailed = /bind\(|address already in use|errno=98/i.test(stderr);
        if (bindFailed && attempt < 3) continue;
        throw failed(`slapd did not start (${listen})`, e, stderr);
      }
      await seed(ldapUrl, rootPassword, bindPassword, users, groups).catch((e: unknown) => {
        throw failed('seeding the test directory failed', e, stderr);
      });
      return {
        ldapUrl,
        ldapsUrl: `ldaps://localhost:${ldapsPort}`,
        ldapsIpUrl: `ldaps://127.0.0.1:${ldapsPort}`,
        ...(ldapsMismatchUrl ? { ldapsMismatchUrl } : {}),
        caPem: tls.caPem,
        otherCaPem: tls.otherCaPem,
        lookalikeCaPem: tls.lookalikeCaPem,
        baseDn: BASE_DN,
        bindDn: BIND_DN,
        bindPassword,
        rootDn: ROOT_DN,
        rootPassword,
        usersBase: PEOPLE,
        groupsBase: GROUPS,
        groups,
        users,
        dir,
        stderr: () => stderr,
        stop: async () => {
          process.removeListener('exit', onExit);
          await cleanup();
        },
      };
    }
  } catch (e) {
    process.removeListener('exit', onExit);
    await cleanup();
    throw e;
  }
}
