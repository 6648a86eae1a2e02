import path from 'node:path';
import type { Log } from '../log.js';
import { startRelay, type RunningRelay } from './relay-server.js';

export { registerRelayCommand } from './relay-options.js';

/** Options of `lintel relay`. */
export interface RelayCommandOptions {
  dataDir: string;
  port: number;
  host: string;
  newServiceSecret?: boolean;
}

/** The lines `lintel relay` prints when it is listening; the service secret only when just made. */
export function relayBanner(relay: RunningRelay, dataDir: string): string[] {
  const lines = [`Lintel relay: ${relay.url}`, `TLS certificate SHA-256: ${relay.fingerprint}`];
  if (relay.serviceSecret)
    lines.push(
      `Service secret: ${relay.serviceSecret}`,
      'Enter the URL, fingerprint and service secret in the console (Mobile keys > Relay). The secret is',
      `shown only now: the relay keeps its hash (${path.join(dataDir, 'relay.db')}). Lost it? Restart with`,
      '--new-service-secret.',
    );
  if (relay.lostAtStart)
    lines.push(
      `${relay.lostAtStart} token(s) waiting before this start are lost; the Service will resend them.`,
    );
  lines.push('Press Ctrl-C to stop.');
  return lines;
}

/** `lintel relay`: runs the relay until SIGINT/SIGTERM. */
export async function relayCommand(
  opts: RelayCommandOptions,
  log: Log,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const relay = await startRelay({
    dataDir: path.resolve(opts.dataDir),
    host: opts.host,
    port: opts.port,
    log,
    ...(opts.newServiceSecret ? { newServiceSecret: true } : {}),
  });
  out.write(`${relayBanner(relay, path.resolve(opts.dataDir)).join('\n')}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    // `on`, not `once`: a second Ctrl-C with no listener would kill the process mid-cleanup.
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'relay: stopping');
      void relay.close().finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
