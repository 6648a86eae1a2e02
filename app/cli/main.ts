import { Command, InvalidArgumentError, Option } from 'commander';
import { KeyCustodyError } from '../keys/errors.js';
import { createLogger } from '../log.js';
import { packageVersion } from '../package-info.js';
import { StoreError } from '../store/errors.js';
import { registerOsdpCommands } from './osdp-options.js';
import { registerSimCommands } from './sim-commands.js';
import { registerRelayCommand } from '../relay/relay-options.js';
import { registerDemoCommand } from './demo-command.js';
import { DEFAULT_GATEWAY_LISTEN } from '../gateway/gateway-defaults.js';

/*
 * Every `lintel` process (the demo runs about fourteen) builds this whole command line, so only the
 * declarations are imported here; each action imports the module that does its work when it runs.
 * Statically importing them cost every process ~70 MiB (the Service, SQLite, argon2, the OSDP
 * stack…) whatever it ran (issue 11); app/cli/cli-lazy.test.ts keeps it that way.
 */
const dbCommands = () => import('./db-commands.js');
const siteCommands = () => import('./site-commands.js');

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function siteOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'the site folder (default: LINTEL_DATA_DIR or the per-user data folder)')
    .option(
      '--key-file <file>',
      'the key-encryption key file (default: LINTEL_KEY_FILE or one per data folder in the user config folder)',
    )
    .option('--passphrase-file <file>', 'read the site passphrase from this file (or set LINTEL_PASSPHRASE)')
    .option('--passphrase', 'lock the site with a passphrase typed at the prompt instead of a key file');
}

/** Builds the `lintel` command line. */
export function buildProgram(): Command {
  const program = new Command('lintel')
    .description('Lintel: offline-first, data-on-card access control')
    .version(packageVersion())
    .showHelpAfterError();
  const log = () => createLogger();

  siteOptions(
    program
      .command('serve')
      .description(
        'serve the console over HTTPS with the embedded encrypted database (creates the site on first run)',
      )
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .addOption(new Option('--port <port>', 'TCP port (0 picks a free one)').argParser(port).default(8443))
      .option('--tls-cert <file>', 'PEM certificate to use instead of the self-signed one')
      .option('--tls-key <file>', 'PEM private key for --tls-cert')
      .option('--site-name <name>', 'name of a site created by this run')
      .option('--time-zone <zone>', 'IANA time zone of a site created by this run')
      .option(
        '--ncoder-socket <path>',
        'reach the NCoder encoder through this simulator socket (`lintel sim ncoder`) instead of USB (or set LINTEL_NCODER_SOCKET)',
      )
      .option('--no-usb', 'do not look for a USB NCoder')
      .addOption(
        new Option(
          '--link-port <port>',
          'UDP port of the device link for gateways and control units (0 picks a free one)',
        )
          .argParser(port)
          .default(4750),
      )
      .option('--link-host <host>', 'address the device link listens on', '0.0.0.0')
      .option('--no-link', 'do not listen for gateways and control units')
      .option('--no-serial', 'do not open serial ports (no PPD)'),
  ).action(async (opts) => (await import('./serve-command.js')).serveCommand(opts, log()));

  const db = program
    .command('db')
    .description('create, check, back up and rekey the encrypted site database');
  siteOptions(db.command('init').description('create a new site'))
    .option('--site-name <name>', 'the site name', 'My site')
    .option('--time-zone <zone>', 'IANA time zone (default: the system one)')
    .action(async (opts) => (await dbCommands()).initCommand(opts, process.stdout));
  siteOptions(
    db.command('migrate').description('bring the schema up to this version (after a backup)'),
  ).action(async (opts) => (await dbCommands()).migrateCommand(opts, log(), process.stdout));
  siteOptions(
    db
      .command('verify')
      .description('check integrity, foreign keys, secrets and keys; exit 1 on any problem'),
  ).action(async (opts) => {
    process.exitCode = await (await dbCommands()).verifyCommand(opts, process.stdout);
  });
  siteOptions(
    db.command('backup').description('write an encrypted, consistent backup (safe while the service runs)'),
  )
    .option('--out <file>', 'backup file (default: backups/lintel-<time>.db in the data folder)')
    .action(async (opts) => (await dbCommands()).backupCommand(opts, process.stdout));
  siteOptions(
    db.command('rekey').description('replace the database key and/or the key-encryption key (default: both)'),
  )
    .option('--db-key', 'replace the database key')
    .option('--kek', 'replace the key-encryption key (same kind: a new key file or a new passphrase)')
    .option('--to-key-file <file>', 'move the KEK to a new key file')
    .option(
      '--to-passphrase',
      'move the KEK to a passphrase (LINTEL_NEW_PASSPHRASE, --new-passphrase-file or the prompt)',
    )
    .option('--new-passphrase-file <file>', 'read the new passphrase from this file')
    .action(async (opts) => (await dbCommands()).rekeyCommand(opts, process.stdout));
  siteOptions(
    db.command('restore').description('replace the site with a backup (the current files are kept aside)'),
  )
    .requiredOption('--from <file>', 'the backup .db file (its .keyring.json must be beside it)')
    .option('--force', 'allow restoring a backup of another site')
    .action(async (opts) => (await dbCommands()).restoreCommand(opts, process.stdout));

  const site = program
    .command('site')
    .description('move a site between machines, the desktop app and lintel serve');
  const exportPassphraseFile = [
    '--export-passphrase-file <file>',
    'read the export passphrase from this file (or set LINTEL_EXPORT_PASSPHRASE)',
  ] as const;
  siteOptions(
    site
      .command('export')
      .description(
        'write the site and its key, sealed under an export passphrase, to one file (safe while it runs)',
      ),
  )
    .requiredOption('--out <file>', 'the export file to write (never overwritten)')
    .option(...exportPassphraseFile)
    .action(async (opts) => (await siteCommands()).exportCommand(opts, process.stdout));
  siteOptions(
    site
      .command('import')
      .description(
        'install an exported site in an empty data folder, under its own new key file or passphrase',
      ),
  )
    .requiredOption('--in <file>', 'the export file')
    .option(...exportPassphraseFile)
    .action(async (opts) => (await siteCommands()).importCommand(opts, process.stdout));

  const audit = program.command('audit').description('the operator audit log');
  siteOptions(
    audit
      .command('verify')
      .description(
        'check the hash chain of the operator audit log; exit 2 if an entry was altered or removed',
      ),
  )
    .option('--expect-head <seq:hash>', 'a head printed by an earlier verify, to detect a log cut short')
    .action(async (opts) => {
      const { auditVerifyCommand } = await import('./audit-commands.js');
      process.exitCode = await auditVerifyCommand(opts, process.stdout);
    });

  const operator = program.command('operator').description('operators, when the console cannot be used');
  siteOptions(
    operator
      .command('reset-password')
      .description(
        'set a temporary password for a local operator (e.g. the only administrator); the site must not be running',
      ),
  )
    .requiredOption('--username <name>', 'the operator')
    .action(async (opts) => {
      const { resetPasswordCommand } = await import('./operator-commands.js');
      process.exitCode = await resetPasswordCommand(opts, process.stdout);
    });

  program
    .command('gateway')
    .description(
      'run a gateway: relays between the Service and its control units, keeps working when the Service is down',
    )
    .requiredOption(
      '--data-dir <dir>',
      'the gateway folder (its identity, encrypted replica and event outbox)',
    )
    .option('--enrol <code>', 'enrol with the Service using this one-time pairing code (first start)')
    .option('--service <host:port>', 'the Service to enrol with (with --enrol)')
    .option(
      '--listen <host:port>',
      'UDP address for the Service and the control units',
      DEFAULT_GATEWAY_LISTEN,
    )
    .action(async (opts) => (await import('../gateway/gateway-command.js')).gatewayCommand(opts, log()));

  registerRelayCommand(program, log);
  registerDemoCommand(program);
  registerSimCommands(program, log);
  registerOsdpCommands(program);
  return program;
}

/** Runs the CLI; problems an operator can act on print one clear line and exit non-zero. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof KeyCustodyError || err instanceof StoreError) {
      process.stderr.write(`lintel: ${err.message}\n`);
      process.exitCode = err instanceof KeyCustodyError ? 3 : 4;
      return;
    }
    process.stderr.write(`lintel: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.LINTEL_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
