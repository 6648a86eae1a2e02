import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeCards, startMobile } from './demo-cards.js';
import { startOffline } from './demo-offline.js';
import { READERS, startOnline, type PairingCodes } from './demo-online.js';
import { DEMO_DOORS } from './demo-plan.js';
import { DemoParts, type Part } from './demo-parts.js';
import { readDemoState, writeDemoState, type DemoState } from './demo-state.js';
import { seedSite } from './seed-site.js';
import { SiteRpc } from './site-rpc.js';

/**
 * `lintel demo`: a whole site on one machine. Every part is its own `lintel` process speaking its
 * real protocol — the Service (`lintel serve`, HTTPS console and Noise/UDP device link), an NCoder
 * simulator on its HID socket, a gateway with two control units behind it, OSDP readers on pty serial
 * lines, an RF node on a simulated 802.15.4 air with an RF lock, two offline locks and the PPD on pty
 * serial lines, the mobile-key relay and a phone. The first start seeds the site through the
 * console's own calls and encodes the named people's cards on the NCoder; later starts on the same
 * folder bring that site back.
 */

export interface DemoOptions {
  dataDir: string;
  /** The console's TCP port (0: any free one). */
  port: number;
  /** Progress for the person at the terminal. */
  say: (line: string) => void;
  /** Aborting stops the processes started so far (a Ctrl-C during the start); start then rejects. */
  signal?: AbortSignal;
}

/** An offline lock of the demo: its process, and the serial path the PPD visits it on. */
export interface DemoLock {
  part: Part;
  port: string;
}

/** The parts the hands act through. */
export interface DemoDevices {
  serve: Part;
  ncoder: Part;
  gateway: Part;
  cuMain: Part;
  cuAnnex: Part;
  air: Part;
  readers: Record<string, Part>;
  locks: Record<string, DemoLock>;
  rflock: Part;
  ppd: Part;
  relay: Part;
  phone: Part;
}

export class DemoSite {
  readonly parts: DemoParts;
  readonly rpc: SiteRpc;
  /** Milliseconds from the start call to a site ready for the hands (the console up, every device in touch). */
  readyMs = 0;

  /** Made by DemoSite.start. */
  constructor(
    readonly dataDir: string,
    readonly url: string,
    rpc: SiteRpc,
    parts: DemoParts,
    readonly state: DemoState,
    readonly devices: DemoDevices,
    /** The RF lock's phone port (its BLE stand-in). */
    readonly blePort: number,
    /** The serial path the Service reaches the PPD on (what the console's Offline locks screen asks for). */
    readonly ppdPort: string,
    /** Whether this start made the site (false: an earlier demo in this folder came back). */
    readonly created: boolean,
  ) {
    this.rpc = rpc;
    this.parts = parts;
  }

  /** Starts the whole site; on any failure stops what it started and rethrows. */
  static async start(opts: DemoOptions): Promise<DemoSite> {
    const started = performance.now();
    const dataDir = path.resolve(opts.dataDir);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const saved = readDemoState(dataDir);
    if (saved && !saved.ready)
      throw new Error(
        `the demo in ${dataDir} was stopped during its first start: delete the folder (or choose another) and start again`,
      );
    if (!saved && fs.readdirSync(dataDir).length)
      throw new Error(`${dataDir} holds something that is not a demo: give a new or empty folder`);
    const parts = new DemoParts(path.join(dataDir, 'logs'));
    const abort = () => void parts.stopAll().catch(() => undefined);
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      opts.signal?.throwIfAborted();
      const site = await startSite(opts, dataDir, parts, saved);
      site.readyMs = Math.round(performance.now() - started);
      return site;
    } catch (err) {
      await parts.stopAll().catch(() => undefined);
      throw opts.signal?.aborted ? new Error('the demo was stopped while it started') : err;
    } finally {
      opts.signal?.removeEventListener('abort', abort);
    }
  }

  /** Stops every process and cable of the demo. */
  stop(): Promise<void> {
    return this.parts.stopAll();
  }

  /** The door's id, by its hands key (`entrance`) or name (`Room 101`, any case). */
  doorKey(name: string): string | undefined {
    const want = name.toLowerCase().replace(/\s+/g, '');
    return DEMO_DOORS.find((d) => d.key === want || d.name.toLowerCase().replace(/\s+/g, '') === want)?.key;
  }
}

/** The ports devices keep in their enrolments must be the same at every start: picked once, then saved. */
async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  }
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A path socat can take as a link name (its address syntax gives , : ! and spaces meanings). */
const linkable = (p: string) => !/[,:!\s'"\\]/.test(p);

async function startSite(
  opts: DemoOptions,
  dataDir: string,
  parts: DemoParts,
  saved: DemoState | undefined,
): Promise<DemoSite> {
  const first = !saved;
  const say = opts.say;
  const cards = path.join(dataDir, 'cards');
  const dev = path.join(dataDir, 'dev');
  fs.mkdirSync(cards, { recursive: true, mode: 0o700 });
  fs.mkdirSync(dev, { recursive: true, mode: 0o700 });
  const ports = saved?.ports ?? {
    link: await freePort('udp'),
    gateway: await freePort('udp'),
    relay: await freePort('tcp'),
  };
  // A Unix socket path has a length limit (about 100 bytes): a deep data folder puts it in /tmp.
  const inFolder = path.join(dataDir, 'ncoder.sock');
  const socket =
    process.platform === 'win32'
      ? `\\\\.\\pipe\\lintel-demo-${randomBytes(6).toString('hex')}`
      : inFolder.length < 100
        ? inFolder
        : path.join(os.tmpdir(), `lintel-demo-${randomBytes(6).toString('hex')}.sock`);

  say('Starting the NCoder simulator and the Service…');
  const ncoder = parts.start('ncoder', [
    'sim',
    'ncoder',
    '--socket',
    socket,
    '--state',
    path.join(dataDir, 'ncoder.json'),
    '--cards',
    cards,
  ]);
  await ncoder.waitFor(/^NCoder simulator \S+ listening on /m);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const serve = parts.start('serve', [
    'serve',
    '--data-dir',
    path.join(dataDir, 'site'),
    '--key-file',
    path.join(dataDir, 'keys', 'site.key'),
    '--port',
    String(opts.port),
    '--ncoder-socket',
    socket,
    '--link-port',
    String(ports.link),
    '--link-host',
    '127.0.0.1',
    ...(first ? ['--site-name', 'Lintel demo site', '--time-zone', timeZone] : []),
  ]);
  await serve.waitFor(/^Press Ctrl-C to stop\.$/m, 0, 90_000);
  const url = /Lintel console: (\S+)/.exec(serve.stdout())![1]!;
  if (!/^Device link: udp /m.test(serve.stdout()))
    throw new Error(
      `the Service could not listen for devices on UDP ${ports.link}: see ${dataDir}/logs/serve.log`,
    );
  const rpc = new SiteRpc(url, fs.readFileSync(path.join(dataDir, 'site', 'tls', 'cert.pem'), 'utf8'));

  let state: DemoState;
  let codes: PairingCodes | undefined;
  if (saved) {
    state = saved;
    await rpc.login(saved.admin.username, saved.admin.password);
  } else {
    const token = /Setup token: (\S+)/.exec(serve.stdout())?.[1];
    if (!token) throw new Error('the new demo site printed no setup token');
    const admin = { username: 'admin', password: `demo-${randomBytes(12).toString('base64url')}` };
    await rpc.call('setup.createAdmin', { token, ...admin, displayName: 'Demo administrator' });
    await rpc.login(admin.username, admin.password);
    say('Seeding the site: zones, doors, time periods, calendars, access levels, users…');
    const seeded = await seedSite(rpc, new Date().getFullYear());
    type Created = { device: { id: number }; pairing: { code: string } };
    const gw = await rpc.call<Created>('devices.create', {
      kind: 'gateway',
      name: 'Gateway building A',
    });
    const cuMain = await rpc.call<Created>('devices.create', {
      kind: 'control-unit',
      name: 'CU main building',
      gatewayId: gw.device.id,
      readers: READERS.map((r) => ({ address: r.address, doorId: seeded.doors[r.door]! })),
    });
    const cuAnnex = await rpc.call<Created>('devices.create', {
      kind: 'control-unit',
      name: 'CU annex (RF node)',
      gatewayId: gw.device.id,
      readers: [],
    });
    codes = { gateway: gw.pairing.code, cuMain: cuMain.pairing.code, cuAnnex: cuAnnex.pairing.code };
    state = {
      format: 1,
      admin,
      ports,
      doors: seeded.doors,
      people: seeded.people,
      devices: { gateway: gw.device.id, cuMain: cuMain.device.id, cuAnnex: cuAnnex.device.id },
      rfLockEui: `00124B00${randomBytes(4).toString('hex').toUpperCase()}`,
      ready: false,
    };
    writeDemoState(dataDir, state);
  }

  // The rest in three strands that do not wait for each other: cards, the online side, the offline side.
  const [online, offline] = await Promise.all([
    startOnline({ rpc, parts, dataDir, state, first, say, cards }, codes),
    startOffline({ rpc, parts, dataDir, state, first, say, cards }, linkable(dev) ? dev : undefined),
    first ? encodeCards(rpc, ncoder, state, say) : Promise.resolve(),
  ]);
  const mobile = await startMobile({ rpc, parts, dataDir, state, first, say, cards });
  if (first) {
    state.ready = true;
    writeDemoState(dataDir, state);
  }
  const devices: DemoDevices = { serve, ncoder, ...online, ...offline, ...mobile };
  return new DemoSite(dataDir, url, rpc, parts, state, devices, online.blePort, offline.ppdPort, first);
}
