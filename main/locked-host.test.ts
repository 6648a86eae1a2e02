import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../app/contract/errors.js';
import type { RpcResponse } from '../app/contract/jsonrpc.js';
import { KeyCustodyError } from '../app/keys/errors.js';
import { readKeyring } from '../app/keys/keyring.js';
import { createLogger, silentLogger, type Log } from '../app/log.js';
import type { BackoffPolicy } from '../app/service/rate-limiter.js';
import { Service } from '../app/service/service.js';
import { sitePaths } from '../app/site/paths.js';
import { CipherKeychain } from '../test/helpers/cipher-keychain.js';
import { cheapHasher } from '../test/helpers/service-fixture.js';
import { tempDir } from '../test/helpers/temp-site.js';
import { IPC_CHANNELS } from './ipc-guard.js';
import { IpcHost } from './ipc-host.js';
import type { IpcTransport } from './ipc-transport.js';
import { openDesktopSite, type DesktopSite } from './key-custody.js';
import type { InvokeEvent } from './ipc-sender.js';
import { LockedHost, registerLockedHost, type IpcHandlers } from './locked-host.js';

// The locked main process against real sites (a keychain stand-in that really encrypts, made unusable
// to force the passphrase) and a registry that dispatches like Electron's ipcMain: one handler per
// channel, a second registration throws, an invoke with no handler fails.

type Listener = (event: InvokeEvent, message: unknown) => unknown;

class FakeIpcMain implements IpcHandlers {
  private readonly handlers = new Map<string, Listener>();

  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** What the preload's ipcRenderer.invoke gets: the handler registered when the message arrives. */
  invoke(channel: string, event: InvokeEvent, message?: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return Promise.resolve(handler(event, message));
  }

  channels(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

const CONSOLE: InvokeEvent = {
  sender: { id: 7 },
  senderFrame: { url: 'app://lintel/index.html', origin: 'app://lintel', parent: null },
};
const ELSEWHERE: InvokeEvent = {
  sender: { id: 7 },
  senderFrame: { url: 'https://evil.example/', origin: 'https://evil.example', parent: null },
};
const SUBFRAME: InvokeEvent = {
  sender: { id: 7 },
  senderFrame: { url: 'app://lintel/index.html', origin: 'app://lintel', parent: {} },
};

const PASSPHRASE = 'correct horse battery staple';

/** A desktop start as main.ts runs it, with the Electron parts injected. */
interface Start {
  ipc: FakeIpcMain;
  host: LockedHost;
  opened: Promise<DesktopSite>;
  /** Builds the Service on the opened site and hands the IPC channels over to its transport. */
  serve(): Promise<IpcTransport>;
  rpc(method: string, params?: unknown, event?: InvokeEvent): Promise<RpcResponse>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function folder(): { dataDir: string; keyFile: string } {
  const root = tempDir();
  return { dataDir: path.join(root, 'data'), keyFile: path.join(root, 'keys', 'site.key') };
}

function start(
  where: { dataDir: string; keyFile: string },
  keychain: CipherKeychain,
  opts: { log?: Log; backoff?: BackoffPolicy; now?: () => number } = {},
): Start {
  const log = opts.log ?? silentLogger();
  const ipc = new FakeIpcMain();
  const host = new LockedHost(log, opts);
  const locked = registerLockedHost(ipc, host, log);
  const opened = host.unlock((ask) =>
    openDesktopSite({
      ...where,
      keepKeyFile: false,
      safeStorage: keychain,
      platform: 'linux',
      askPassphrase: ask,
      log,
      now: () => new Date(),
    }),
  );
  opened.then(
    ({ site }) => cleanups.push(() => site.close()),
    () => undefined,
  );
  return {
    ipc,
    host,
    opened,
    serve: async () => {
      const { site } = await opened;
      const service = new Service({ site, log, version: '0.0.0-test', passwords: cheapHasher() });
      // What registerIpcTransport does, on the fake registry.
      const transport = locked.handOver(() => {
        const ipcHost = new IpcHost(service, log);
        ipc.handle(IPC_CHANNELS.rpc, (e, m) => ipcHost.rpc(e.sender.id, m));
        ipc.handle(IPC_CHANNELS.subscribe, (e, t) => ipcHost.subscribe(e.sender.id, t, () => undefined));
        ipc.handle(IPC_CHANNELS.unsubscribe, (e, t) => ipcHost.unsubscribe(e.sender.id, t));
        return { host: ipcHost, dispose: () => ipcHost.dispose() };
      });
      cleanups.push(async () => {
        await transport.dispose();
        service.close();
      });
      return transport;
    },
    rpc: (method, params, event = CONSOLE) =>
      ipc.invoke(
        IPC_CHANNELS.rpc,
        event,
        params === undefined ? { method } : { method, params },
      ) as Promise<RpcResponse>,
  };
}

function error(r: RpcResponse): { code: number; message: string; data?: Record<string, unknown> } {
  if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

function result(r: RpcResponse): unknown {
  if ('error' in r) throw new Error(`unexpected error ${JSON.stringify(r.error)}`);
  return r.result;
}

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

function basicText(): CipherKeychain {
  const keychain = new CipherKeychain();
  keychain.backend = 'basic_text';
  return keychain;
}

/** An existing passphrase site, created without the locked host. */
async function passphraseSite(): Promise<{ dataDir: string; keyFile: string }> {
  const where = folder();
  const { site } = await openDesktopSite({
    ...where,
    keepKeyFile: false,
    safeStorage: basicText(),
    platform: 'linux',
    askPassphrase: () => Promise.resolve(PASSPHRASE),
    log: silentLogger(),
    now: () => new Date(),
  });
  site.close();
  return where;
}

describe('a new site without a usable keychain', () => {
  it('is locked until a passphrase that meets the policy is chosen, then the Service takes over', async () => {
    const where = folder();
    const s = start(where, basicText());

    const locked = error(await s.rpc('setup.status', {}));
    expect(locked).toMatchObject({ code: ErrorCode.SITE_LOCKED });
    expect(locked.data).toEqual({
      name: 'SITE_LOCKED',
      creating: true,
      reason: expect.stringContaining('basic_text') as string,
      minLength: 12,
    });
    expect(await s.ipc.invoke(IPC_CHANNELS.subscribe, CONSOLE, 'events.appended')).toBe(false);

    const weak = error(await s.rpc('custody.unlock', { passphrase: 'too short' }));
    expect(weak.code).toBe(ErrorCode.INVALID_PARAMS);
    expect(weak.data?.issues).toEqual([
      { path: 'passphrase', message: 'the passphrase must be at least 12 characters long' },
    ]);
    expect(fs.existsSync(sitePaths(where.dataDir).keyring)).toBe(false);
    expect(error(await s.rpc('setup.status', {})).code).toBe(ErrorCode.SITE_LOCKED);

    const unlock = s.rpc('custody.unlock', { passphrase: PASSPHRASE });
    const { created, custody } = await s.opened;
    expect({ created, custody }).toEqual({ created: true, custody: 'passphrase' });
    // The site is open, but the console hears so only once the Service answers its next call.
    expect(await settled(unlock)).toBe(false);
    await s.serve();
    expect(result(await unlock)).toEqual({ created: true });

    expect(result(await s.rpc('setup.status', {}))).toEqual({
      siteName: 'My site',
      administratorExists: false,
      tokenRequired: false,
    });
    expect(error(await s.rpc('custody.unlock', { passphrase: PASSPHRASE }))).toMatchObject({
      code: ErrorCode.CONFLICT,
      message: 'The site is already open',
    });
    expect(readKeyring(sitePaths(where.dataDir).keyring).wraps.map((w) => w.kek.kind)).toEqual([
      'passphrase',
    ]);
  });
});

describe('an existing passphrase site', () => {
  it('refuses a wrong passphrase, stays locked for another try, and opens with the right one', async () => {
    const where = await passphraseSite();
    const lines: string[] = [];
    const log = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const s = start(where, basicText(), { log });

    const locked = error(await s.rpc('site.get', {}));
    expect(locked.code).toBe(ErrorCode.SITE_LOCKED);
    expect(locked.data).toEqual({
      name: 'SITE_LOCKED',
      creating: false,
      reason: expect.stringContaining('locked with a passphrase') as string,
    });

    expect(error(await s.rpc('custody.unlock', { passphrase: 'not the passphrase' }))).toMatchObject({
      code: ErrorCode.INVALID_CREDENTIALS,
      message: 'That passphrase does not open this site',
    });
    expect(error(await s.rpc('setup.status', {})).code).toBe(ErrorCode.SITE_LOCKED);

    const unlock = s.rpc('custody.unlock', { passphrase: PASSPHRASE });
    expect((await s.opened).created).toBe(false);
    await s.serve();
    expect(result(await unlock)).toEqual({ created: false });
    expect(result(await s.rpc('setup.status', {}))).toMatchObject({ administratorExists: false });

    const logged = lines.join('');
    expect(logged).toContain('the site passphrase was refused');
    expect(logged).not.toContain('not the passphrase');
    expect(logged).not.toContain(PASSPHRASE);
  });

  it('makes guessing wait after the free tries, without trying the passphrase meanwhile', async () => {
    const where = await passphraseSite();
    let now = Date.parse('2030-01-01T00:00:00Z');
    const backoff = { free: 1, windowMs: 600_000, baseDelayMs: 60_000, maxDelayMs: 60_000, maxKeys: 1 };
    const s = start(where, basicText(), { backoff, now: () => now });

    expect(error(await s.rpc('custody.unlock', { passphrase: 'guess number one' })).code).toBe(
      ErrorCode.INVALID_CREDENTIALS,
    );
    const limited = error(await s.rpc('custody.unlock', { passphrase: PASSPHRASE }));
    expect(limited).toMatchObject({ code: ErrorCode.RATE_LIMITED, data: { retryAfterSeconds: 60 } });
    expect(await settled(s.opened)).toBe(false);
    expect(s.host.locked).toBe(true);

    now += 61_000;
    const unlock = s.rpc('custody.unlock', { passphrase: PASSPHRASE });
    await s.opened;
    await s.serve();
    expect(result(await unlock)).toEqual({ created: false });
  });

  it('drops messages from other frames and refuses malformed ones, staying locked', async () => {
    const where = await passphraseSite();
    const s = start(where, basicText());
    await expect.poll(() => s.host.locked).toBe(true);

    for (const event of [ELSEWHERE, SUBFRAME, { ...CONSOLE, senderFrame: null }]) {
      expect(await s.rpc('custody.unlock', { passphrase: PASSPHRASE }, event)).toBeUndefined();
      expect(await s.ipc.invoke(IPC_CHANNELS.subscribe, event, 'events.appended')).toBeUndefined();
    }
    const raw = (message: unknown) =>
      s.ipc.invoke(IPC_CHANNELS.rpc, CONSOLE, message) as Promise<RpcResponse>;
    expect(
      error(await raw({ method: 'custody.unlock', params: { passphrase: PASSPHRASE }, id: 1 })).code,
    ).toBe(ErrorCode.INVALID_REQUEST);
    expect(error(await raw({ method: 'custody.unlock', params: new Map() })).code).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    expect(error(await s.rpc('no.such', {})).code).toBe(ErrorCode.METHOD_NOT_FOUND);
    expect(error(await s.rpc('custody.unlock', { passphrase: '' })).code).toBe(ErrorCode.INVALID_PARAMS);
    expect(error(await s.rpc('custody.unlock', { passphrase: PASSPHRASE, more: 1 })).code).toBe(
      ErrorCode.INVALID_PARAMS,
    );
    expect(await settled(s.opened)).toBe(false);
    expect(error(await s.rpc('setup.status', {})).code).toBe(ErrorCode.SITE_LOCKED);
  });
});

describe('a site the keychain opens', () => {
  it('holds the calls that come while it opens and lets the Service answer them', async () => {
    const where = folder();
    const s = start(where, new CipherKeychain());
    const early = s.rpc('setup.status', {});
    const stray = s.rpc('custody.unlock', { passphrase: PASSPHRASE });
    expect((await s.opened).custody).toBe('safe-storage');
    expect(await settled(early)).toBe(false);

    expect(s.ipc.channels()).toEqual(
      [IPC_CHANNELS.rpc, IPC_CHANNELS.subscribe, IPC_CHANNELS.unsubscribe].sort(),
    );
    await s.serve();
    // The registry refuses a second handler on a channel, so the locked ones were gone before the
    // Service's arrived; all three are the Service's now.
    expect(s.ipc.channels()).toHaveLength(3);
    expect(result(await early)).toEqual({
      siteName: 'My site',
      administratorExists: false,
      tokenRequired: false,
    });
    expect(error(await stray).code).toBe(ErrorCode.CONFLICT);
    expect(error(await s.rpc('site.get', {})).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await s.ipc.invoke(IPC_CHANNELS.subscribe, CONSOLE, 'site.updated')).toBe(true);
  });

  it('answers the waiting calls with the reason when the start fails', async () => {
    const where = folder();
    const keychain = new CipherKeychain();
    (
      await openDesktopSite({
        ...where,
        keepKeyFile: false,
        safeStorage: keychain,
        platform: 'linux',
        log: silentLogger(),
        now: () => new Date(),
      })
    ).site.close();
    keychain.backend = 'kwallet6'; // the operator moved desktops: the sealed key cannot be opened
    const s = start(where, keychain);
    const early = s.rpc('setup.status', {});
    await expect(s.opened).rejects.toMatchObject({ code: 'KEYCHAIN_CHANGED' });
    const failed = error(await early);
    expect(failed.code).toBe(ErrorCode.UNAVAILABLE);
    expect(failed.message).toMatch(/^Lintel could not open the site: .*"gnome_libsecret"/);
    expect(error(await s.rpc('setup.status', {})).code).toBe(ErrorCode.UNAVAILABLE);
  });
});

describe('LockedHost.ask', () => {
  it('gives every ask of one attempt the same passphrase, and asks again after a refusal', async () => {
    const host = new LockedHost(silentLogger());
    const prompt = { creating: false, reason: 'test' };
    const seen: string[][] = [];
    const opened = host.unlock(async (ask) => {
      const attempt = [await ask(prompt), await ask(prompt)];
      seen.push(attempt);
      if (attempt[0] !== PASSPHRASE) throw new KeyCustodyError('WRONG_KEK', 'the passphrase is wrong');
      return 'open';
    });
    await expect.poll(() => host.locked).toBe(true);
    const first = await host.rpc(1, { method: 'custody.unlock', params: { passphrase: 'wrong one' } });
    expect(error(first).code).toBe(ErrorCode.INVALID_CREDENTIALS);
    const second = host.rpc(1, { method: 'custody.unlock', params: { passphrase: PASSPHRASE } });
    expect(await opened).toBe('open');
    host.handOver(() => Promise.reject(new Error('nothing waits')));
    expect(result(await second)).toEqual({ created: false });
    expect(seen).toEqual([
      ['wrong one', 'wrong one'],
      [PASSPHRASE, PASSPHRASE],
    ]);
  });
});
