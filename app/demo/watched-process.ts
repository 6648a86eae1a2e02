import type { ChildProcess } from 'node:child_process';

/**
 * A child process whose output is waited on line by line, as a person would read it: by the tests
 * and by `lintel demo`, which runs a whole site of them for hours.
 */
export interface WatchedProcess {
  /** The output kept (the last `keep` characters at most). */
  stdout: () => string;
  /** Where the output ends now, counting what was dropped: a `from` for waitFor. */
  mark: () => number;
  stderr: () => string;
  /**
   * Resolves with the first match of `pattern` in the output from `from` (a mark) on (default: all of it);
   * rejects if the process exits first or nothing matches within `timeoutMs`.
   */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves to the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Types one line on its stdin (lost, not an error, once it has exited). */
  send(line: string): void;
  /** Stops it (SIGINT, as Ctrl-C; SIGKILL if it is stuck for 10 s) and resolves to its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** How to watch: where to copy the output to, and how much of it to keep in memory. */
export interface WatchOptions {
  /** Gets stdout and stderr as they come (a log file). */
  log?: NodeJS.WritableStream;
  /** Characters of output kept for waitFor (default 8 MiB; a demo runs for days, its output must not grow without end). */
  keep?: number;
}

/** Watches a spawned process with piped stdio; `name` goes in the errors. */
export function watchProcess(proc: ChildProcess, name: string, opts: WatchOptions = {}): WatchedProcess {
  const keep = opts.keep ?? 8 * 1024 * 1024;
  let out = '';
  let dropped = 0;
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (d: Buffer) => {
    opts.log?.write(d);
    out += d.toString();
    if (out.length > keep) {
      // Half of it goes at once, so a chatty process does not copy its whole buffer on every chunk.
      const cut = out.length - Math.floor(keep / 2);
      out = out.slice(cut);
      dropped += cut;
    }
    for (const w of [...waiters]) w();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    opts.log?.write(d);
    err = (err + d.toString()).slice(-64 * 1024);
  });
  // A command typed after it exited is lost, not a crash of the test (EPIPE).
  proc.stdin?.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;

  const waitFor = (pattern: RegExp, from = 0, timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const done = () => {
        waiters.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        const m = pattern.exec(out.slice(Math.max(0, from - dropped)));
        if (m) {
          done();
          resolve(m);
        } else if (gone()) {
          done();
          reject(new Error(`${name} exited before ${pattern}:\n${out.slice(-16_000)}\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: no ${pattern} in:\n${out.slice(-16_000)}\n${err}`));
      }, timeoutMs);
      waiters.add(check);
      void exited.then(check);
      check();
    });

  return {
    stdout: () => out,
    mark: () => dropped + out.length,
    stderr: () => err,
    waitFor,
    exited,
    send: (line) => void proc.stdin?.write(`${line}\n`),
    stop: async (signal = 'SIGINT') => {
      if (!gone()) proc.kill(signal);
      const stuck = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(stuck);
      proc.stdin?.destroy();
      return code;
    },
  };
}
