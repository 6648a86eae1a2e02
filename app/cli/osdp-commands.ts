import { describeCapability, describePdId } from '../osdp/capabilities.js';
import { SCBK_D } from '../osdp/secure-channel.js';
import { OsdpRequestError, refusedKey, SerialCp } from '../osdp/serial-cp.js';
import type { PdReply } from '../osdp/replies.js';
import { OsdpExit, OsdpToolError, openSerial, type OsdpInfoOptions } from './osdp-options.js';

/**
 * `lintel osdp info`: the technician's tool. Opens a Secure Channel to an OSDP v2.2 reader on a
 * serial port and prints its ID report and capabilities; in install mode it can provision the
 * reader's SCBK with KEYSET. Keys are read from the command line and never printed. Its options and
 * registration are in osdp-options.ts, loaded by every `lintel` process; this file only by `osdp info`.
 */

export {
  OSDP_BAUDS,
  OsdpExit,
  OsdpToolError,
  openSerial,
  parseAddress,
  parseBaud,
  parseKey,
  registerOsdpCommands,
  type OsdpInfoOptions,
} from './osdp-options.js';

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
