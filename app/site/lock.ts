import fs from 'node:fs';
import os from 'node:os';
import { StoreError } from '../store/errors.js';

interface LockRecord {
  pid: number;
  purpose: string;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockRecord;
  } catch {
    return undefined;
  }
}

/**
 * Takes the site's writer lock: one process at a time may write the site (the service, a migration,
 * a rekey). Readers (backup, verify) do not need it. A lock left by a process that died (kill -9, power
 * loss) is taken over once its pid is gone. Returns the release function.
 */
export function acquireSiteLock(file: string, purpose: string): () => void {
  const record: LockRecord = {
    pid: process.pid,
    purpose,
    host: os.hostname(),
    since: new Date().toISOString(),
  };
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.linkSync(tmp, file); // atomic: fails if the lock exists
        return () => {
          const held = readLock(file);
          if (held?.pid === process.pid) fs.rmSync(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const held = readLock(file);
        // A lock from another host (a shared folder) cannot be checked, so it is never taken over.
        if (held && (held.host !== os.hostname() || alive(held.pid))) {
          throw new StoreError(
            'DB_IN_USE',
            `the site is in use by "${held.purpose}" (pid ${held.pid}, since ${held.since}): stop it first`,
          );
        }
        fs.rmSync(file, { force: true }); // stale: its process is gone
      }
    }
    throw new StoreError('DB_IN_USE', `could not take the site lock ${file}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
