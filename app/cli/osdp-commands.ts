import { type Command, InvalidArgumentError, Option } from 'commander';
import { describeCapability, describePdId } from '../osdp/capabilities.js';
import { SCBK_D } from '../osdp/secure-channel.js';
import { OsdpRequestError, refusedKey, SerialCp } from '../osdp/serial-cp.js';
import type { PdReply } from '../osdp/replies.js';
import type { SerialTransport } from '../ports/serial.js';

/**
 * `lintel osdp info`: the technician's tool. Opens a Secure Channel to an OSDP v2.2 reader on a
 * serial port and prints its ID report and capabilities; in install mode it can provision the
 * reader's SCBK with KEYSET. Keys are read from the command line and never printed.
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

function parseTimeout(value: string): number {
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

function checkOptions(o: OsdpInfoOptions): void {
  if (o.scbk && o.installMode)
    throw new OsdpToolError('give either --scbk or --install-mode, not both', OsdpExit.USAGE);
  if (!o.scbk && !o.installMode)
    throw new OsdpToolError(
      "give the reader's key with --scbk HEX, or --install-mode for a reader still on the default key",
      OsdpExit.USAGE,
    );
  if (o.setScbk && !o.installMode)
    throw new OsdpToolError('--set-scbk provisions a new reader: use it with --install-mode', OsdpExit.USAGE);
  if (o.setScbk?.equals(SCBK_D))
    throw new OsdpToolError(
      '--set-scbk: that is the published default key; choose a secret one',
      OsdpExit.USAGE,
    );
}

/** Sets up the Secure Channel, turning the ways it fails into what the technician should do. */
async function secure(cp: SerialCp, o: OsdpInfoOptions, installMode: boolean): Promise<void> {
  try {
    await cp.startSecureChannel();
  } catch (err) {
    throw toolError(err, o, installMode);
  }
}

function toolError(err: unknown, o: OsdpInfoOptions, installMode = false): Error {
  if (!(err instanceof OsdpRequestError)) return err instanceof Error ? err : new Error(String(err));
  if (err.reason === 'offline')
    return new OsdpToolError(
      `no answer from an OSDP reader at address ${o.address} on ${o.port} (check the wiring, --baud and --address)`,
      OsdpExit.NO_ANSWER,
    );
  if (err.reason === 'closed') return new OsdpToolError(`${o.port}: ${err.message}`, OsdpExit.USAGE);
  if (refusedKey(err))
    return new OsdpToolError(
      installMode
        ? 'the reader refused the default key (SCBK-D): it is not in install mode, so it already has its own key: give its SCBK with --scbk'
        : 'the reader refused the key: give its SCBK with --scbk, or use --install-mode for a reader still on the default key',
      OsdpExit.SECURE_CHANNEL,
    );
  return new OsdpToolError(`the Secure Channel failed: ${err.message}`, OsdpExit.SECURE_CHANNEL);
}

async function ask<T extends PdReply['type']>(
  cp: SerialCp,
  command: Parameters<SerialCp['request']>[0],
  type: T,
  o: OsdpInfoOptions,
): Promise<Extract<PdReply, { type: T }>> {
  let reply: PdReply;
  try {
    reply = await cp.request(command);
  } catch (err) {
    throw toolError(err, o);
  }
  if (reply.type !== type)
    throw new OsdpToolError(`the reader answered osdp_${command.type.toUpperCase()} with ${reply.type}`, 3);
  return reply as Extract<PdReply, { type: T }>;
}

/** Runs `lintel osdp info`; throws OsdpToolError with the exit code on failure. */
export async function osdpInfo(o: OsdpInfoOptions, out: NodeJS.WritableStream): Promise<void> {
  checkOptions(o);
  const transport = await openSerial(o.port, o.baud);
  const cp = new SerialCp(transport, {
    address: o.address,
    ...(o.scbk ? { scbk: o.scbk } : { installMode: true }),
    ...(o.timeout !== undefined && { replyTimeoutMs: o.timeout }),
  });
  try {
    await secure(cp, o, !!o.installMode);
    const id = await ask(cp, { type: 'id' }, 'pdid', o);
    const cap = await ask(cp, { type: 'cap' }, 'pdcap', o);
    const lines = [
      `OSDP reader at address ${o.address} on ${o.port}: Secure Channel up (${
        o.installMode ? 'install mode, default key SCBK-D' : 'SCBK'
      })`,
      ...describePdId(id),
      'Capabilities:',
      ...cap.capabilities.map((c) => `  ${describeCapability(c)}`),
    ];
    out.write(`${lines.join('\n')}\n`);
    if (o.setScbk) {
      try {
        await cp.setKey(o.setScbk);
      } catch (err) {
        throw err instanceof OsdpRequestError && err.reason === 'nak'
          ? new OsdpToolError(
              `the reader refused the new key (KEYSET): ${err.message}`,
              OsdpExit.SECURE_CHANNEL,
            )
          : toolError(err, o);
      }
      // Prove it: a new Secure Channel with the new key, and a command inside it.
      await secure(cp, o, false);
      await ask(cp, { type: 'id' }, 'pdid', o);
      out.write(
        'Provisioned the new SCBK (KEYSET) and set up the Secure Channel again with it: the reader now refuses the default key.\n',
      );
    }
  } finally {
    await cp.close();
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
        await osdpInfo({ ...rest, ...(scbk && { scbk }), ...(setScbk && { setScbk }) }, process.stdout);
      } catch (err) {
        if (!(err instanceof OsdpToolError)) throw err;
        process.stderr.write(`lintel: ${err.message}\n`);
        process.exitCode = err.exitCode;
      }
    });
}
