import path from 'node:path';
import { packageVersion, rendererDir } from '../package-info.js';
import { openOrCreateSite } from '../host/site-host.js';
import type { Log } from '../log.js';
import { startHttpsServer } from '../server/https-server.js';
import { loadTls } from '../server/tls.js';
import { socketHidDevices } from '../ncoder/hid-socket.js';
import type { HidDevices } from '../ports/hid.js';
import type { SerialPorts } from '../ports/serial.js';
import { DEFAULT_LINK_PORT } from '../service/device-hub.js';
import { Service } from '../service/service.js';
import { systemClock } from '../site/site.js';
import { kekSourceFor, resolveDataDir, type SiteOptions } from './kek-options.js';

/** Options of `lintel serve`. */
export interface ServeOptions extends SiteOptions {
  host: string;
  port: number;
  tlsCert?: string;
  tlsKey?: string;
  siteName?: string;
  timeZone?: string;
  /** The NCoder simulator's socket; without it, the USB NCoder (unless `usb` is false). */
  ncoderSocket?: string;
  usb?: boolean;
  /** The device link's UDP port (default 4750; 0 picks a free one). */
  linkPort?: number;
  /** The address the device link listens on (default 0.0.0.0: gateways are on the LAN). */
  linkHost?: string;
  /** False (`--no-link`): no device link; devices cannot reach this Service. */
  link?: boolean;
  /** False (`--no-serial`): no serial ports; the PPD cannot be used. */
  serial?: boolean;
}

export { DEFAULT_LINK_PORT };

/**
 * Where the Service looks for the NCoder: the simulator's socket when one is named, else the USB HID
 * devices. node-hid is loaded only then, so a server without libusb still serves (without an encoder).
 */
async function encoderDevices(opts: ServeOptions, log: Log): Promise<HidDevices | undefined> {
  const socket = opts.ncoderSocket ?? process.env.LINTEL_NCODER_SOCKET;
  if (socket) return socketHidDevices(socket);
  if (opts.usb === false) return undefined;
  try {
    return (await import('../../native/hid-device.js')).nodeHidDevices;
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'serve: no USB HID access: no NCoder',
    );
    return undefined;
  }
}

/**
 * The serial ports where the technician plugs in the PPD. serialport is loaded only then, so a server
 * whose native module is missing still serves (without the PPD).
 */
async function serialPorts(opts: ServeOptions, log: Log): Promise<SerialPorts | undefined> {
  if (opts.serial === false) return undefined;
  try {
    return (await import('../../native/serial-port.js')).nodeSerialPorts;
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'serve: no serial port access: no PPD',
    );
    return undefined;
  }
}

/**
 * `lintel serve`: opens (or creates) the site, starts the Service and the HTTPS console, prints the URL,
 * the certificate fingerprint and, until an administrator exists, the one-time setup token. Stops
 * cleanly on SIGINT/SIGTERM.
 */
export async function serveCommand(
  opts: ServeOptions,
  log: Log,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new Error('give both --tls-cert and --tls-key, or neither for a self-signed certificate');
  }
  const dataDir = resolveDataDir(opts);
  const source = kekSourceFor(opts, dataDir);
  const { site, created } = await openOrCreateSite({
    dataDir,
    source,
    log,
    now: systemClock,
    purpose: 'lintel serve',
    ...(opts.siteName ? { siteName: opts.siteName } : {}),
    ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
  });
  // Console exports land beside the site, where whoever runs the server can pick them up; the folder is
  // made (0700) by the first export.
  const exportDir = path.join(site.paths.dataDir, 'exports');
  const hid = await encoderDevices(opts, log);
  const serial = await serialPorts(opts, log);
  const service = new Service({
    site,
    log,
    version: packageVersion(),
    exportDir,
    ...(hid ? { hid } : {}),
    ...(serial ? { serial } : {}),
    ...(opts.link === false
      ? {}
      : { link: { port: opts.linkPort ?? DEFAULT_LINK_PORT, host: opts.linkHost ?? '0.0.0.0' } }),
  });
  await service.linkReady;
  let server;
  try {
    const tls = await loadTls(
      site,
      systemClock,
      opts.tlsCert && opts.tlsKey ? { certFile: opts.tlsCert, keyFile: opts.tlsKey } : undefined,
    );
    server = await startHttpsServer({
      service,
      tls,
      host: opts.host,
      port: opts.port,
      staticDir: rendererDir(),
      log,
    });
    const setupToken = service.issueSetupToken();
    const link = service.devices.listening
      ? `Device link: udp ${service.devices.host}:${service.devices.port}, Service key ${service.devices.publicKeyHex()}`
      : opts.link === false
        ? 'Device link: off (--no-link)'
        : 'Device link: NOT listening (see the log): gateways and control units cannot reach this Service';
    const lines = [
      created
        ? `Created a new site in ${site.paths.dataDir} (${source.label}).`
        : `Site: ${site.paths.dataDir}`,
      `Lintel console: ${server.url}`,
      `TLS certificate SHA-256: ${tls.fingerprint}${tls.selfSigned ? ` (self-signed; ${tls.certFile})` : ''}`,
      link,
    ];
    if (setupToken)
      lines.push(
        `Setup token: ${setupToken}`,
        'Open the console and create the first administrator with this token.',
      );
    lines.push('Press Ctrl-C to stop.');
    out.write(`${lines.join('\n')}\n`);
  } catch (err) {
    await service.shutdown();
    site.close();
    throw err;
  }
  log.info({ url: server.url }, 'serve: listening');

  const running = server;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'serve: stopping');
      void running
        .close()
        .then(() => service.shutdown())
        .finally(() => {
          site.close();
          resolve();
        });
    };
    // `on`, not `once`: Ctrl-C under `npm start` delivers SIGINT twice (the terminal's process group,
    // then the forwarding parent), and a second signal with no listener would kill us mid-cleanup.
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
