import argon2 from 'argon2';
import https from 'node:https';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RFC9106_SECOND_OPTION } from '../app/crypto/argon2.js';
import { silentLogger } from '../app/log.js';
import { startHttpsServer } from '../app/server/https-server.js';
import { loadTls } from '../app/server/tls.js';
import { Service } from '../app/service/service.js';
import { systemClock } from '../app/site/site.js';
import { makeSite, openTemp } from '../test/helpers/temp-site.js';
import { startSlapd } from '../test/helpers/slapd.js';
import { compared, median, type BenchResult } from './bench-result.js';

// Operator login over the real HTTPS server with the production Argon2id parameters, locally and
// through a real OpenLDAP (slapd on loopback); and whether other calls stay fast while logins hash.
const SEQUENTIAL = 30;
const CONCURRENT = 20;
const PASSWORD = 'correct horse battery staple';

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function run(): Promise<BenchResult[]> {
  const site = await openTemp(await makeSite('Bench site'));
  const service = new Service({ site, log: silentLogger(), version: 'bench' });
  const tls = await loadTls(site, systemClock);
  const server = await startHttpsServer({ service, tls, host: '127.0.0.1', port: 0, log: silentLogger() });
  const ldap = await startSlapd();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: tls.cert });

  async function rpc(method: string, params: unknown, token?: string): Promise<Record<string, unknown>> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const text = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        `${server.url}rpc`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => resolve(data));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const reply = JSON.parse(text) as { result?: Record<string, unknown>; error?: { message: string } };
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result!;
  }
  const timed = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };

  try {
    await rpc('setup.createAdmin', {
      token: service.issueSetupToken(),
      username: 'admin',
      password: PASSWORD,
    });
    const admin = (await rpc('session.login', { username: 'admin', password: PASSWORD })).token as string;
    await rpc(
      'directory.update',
      {
        version: 0,
        enabled: true,
        connection: { url: ldap.ldapsUrl, caCertificate: ldap.caPem, bindDn: ldap.bindDn },
        bindPassword: ldap.bindPassword,
        operators: {
          userBase: ldap.usersBase,
          groupRoles: [{ groupDn: ldap.groups.operators, roleIds: [2] }],
        },
      },
      admin,
    );

    // The raw hash, the floor of a local login.
    const hashMs: number[] = [];
    for (let i = 0; i < 10; i++)
      hashMs.push(
        await timed(() =>
          argon2.hash(PASSWORD, {
            type: argon2.argon2id,
            memoryCost: RFC9106_SECOND_OPTION.memoryKiB,
            timeCost: RFC9106_SECOND_OPTION.iterations,
            parallelism: RFC9106_SECOND_OPTION.parallelism,
          }),
        ),
      );

    const local: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++)
      local.push(await timed(() => rpc('session.login', { username: 'admin', password: PASSWORD })));
    const directory: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++)
      directory.push(
        await timed(() => rpc('session.login', { username: 'bob', password: ldap.users.bob.password })),
      );

    // Other calls while idle, then while 20 logins hash at once.
    const probe = async (until: () => boolean) => {
      const out: number[] = [];
      while (!until()) {
        out.push(await timed(() => rpc('site.get', {}, admin)));
        await new Promise((r) => setTimeout(r, 2));
      }
      return out;
    };
    const idleUntil = performance.now() + 1500;
    const idle = await probe(() => performance.now() > idleUntil);

    const loop = monitorEventLoopDelay({ resolution: 1 });
    let done = false;
    loop.enable();
    const started = performance.now();
    const burst = Promise.all(
      Array.from({ length: CONCURRENT }, () =>
        rpc('session.login', { username: 'admin', password: PASSWORD }),
      ),
    ).finally(() => (done = true));
    const [busy] = await Promise.all([probe(() => done), burst]);
    const burstMs = performance.now() - started;
    loop.disable();

    // Refusals must not tell an unknown user from a wrong password. Kept under the back-off's free
    // attempts: 4 per account, 16 from this address in all.
    const refused = async (username: string, password: string) =>
      timed(() =>
        rpc('session.login', { username, password }).then(
          () => {
            throw new Error('a wrong password logged in');
          },
          (err: Error) => {
            if (!/Unknown username or wrong password/.test(err.message)) throw err;
          },
        ),
      );
    await rpc(
      'operators.create',
      { username: 'second', roleIds: [2], password: 'temporary passphrase 1' },
      admin,
    );
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let i = 0; i < 8; i++) {
      wrongPassword.push(await refused(i % 2 ? 'admin' : 'second', `wrong password ${i}`));
      unknownUser.push(await refused(`nobody-${i}`, `wrong password ${i}`));
    }

    return [
      {
        name: 'argon2id hash (RFC 9106 second option: 64 MiB, t=3, p=4)',
        value: round(median(hashMs)),
        unit: 'ms',
        note: `median of 10 on this machine; p99 ${round(p99(hashMs))} ms`,
      },
      {
        ...compared(
          'local login over HTTPS, median',
          'ms',
          median(local),
          median(hashMs),
          undefined,
          `${SEQUENTIAL} sequential logins; baseline: one bare argon2id hash; p99 ${round(p99(local))} ms`,
        ),
        value: round(median(local)),
        baseline: round(median(hashMs)),
      },
      { name: 'local login over HTTPS, p99', value: round(p99(local)), unit: 'ms' },
      {
        ...compared(
          'LDAP login over HTTPS (slapd, LDAPS), median',
          'ms',
          median(directory),
          median(local),
          undefined,
          `${SEQUENTIAL} sequential logins of a directory operator; baseline: a local login; p99 ${round(p99(directory))} ms`,
        ),
        value: round(median(directory)),
        baseline: round(median(local)),
      },
      { name: 'LDAP login over HTTPS (slapd, LDAPS), p99', value: round(p99(directory)), unit: 'ms' },
      {
        ...compared(
          'refused login: unknown user vs wrong password, median',
          'ms',
          median(unknownUser),
          median(wrongPassword),
          undefined,
          'unknown users go through the directory search and a dummy hash; a wrong local password through its hash (ratio near 1: timing tells nothing)',
        ),
        value: round(median(unknownUser)),
        baseline: round(median(wrongPassword)),
      },
      {
        name: `site.get p99 while ${CONCURRENT} logins hash at once`,
        value: round(p99(busy)),
        unit: 'ms',
        baseline: round(p99(idle)),
        ratio: Math.round((p99(busy) / p99(idle)) * 1000) / 1000,
        limit: 50,
        note: `${busy.length} calls during the ${round(burstMs)} ms burst (idle p99 as baseline); event-loop delay p99 ${round(loop.percentile(99) / 1e6)} ms, max ${round(loop.max / 1e6)} ms`,
      },
    ];
  } finally {
    agent.destroy();
    await server.close();
    await ldap.stop();
    service.close();
    site.close();
  }
}
