import { type Command, InvalidArgumentError, Option } from 'commander';

/** `lintel demo` on the command line; app/demo/demo-run.ts runs it (loaded only when it is run). */

/** Options of `lintel demo`. */
export interface DemoCommandOptions {
  dataDir?: string;
  port: number;
  feed: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run a whole demo site here: the Service, a gateway, control units with OSDP readers, offline and RF locks, the NCoder, the PPD and a phone — each its own process — with your hands on stdin',
    )
    .option(
      '--data-dir <dir>',
      'keep the demo in this folder (a later start brings it back); default: a temporary folder removed at exit',
    )
    .addOption(
      new Option('--port <port>', 'the console’s TCP port (0: any free one)').argParser(port).default(0),
    )
    .option('--no-feed', 'do not show the console’s audit trail in this terminal')
    .action(async (opts: DemoCommandOptions) => (await import('../demo/demo-run.js')).runDemo(opts));
}
