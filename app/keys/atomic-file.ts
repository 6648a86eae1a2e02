import fs from 'node:fs';
import path from 'node:path';

/**
 * Replaces `file` with `content` so that a crash leaves either the old or the new file, never a torn
 * one: write a sibling, fsync it, rename over, fsync the folder.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return; // Windows cannot open a folder for fsync.
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
