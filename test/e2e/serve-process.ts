import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running `lintel serve` child process and what it printed. */
export interface ServeProcess {
  child: ChildProcess;
  /** The console URL, ending in `/`. */
  url: string;
  /** The one-time setup token. */
  setupToken: string;
  /** Everything written to stdout and stderr so far (for failure messages). */
  output(): string;
}

/** Fails early, with the fix, when the build the test drives is missing. */
export function assertBuilt(): void {
  const needed = [
    path.join(repoRoot, 'dist', 'renderer', 'index.html'),
    path.join(repoRoot, 'dist', 'app', 'cli', 'run.js'),
  ];
  const missing = needed.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(
      `serve-process: ${missing.map((f) => path.relative(repoRoot, f)).join(', ')} missing: run \`npm run build\` first`,
    );
  }
}

/**
 * Starts the built `lintel serve` on a free port with a fresh site in `dataDir` (key file outside it)
 * and resolves once it has printed its URL and setup token.
 */
export async function startServe(opts: {
  dataDir: string;
  keyFile: string;
  timeoutMs?: number;
}): Promise<ServeProcess> {
  const env = { ...process.env };
  // The test's site must not be unlocked or placed by the developer's own settings.
  for (const name of ['LINTEL_PASSPHRASE', 'LINTEL_DATA_DIR', 'LINTEL_KEY_FILE']) delete env[name];
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'bin', 'lintel.js'),
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      opts.dataDir,
      '--key-file',
      opts.keyFile,
    ],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;

  return new Promise<ServeProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      child.kill('SIGKILL');
      reject(new Error(`serve-process: lintel serve printed no URL and setup token in time\n${output()}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = () => {
      const url = /^Lintel console: (https:\/\/\S+)$/m.exec(stdout)?.[1];
      const setupToken = /^Setup token: (\S+)$/m.exec(stdout)?.[1];
      if (url && setupToken) {
        finish();
        resolve({ child, url, setupToken, output });
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      finish();
      reject(
        new Error(`serve-process: lintel serve exited early (code ${code}, signal ${signal})\n${output()}`),
      );
    };
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Stops the server: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopServe(serve: ServeProcess | undefined, graceMs = 10_000): Promise<void> {
  const child = serve?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
