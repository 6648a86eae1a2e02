import { type Command, Option } from 'commander';
import { integerOption } from '../cli/integer-option.js';
import type { Log } from '../log.js';
import type { RelayCommandOptions } from './relay-cli.js';

/**
 * The declaration of `lintel relay`. The relay server (relay-cli.ts, relay-server.ts) is imported
 * by the action only when it runs, so other `lintel` processes never load it (issue 11).
 */

/** Adds `lintel relay` to the command line. */
export function registerRelayCommand(program: Command, log: () => Log): void {
  program
    .command('relay')
    .description(
      'run the mobile-key relay: the HTTPS bridge between a site and its users’ phones (no keys, no tokens on disk)',
    )
    .requiredOption('--data-dir <dir>', 'the relay folder (its database and TLS certificate)')
    .addOption(
      new Option('--port <port>', 'TCP port (0 picks a free one)')
        .argParser(integerOption(0, 65535, 'port'))
        .makeOptionMandatory(),
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--new-service-secret',
      'replace the service secret (the old one stops working) and print the new one',
    )
    .action(async (opts: RelayCommandOptions) => (await import('./relay-cli.js')).relayCommand(opts, log()));
}
