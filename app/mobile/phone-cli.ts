import path from 'node:path';
import { Phone } from './phone.js';
import { runSimConsole } from '../cli/sim-console.js';

/**
 * `lintel sim phone`: the phone app as a process. Its device key, relay enrolment and keys live in
 * --state (made on the first start); commands come from stdin, one a line.
 */

/** Options of `lintel sim phone`. */
export interface SimPhoneOptions {
  state: string;
  label?: string;
}

export const PHONE_HELP = [
  'Commands:',
  '  enrol URL FINGERPRINT CODE   enrol with the relay (the invitation the operator gave)',
  '  fetch                        take the keys waiting at the relay; delete revoked ones',
  '  keys                         the keys on this phone',
  '  open HOST:PORT [PIN]         open the lock listening there (its --ble port)',
  '  replay HOST:PORT             resend the last OPEN unchanged, as a sniffer would (locks refuse it)',
  '  help                         this text',
  'Ctrl-C (or the end of stdin) stops the phone.',
].join('\n');

const iso = (s: number) => new Date(s * 1000).toISOString();

/** HOST:PORT of a lock's --ble port, or what to type instead. */
function lockAddress(arg: string | undefined, usage: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(arg ?? '');
  if (!m) throw new Error(`${usage} (the lock’s --ble port)`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** One console command; answers what to print. */
export async function runPhoneLine(phone: Phone, line: string): Promise<string | undefined> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  switch (cmd) {
    case undefined:
    case '':
      return undefined;
    case 'enrol': {
      const [url, fingerprint, code] = args;
      if (!url || !fingerprint || !code)
        throw new Error('enrol URL FINGERPRINT CODE (as the console showed them)');
      const phoneId = await phone.enrol(url, fingerprint, code);
      return `enrolled as phone ${phoneId}: keys arrive with fetch once the operator issues them`;
    }
    case 'fetch': {
      const s = await phone.fetch();
      const parts = [
        `${s.added.length} new key${s.added.length === 1 ? '' : 's'}`,
        `${s.deleted.length} revoked and deleted`,
      ];
      if (s.refused.length) parts.push(`${s.refused.length} refused (not sealed for this phone)`);
      return `fetched: ${parts.join(', ')}`;
    }
    case 'keys': {
      const keys = phone.keys();
      if (!keys.length) return 'no keys on this phone';
      return keys
        .map(
          (k) =>
            `${k.tokenId.slice(0, 8)}  group ${k.groupKeyId}  valid ${iso(k.notBefore)} to ${iso(k.notAfter)}`,
        )
        .join('\n');
    }
    case 'open': {
      const { host, port } = lockAddress(args[0], 'open HOST:PORT [PIN]');
      const r = await phone.open(host, port, { ...(args[1] !== undefined && { pin: args[1] }) });
      return `lock ${r.lockId}: ${r.granted ? 'granted' : `denied (${r.reason})`}`;
    }
    case 'replay': {
      const { host, port } = lockAddress(args[0], 'replay HOST:PORT');
      const r = await phone.replay(host, port);
      if (r.answer === 'denied') return `lock ${r.lockId}: denied (${r.reason})`;
      if (r.answer === 'none') return `lock ${r.lockId}: no answer (${r.why})`;
      return `lock ${r.lockId}: answered with a sealed result this phone cannot read: the lock took the replay as an opening (see its audit)`;
    }
    case 'help':
      return PHONE_HELP;
    default:
      throw new Error(`unknown command "${cmd}": type help`);
  }
}

/** Runs the phone until SIGINT/SIGTERM or the end of stdin. */
export async function simPhoneCommand(
  opts: SimPhoneOptions,
  io: { input: NodeJS.ReadableStream; out: NodeJS.WritableStream } = {
    input: process.stdin,
    out: process.stdout,
  },
): Promise<void> {
  const phone = Phone.open(path.resolve(opts.state), { ...(opts.label && { label: opts.label }) });
  const say = (line: string) => io.out.write(`${line}\n`);
  say(
    `phone ${phone.devicePublicKey.slice(2, 18)}…: ${phone.enrolled ? 'enrolled' : 'not enrolled'}, ${phone.keys().length} keys. Type help for commands, Ctrl-C to stop.`,
  );
  await runSimConsole({ ...io, run: (line) => runPhoneLine(phone, line) });
}
