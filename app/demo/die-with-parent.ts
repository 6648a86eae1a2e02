import { spawnSync } from 'node:child_process';

/**
 * The demo's children are in their own process groups (a Ctrl-C reaches only `lintel demo`, which
 * stops them in order). Should `lintel demo` itself die without cleaning up (SIGKILL, a crash), they
 * would run on. On Linux, util-linux's `setpriv --pdeathsig` asks the kernel to send each child SIGTERM
 * when its parent dies; every `lintel` process shuts down cleanly on it, and socat exits.
 */
let available: boolean | undefined;

/** `cmd args…`, wrapped so that it dies with this process where the system can arrange that. */
export function dieWithParent(cmd: string, args: readonly string[]): [string, string[]] {
  available ??=
    process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  // setpriv execs the command: the pid, stdio and signals are the command's own.
  return available ? ['setpriv', ['--pdeathsig', 'TERM', '--', cmd, ...args]] : [cmd, [...args]];
}
