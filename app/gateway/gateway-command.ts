import { isIP } from 'node:net';
import { loadOrCreateIdentity, saveEnrolment, type DeviceIdentity } from '../devices/device-identity.js';
import { DeviceStore } from '../devices/device-store.js';
import { decodeJson, encodeJson, EnrolReply, EnrolRequest } from '../devices/protocol.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import type { Log } from '../log.js';
import { packageVersion } from '../package-info.js';
import { Gateway } from './gateway.js';

export { DEFAULT_GATEWAY_LISTEN } from './gateway-defaults.js';

/** Options of `lintel gateway`. */
export interface GatewayCommandOptions {
  dataDir: string;
  /** The one-time pairing code from the console (first start only). */
  enrol?: string;
  /** The Service's link address, HOST:PORT (with --enrol). */
  service?: string;
  /** Where to listen for the Service and the units, HOST:PORT. */
  listen: string;
}

/** Parses HOST:PORT (an IPv6 host in brackets: [::1]:4751). */
export function parseHostPort(value: string, what: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${what} must be HOST:PORT (e.g. 192.0.2.10:4750), not ${JSON.stringify(value)}`);
  return { host: m[1]!, port };
}

const show = (a: { address: string; port: number }) =>
  a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;

/**
 * Enrols the gateway with the Service on `endpoint` (Noise XXpsk3 with the pairing code) and records
 * the enrolment in the identity file. Only the Service's authenticated answer is pinned.
 */
export async function enrolGateway(
  identity: DeviceIdentity,
  endpoint: LinkEndpoint,
  code: string,
  service: { host: string; port: number },
  now: Date = new Date(),
): Promise<DeviceIdentity> {
  // The port units should use: the Service takes the host from where the enrolment came from, and the
  // port from here (the same socket, but a NAT may change the source port).
  const request: EnrolRequest = {
    kind: 'gateway',
    version: packageVersion(),
    listenPort: endpoint.address.port,
  };
  const payload = encodeJson(EnrolRequest.parse(request));
  const result = await endpoint.enrol({
    address: { address: service.host, port: service.port },
    code,
    payload,
  });
  const reply = decodeJson(EnrolReply, result.reply, 'enrolment reply');
  const upstream = reply.upstream
    ? {
        host: reply.upstream.host,
        port: reply.upstream.port,
        publicKey: Buffer.from(reply.upstream.publicKey, 'hex'),
      }
    : { host: service.host, port: service.port, publicKey: result.peerPublicKey };
  return saveEnrolment(
    identity,
    { deviceId: reply.deviceId, upstream: { ...upstream, psk: result.psk } },
    now,
  );
}

/**
 * `lintel gateway`: loads (or creates) the gateway's identity, enrols it on first start, opens its
 * encrypted store and serves the Service and the control units on one UDP socket until SIGINT/SIGTERM.
 */
export async function gatewayCommand(
  opts: GatewayCommandOptions,
  log: Log,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const listen = parseHostPort(opts.listen, '--listen');
  const service = opts.service === undefined ? undefined : parseHostPort(opts.service, '--service');
  if (service && service.port === 0) throw new Error('--service needs the Service’s port, not 0');
  let identity = loadOrCreateIdentity(opts.dataDir, 'gateway');
  if (!identity.enrolment && !(opts.enrol && service))
    throw new Error(
      'this gateway is not enrolled yet: start it once with --enrol CODE --service HOST:PORT (the pairing code from the console)',
    );
  const endpoint = await LinkEndpoint.bind({
    staticKey: identity.staticKey,
    host: listen.host,
    port: listen.port,
    type: isIP(listen.host) === 6 ? 'udp6' : 'udp4',
  });
  let store: DeviceStore | undefined;
  let gateway: Gateway;
  try {
    if (!identity.enrolment) {
      log.info({ service: show({ address: service!.host, port: service!.port }) }, 'gateway: enrolling');
      identity = await enrolGateway(identity, endpoint, opts.enrol!, service!);
      const up = identity.enrolment!;
      out.write(
        `gateway enrolled as device ${up.deviceId} with the Service at ${show({ address: up.upstream.host, port: up.upstream.port })}\n`,
      );
      log.info({ deviceId: up.deviceId }, 'gateway: enrolled');
    } else if (opts.enrol) {
      log.warn({ deviceId: identity.enrolment.deviceId }, 'gateway: already enrolled; --enrol ignored');
    }
    store = DeviceStore.open(opts.dataDir, identity.storeKey);
    gateway = new Gateway({ identity, store, endpoint, log, version: packageVersion() });
    gateway.start();
  } catch (err) {
    store?.close();
    await endpoint.close();
    throw err;
  }
  const s = gateway.summary();
  out.write(
    `gateway ${gateway.deviceId} ready: listening on ${show(gateway.address)}, revision ${s.revision}, ${s.units} unit${s.units === 1 ? '' : 's'}\n`,
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    // `on`, not `once`: a second Ctrl-C must not kill the process in the middle of closing the store.
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'gateway: stopping');
      void gateway.close().finally(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  out.write('gateway stopped\n');
}
