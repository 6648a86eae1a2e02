import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * A real pty pair joined by socat: stands in for a serial cable (a USB adapter and the device on its
 * far end, or an RS485 bus with one CP and one PD). Both ends go through the same open, termios,
 * read and write calls as hardware. Bytes written to one path come out of the other.
 */

/** Fails with an install hint when socat is missing. */
export function requireSocat(): void {
  const probe = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (probe.error) {
    throw new Error(
      'these tests need socat to make a pty pair, and it is not installed: ' +
        'run `apt-get install -y socat` (Debian/Ubuntu) or `brew install socat` (macOS)',
    );
  }
}

export interface PtyPair {
  /** The socat process; killing it hangs up both ends (a cable pulled out). */
  socat: ChildProcess;
  paths: [string, string];
  /** Stops socat (safe to call more than once) and waits until it has exited. */
  close(): Promise<void>;
}

/**
 * Starts socat and resolves with the two pty paths once it is relaying between them. `links` names
 * stable symlinks to the two ends (socat makes and removes them): a demo site's PPD keeps one path
 * across restarts, as a USB adapter's /dev/serial/by-id name does. `wrap` may put socat under another
 * command (the demo's dieWithParent).
 */
export function ptyPair(
  links: [string, string] | [] = [],
  wrap: (cmd: string, args: string[]) => [string, string[]] = (cmd, args) => [cmd, args],
): Promise<PtyPair> {
  requireSocat();
  const end = (link: string | undefined) => `pty,raw,echo=0${link ? `,link=${link}` : ''}`;
  const [cmd, args] = wrap('socat', ['-d', '-d', end(links[0]), end(links[1])]);
  const socat = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const close = async () => {
    if (socat.exitCode === null && socat.signalCode === null) socat.kill();
    await exited;
  };
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      socat.kill();
      reject(new Error(`socat did not report two ptys in time:\n${log}`));
    }, 10_000);
    socat.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socat.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const paths = [...log.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (paths.length === 2 && log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve({ socat, paths: [paths[0]!, paths[1]!], close });
      }
    });
  });
}
