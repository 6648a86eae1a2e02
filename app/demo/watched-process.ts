import type { ChildProcess } from 'node:child_process';

/** A child process whose output a test waits on, line by line, as a person would read it. */
export interface WatchedProcess {
  stdout: () => string;
  stderr: () => string;
  /**
   * Resolves with the first match of `pattern` in the output from `from` on (default: all of it);
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

/** Watches a spawned process with piped stdio; `name` goes in the errors. */
export function watchProcess(proc: ChildProcess, name: string): WatchedProcess {
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
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
        const m = pattern.exec(out.slice(from));
        if (m) {
          done();
          resolve(m);
        } else if (gone()) {
          done();
          reject(new Error(`${name} exited before ${pattern}:\n${out}\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: no ${pattern} in:\n${out}\n${err}`));
      }, timeoutMs);
      waiters.add(check);
      void exited.then(check);
      check();
    });

  return {
    stdout: () => out,
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
