import { type Command, InvalidArgumentError, Option } from 'commander';
import type { SerialTransport } from '../ports/serial.js';

/**
 * The cheap half of `lintel osdp`: its options, their parsers, its errors and the registration. The
 * OSDP stack itself (osdp-commands.ts) is imported only when a command runs, so that `lintel sim air`
 * and the other commands that never speak OSDP do not load it (issue 11).
 */

/** Exit codes: 1 bad options or the port, 2 no answer from the reader, 3 the Secure Channel failed. */
export const OsdpExit = { USAGE: 1, NO_ANSWER: 2, SECURE_CHANNEL: 3 } as const;

/** A failure the operator can act on: one line, and the exit code. */
export class OsdpToolError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'OsdpToolError';
  }
}

export interface OsdpInfoOptions {
  port: string;
  baud: number;
  address: number;
  scbk?: Buffer;
  installMode?: boolean;
  setScbk?: Buffer;
  /** Reply timeout per try, in ms (200 by default, as OSDP suggests). */
  timeout?: number;
}

/** The line speeds OSDP names. */
export const OSDP_BAUDS = [9600, 19200, 38400, 57600, 115200, 230400] as const;

export function parseBaud(value: string): number {
  const n = Number(value);
  if (!(OSDP_BAUDS as readonly number[]).includes(n))
    throw new InvalidArgumentError(`OSDP speeds are ${OSDP_BAUDS.join(', ')}`);
  return n;
}

export function parseAddress(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 0x7e) throw new InvalidArgumentError('a PD address is 0 to 126');
  return n;
}

/**
 * An AES-128 key option as 32 hex digits (spaces, colons and dashes allowed). Parsed here rather
 * than by commander, whose error message would echo the (mistyped) key.
 */
export function parseKey(option: string, value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  const digits = value.replace(/[\s:-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(digits))
    throw new OsdpToolError(`${option}: an AES-128 key is 32 hex digits`, OsdpExit.USAGE);
  return Buffer.from(digits, 'hex');
}

/** Reply timeout per try, in ms. */
export function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 20 || n > 10_000) throw new InvalidArgumentError('20 to 10000 ms');
  return n;
}

/** Opens a serial port with the native adapter (loaded only when a command needs it). */
export async function openSerial(path: string, baudRate: number): Promise<SerialTransport> {
  const { nodeSerialPorts } = await import('../../native/serial-port.js');
  try {
    return await nodeSerialPorts.open(path, { baudRate });
  } catch (err) {
    // serial-port says "serial-port: cannot open PATH: Error: No such file or directory, cannot open PATH".
    const cause = err instanceof Error ? ((err.cause as Error | undefined) ?? err).message : String(err);
    const why = cause.replace(/^(serial-port: )?(Error: )?/, '').replace(/, cannot open .*$/, '');
    throw new OsdpToolError(`cannot open ${path}: ${why}`, OsdpExit.USAGE);
  }
}

/** Registers `lintel osdp` and its commands. */
export function registerOsdpCommands(program: Command): void {
  const osdp = program
    .command('osdp')
    .description('OSDP v2.2 wall readers on a serial line (RS485 adapter): the technician’s tools');
  osdp
    .command('info')
    .description(
      'open a Secure Channel to an OSDP reader and print its ID report and capabilities; provision its key in install mode',
    )
    .requiredOption('--port <path>', 'serial port of the RS485 adapter (e.g. /dev/ttyUSB0, COM3)')
    .addOption(new Option('--baud <n>', 'line speed').argParser(parseBaud).default(9600))
    .addOption(
      new Option('--address <n>', 'the reader’s OSDP address (0-126)').argParser(parseAddress).default(0),
    )
    .option('--scbk <hex>', 'the reader’s Secure Channel Base Key (32 hex digits)')
    .option('--install-mode', 'use the published default key SCBK-D (a reader not yet provisioned)')
    .option('--set-scbk <hex>', 'with --install-mode: provision this new SCBK with KEYSET')
    .addOption(new Option('--timeout <ms>', 'reply timeout per try').argParser(parseTimeout).hideHelp())
    .action(async (opts: Omit<OsdpInfoOptions, 'scbk' | 'setScbk'> & { scbk?: string; setScbk?: string }) => {
      try {
        const { scbk: scbkHex, setScbk: setHex, ...rest } = opts;
        const scbk = parseKey('--scbk', scbkHex);
        const setScbk = parseKey('--set-scbk', setHex);
        const { osdpInfo } = await import('./osdp-commands.js');
        await osdpInfo({ ...rest, ...(scbk && { scbk }), ...(setScbk && { setScbk }) }, process.stdout);
      } catch (err) {
        if (!(err instanceof OsdpToolError)) throw err;
        process.stderr.write(`lintel: ${err.message}\n`);
        process.exitCode = err.exitCode;
      }
    });
}
