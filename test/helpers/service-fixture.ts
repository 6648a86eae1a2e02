import type { MethodName, ParamsOf } from '../../app/contract/index.js';
import type { RpcFailure, RpcResponse, RpcSuccess } from '../../app/contract/jsonrpc.js';
import { silentLogger } from '../../app/log.js';
import type { HidDevices } from '../../app/ports/hid.js';
import type { SerialPorts } from '../../app/ports/serial.js';
import type { CallContext, Caller } from '../../app/rpc/context.js';
import { PasswordHasher } from '../../app/service/passwords.js';
import { Service } from '../../app/service/service.js';
import type { OpenSite } from '../../app/site/site.js';
import { makeSite, openTemp, type TempSite } from './temp-site.js';

/** Argon2id cheap enough for unit tests (the real parameters are measured in `npm run bench`). */
export const cheapHasher = (): PasswordHasher =>
  new PasswordHasher({ memoryKiB: 8192, iterations: 1, parallelism: 1 });

/** The password every fixture operator starts with (passes the policy). */
export const FIXTURE_PASSWORD = 'correct horse battery staple';

/** A Service on a fresh temporary site, with a first administrator, and helpers to call it. */
export interface ServiceFixture {
  /** Where the site and its key file are. */
  temp: TempSite;
  site: OpenSite;
  service: Service;
  /** Moves the service clock. */
  advance(ms: number): void;
  now(): Date;
  /** Calls a method as `caller` (or anonymously) from `address`. */
  call(
    method: string,
    params?: unknown,
    opts?: { caller?: Caller; address?: string; sink?: CallContext['sessionSink'] },
  ): Promise<RpcResponse>;
  /** Logs in and returns the caller and its token. */
  login(username: string, password?: string, address?: string): Promise<{ token: string; caller: Caller }>;
  /** The caller behind a token right now (roles re-read). */
  callerOf(token: string): Caller | undefined;
  /** Creates a local operator with a usable (not temporary) password; returns its id. */
  addOperator(username: string, roleIds: number[], password?: string): Promise<number>;
  admin: { token: string; caller: Caller };
  /** Stops the Service (its device link included) and closes the site. */
  close(): Promise<void>;
}

/** The result of a successful response (throws on an error response). */
export function ok<T = Record<string, unknown>>(r: RpcResponse): T {
  if ('error' in r) throw new Error(`unexpected error ${JSON.stringify(r.error)}`);
  return (r as RpcSuccess).result as T;
}

/** The error of a failed response (throws on success). */
export function failure(r: RpcResponse): RpcFailure['error'] {
  if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r).slice(0, 300)}`);
  return r.error;
}

/** Typed params for a method (compile-time check in tests). */
export function params<M extends MethodName>(_m: M, p: ParamsOf<M>): ParamsOf<M> {
  return p;
}

/** Starts a Service on a fresh site and creates the first administrator `admin`. */
export async function serviceFixture(
  opts: {
    passwords?: PasswordHasher;
    hid?: HidDevices;
    /** The serial ports the PPD methods open (native/serial-port.ts over a pty pair in tests). */
    serial?: SerialPorts;
    /** Runs the device link on a free UDP port of 127.0.0.1 (and the real clock: devices use it too). */
    link?: boolean;
    siteName?: string;
  } = {},
): Promise<ServiceFixture> {
  const temp = await makeSite(opts.siteName ?? 'Fixture site');
  const site = await openTemp(temp);
  let clock = new Date('2026-11-29T09:00:00Z');
  const passwords = opts.passwords ?? cheapHasher();
  const service = new Service({
    site,
    log: silentLogger(),
    version: '0.0.0-test',
    ...(opts.link ? { link: { port: 0, host: '127.0.0.1' } } : { clock: () => clock }),
    passwords,
    ...(opts.hid ? { hid: opts.hid } : {}),
    ...(opts.serial ? { serial: opts.serial } : {}),
  });
  if (opts.link) await service.linkReady;
  const setupToken = service.issueSetupToken()!;

  const call: ServiceFixture['call'] = async (method, p, o = {}) => {
    const address = o.address ?? '10.0.0.1';
    const r = await service.dispatcher.call(
      { jsonrpc: '2.0', id: 1, method, ...(p === undefined ? {} : { params: p }) },
      { source: `test ${address}`, address, revealToken: true, caller: o.caller, sessionSink: o.sink },
    );
    if (!r) throw new Error('no response');
    return r;
  };
  const login: ServiceFixture['login'] = async (username, password = FIXTURE_PASSWORD, address) => {
    const r = ok<{ token: string }>(await call('session.login', { username, password }, { address }));
    return { token: r.token, caller: service.authenticate(r.token)! };
  };
  ok(await call('setup.createAdmin', { token: setupToken, username: 'admin', password: FIXTURE_PASSWORD }));
  const admin = await login('admin');

  return {
    temp,
    site,
    service,
    advance: (ms) => {
      clock = new Date(clock.getTime() + ms);
    },
    now: () => clock,
    call,
    login,
    callerOf: (token) => service.authenticate(token, { touch: false }),
    addOperator: async (username, roleIds, password = FIXTURE_PASSWORD) => {
      const op = ok<{ id: number; version: number }>(
        await call(
          'operators.create',
          { username, roleIds, password: 'temporary passphrase 1' },
          { caller: service.authenticate(admin.token)! },
        ),
      );
      // Sets the chosen password the way the operator would at first login.
      const first = await login(username, 'temporary passphrase 1');
      ok(
        await call(
          'session.changePassword',
          { currentPassword: 'temporary passphrase 1', newPassword: password },
          { caller: first.caller },
        ),
      );
      return op.id;
    },
    admin,
    close: () => {
      if (opts.link) return service.shutdown().then(() => site.close());
      // Without a link everything closes at once (callers that reopen the site right after rely on it).
      service.close();
      site.close();
      return Promise.resolve();
    },
  };
}
