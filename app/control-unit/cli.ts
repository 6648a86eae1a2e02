import path from 'node:path';
import { loadOrCreateIdentity, saveEnrolment, type Upstream } from '../devices/device-identity.js';
import { DeviceStore } from '../devices/device-store.js';
import { decodeJson, encodeJson, EnrolReply, type EnrolRequest } from '../devices/protocol.js';
import { UpstreamClient } from '../devices/upstream.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import type { Log } from '../log.js';
import { packageVersion } from '../package-info.js';
import type { SerialTransport } from '../ports/serial.js';
import { PasswordHasher } from '../service/passwords.js';
import { ControlUnit, type PresentationOutcome, type ReaderPort } from './control-unit.js';
import type { OutgoingEvent } from '../devices/device-store.js';
import { parseAirAddress, RadioPort } from '../rf/air.js';
import { CounterFile } from '../rf/frame-counters.js';
import { nodeEuiOf, RfNode } from '../rf/rf-node.js';
import { runSimConsole } from '../cli/sim-console.js';

/**
 * `lintel sim cu`: a control unit as a process. On its first start with --enrol it enrols with the
 * Service (the pairing code an operator made for it), keeps the identity in its data folder and
 * reports from then on to the peer the Service named (a gateway, or the Service itself). It drives
 * one OSDP reader per --reader serial path, and takes door inputs on stdin.
 */

export interface SimCuOptions {
  dataDir: string;
  /** PATH or PATH@ADDRESS, one per reader line. */
  reader: string[];
  baud: number;
  enrol?: string;
  service?: string;
  installMode?: boolean;
  /** Local address for the UDP socket (default 0.0.0.0, any port). */
  bind?: string;
  /** The simulated RF air to host an RF node on (HOST:PORT), for the unit's RF locks. */
  rfAir?: string;
}

export const CU_HELP = [
  'Commands:',
  '  contact DOOR open|closed   the door contact opened or closed',
  '  exit DOOR                  the exit button (request to exit) was pressed',
  '  status                     readers, doors, revision, pending events',
  '  help                       this text',
  'Ctrl-C (or the end of stdin) stops the unit.',
].join('\n');

/** PATH[@ADDRESS] → path and OSDP address (0 when left out). */
export function parseReaderSpec(spec: string): { path: string; address: number } {
  const m = /^(.+?)(?:@(\d{1,3}))?$/.exec(spec);
  if (!m || !m[1]) throw new Error(`--reader ${spec}: give PATH or PATH@ADDRESS`);
  const address = m[2] === undefined ? 0 : Number(m[2]);
  if (address > 126) throw new Error(`--reader ${spec}: an OSDP address is 0 to 126`);
  return { path: m[1], address };
}

/** HOST:PORT (IPv6 in brackets). */
export function parseHostPort(value: string, what: string, minPort = 1): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < minPort || port > 65535) throw new Error(`${what} ${value}: give HOST:PORT`);
  return { host: (m[1] ?? m[2])!, port };
}

/** One line about an event, as the console prints it. */
export function describeEvent(e: OutgoingEvent): string {
  const parts = [`event ${e.kind}`];
  if (e.doorId !== null) parts.push(`door ${e.doorId}`);
  if (e.credentialId !== null) parts.push(`credential ${e.credentialId}`);
  if (e.reason !== null) parts.push(`reason ${e.reason}`);
  const flags = Object.entries(e.detail)
    .filter(([, v]) => typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number')
    .map(([k, v]) => `${k}=${String(v)}`);
  if (flags.length) parts.push(`(${flags.join(' ')})`);
  return parts.join(' ');
}

/** One line about a finished presentation. */
export function describeOutcome(o: PresentationOutcome): string {
  const wrote = o.wrote
    ? [o.wrote.blacklist ? 'blacklist' : '', o.wrote.access ? `access (${o.wrote.access})` : '']
        .filter(Boolean)
        .join(' and ')
    : 'nothing';
  return (
    `card at door ${o.doorId} done: ${o.granted ? 'granted' : `denied (${o.reason})`}, ` +
    `wrote ${wrote}, ${o.auditCollected} audit records collected`
  );
}

/** Enrols with the Service and saves where to report; answers the upstream. */
async function enrol(
  endpoint: LinkEndpoint,
  identity: ReturnType<typeof loadOrCreateIdentity>,
  code: string,
  service: string,
  out: NodeJS.WritableStream,
): Promise<{ deviceId: number; upstream: Upstream }> {
  const { host, port } = parseHostPort(service, '--service');
  const request: EnrolRequest = { kind: 'control-unit', version: packageVersion().slice(0, 40) };
  out.write(`enrolling with the Service at ${host}:${port}…\n`);
  const result = await endpoint.enrol({
    address: { address: host, port },
    code,
    payload: encodeJson(request),
  });
  const reply = decodeJson(EnrolReply, result.reply, 'enrolment reply');
  const upstream: Upstream = reply.upstream
    ? {
        host: reply.upstream.host,
        port: reply.upstream.port,
        publicKey: Buffer.from(reply.upstream.publicKey, 'hex'),
        psk: result.psk,
      }
    : { host, port, publicKey: result.peerPublicKey, psk: result.psk };
  saveEnrolment(identity, { deviceId: reply.deviceId, upstream }, new Date());
  out.write(
    `enrolled as control unit ${reply.deviceId}; reporting to ${reply.upstream ? 'gateway' : 'the Service'} at ${upstream.host}:${upstream.port}\n`,
  );
  return { deviceId: reply.deviceId, upstream };
}

/** Runs the control unit until SIGINT/SIGTERM or the end of stdin. */
export async function simControlUnitCommand(
  opts: SimCuOptions,
  log: Log,
  openPort: (path: string, baud: number) => Promise<SerialTransport>,
  io: { input: NodeJS.ReadableStream; out: NodeJS.WritableStream } = {
    input: process.stdin,
    out: process.stdout,
  },
): Promise<void> {
  if (opts.reader.length === 0 && !opts.rfAir)
    throw new Error('give at least one --reader PATH[@ADDRESS], or --rf-air HOST:PORT for RF locks');
  const rfAir = opts.rfAir === undefined ? undefined : parseAirAddress(opts.rfAir);
  if (!!opts.enrol !== !!opts.service) throw new Error('--enrol CODE and --service HOST:PORT go together');
  const specs = opts.reader.map(parseReaderSpec);
  const dataDir = path.resolve(opts.dataDir);
  let identity = loadOrCreateIdentity(dataDir, 'control-unit');
  const bind = opts.bind
    ? parseHostPort(opts.bind.includes(':') ? opts.bind : `${opts.bind}:0`, '--bind', 0)
    : undefined;
  const endpoint = await LinkEndpoint.bind({
    staticKey: identity.staticKey,
    host: bind?.host ?? '0.0.0.0',
    port: bind?.port ?? 0,
  });
  const cleanup: (() => Promise<void> | void)[] = [() => endpoint.close()];
  const runCleanup = async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  };
  try {
    let enrolment = identity.enrolment;
    if (enrolment && opts.enrol) {
      io.out.write(`already enrolled as control unit ${enrolment.deviceId}: --enrol ignored\n`);
    } else if (!enrolment) {
      if (!opts.enrol || !opts.service)
        throw new Error(`${dataDir} holds no enrolment: start with --enrol CODE --service HOST:PORT`);
      await enrol(endpoint, identity, opts.enrol, opts.service, io.out);
      identity = loadOrCreateIdentity(dataDir, 'control-unit');
      enrolment = identity.enrolment!;
    }
    const store = DeviceStore.open(dataDir, identity.storeKey);
    cleanup.push(() => store.close());
    const readers: ReaderPort[] = [];
    for (const s of specs) {
      const port = await openPort(s.path, opts.baud);
      readers.push({ path: s.path, address: s.address, port });
      cleanup.push(() => port.close());
    }
    let ready = false;
    let shown: number | undefined;
    const say = (line: string) => io.out.write(`${line}\n`);
    let rf: RfNode | undefined;
    if (rfAir) {
      const eui64 = nodeEuiOf(dataDir);
      const radio = await RadioPort.connect({ air: rfAir, ext: eui64, log });
      cleanup.push(() => radio.close());
      rf = new RfNode({
        unitId: enrolment.deviceId,
        store,
        radio,
        eui64,
        counters: CounterFile.open(path.join(dataDir, 'rf-counters.json')),
        log,
        notify: () => client.sendEvents(),
        onEvent: (e) => say(describeEvent(e)),
        onStatusChange: () => void client.reportStatus(),
      });
      say(`RF node ${eui64} on the air at ${rfAir.host}:${rfAir.port}`);
    }
    const unit: ControlUnit = new ControlUnit({
      deviceId: enrolment.deviceId,
      version: packageVersion(),
      store,
      readers,
      log,
      pins: new PasswordHasher(),
      notify: () => client.sendEvents(),
      upstreamOnline: (): boolean => client.online,
      linkRefused: () => ({ ...endpoint.stats.refused }),
      doorStateFile: path.join(dataDir, 'doors.json'),
      installMode: !!opts.installMode,
      onEvent: (e) => say(describeEvent(e)),
      onOutcome: (o) => say(describeOutcome(o)),
      onStatusChange: () => void client.reportStatus(),
      ...(rf ? { rf } : {}),
    });
    cleanup.push(() => unit.stop());
    const announce = () => {
      if (ready || unit.revision === undefined) return;
      ready = true;
      shown = unit.revision;
      say(`control unit ${unit.deviceId} ready: ${readers.length} readers, revision ${unit.revision}`);
    };
    const client: UpstreamClient = new UpstreamClient({
      endpoint,
      upstream: enrolment.upstream,
      store,
      log,
      handlers: { command: (p) => unit.commandAll(p), enrolFinger: (p) => unit.enrolFinger(p) },
      status: () => [unit.status()],
      onSynced: (reply) => {
        unit.reload();
        if (ready && reply.revision !== shown) say(`synced revision ${reply.revision}`);
        announce();
        shown = reply.revision;
      },
    });
    cleanup.push(() => client.stop());
    unit.start();
    client.start();
    announce(); // a replica from an earlier run: the doors work before the first sync
    log.info({ deviceId: unit.deviceId, readers: specs.length }, 'sim cu: running');

    await runSimConsole({ ...io, run: (line) => runConsoleLine(unit, line) });
    log.info('sim cu: stopping');
  } finally {
    await runCleanup();
  }
}

/** One console command; answers what to print. */
export function runConsoleLine(unit: ControlUnit, line: string): string | undefined {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const doorArg = (v: string | undefined) => {
    const n = Number(v);
    if (!v || !/^\d+$/.test(v) || n < 1) throw new Error(`${cmd}: which door? (a door id)`);
    return n;
  };
  switch (cmd) {
    case undefined:
    case '':
      return undefined;
    case 'contact': {
      const doorId = doorArg(args[0]);
      if (args[1] !== 'open' && args[1] !== 'closed') throw new Error('contact DOOR open|closed');
      unit.doorContact(doorId, args[1] === 'open');
      return `door ${doorId} contact ${args[1]}`;
    }
    case 'exit': {
      const doorId = doorArg(args[0]);
      unit.exitButton(doorId);
      return `door ${doorId} exit button`;
    }
    case 'status':
      return describeStatus(unit);
    case 'help':
      return CU_HELP;
    default:
      throw new Error(`unknown command "${cmd}": type help`);
  }
}

function describeStatus(unit: ControlUnit): string {
  const s = unit.status();
  const lines = [
    `control unit ${s.deviceId}: revision ${s.revision}, blacklist ${s.blacklistSeq}, ${s.pendingEvents} events pending, upstream ${s.online ? 'online' : 'offline'}`,
  ];
  for (const l of unit.links) {
    const r = l.status();
    lines.push(
      r
        ? `reader ${l.path}@${r.address} door ${r.doorId}: ${r.online ? 'online' : 'offline'}, ${r.secure ? 'secure' : 'not secure'}, ${r.refused} refused${r.tamper ? ', TAMPER' : ''}${r.identity ? `, ${r.identity}` : ''}`
        : `reader ${l.path}@${l.address}: no configuration for this address yet`,
    );
  }
  for (const d of s.doors) {
    const flags = [d.unlocked ? 'unlocked' : 'locked', d.open ? 'open' : 'closed'];
    if (d.office) flags.push('office');
    if (d.lockdown) flags.push('lockdown');
    lines.push(`door ${d.doorId}: ${flags.join(', ')}`);
  }
  for (const l of s.rfLocks)
    lines.push(
      `RF lock ${l.eui64} door ${l.doorId}: ${l.joined ? 'joined' : 'waiting to join'}, ${l.lastHeard === null ? 'not heard' : `heard ${Math.round((s.clock - l.lastHeard) / 1000)} s ago (LQI ${l.lqi})`}, revision ${l.revision}, blacklist ${l.blacklistSeq}${l.battery === null ? '' : `, battery ${l.battery}%`}, ${l.refused} refused`,
    );
  return lines.join('\n');
}
