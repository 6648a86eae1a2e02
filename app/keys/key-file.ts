import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { kekId, type KekParams, type KekSource } from './kek.js';
import { KeyCustodyError } from './errors.js';
import { writeFileAtomic } from './atomic-file.js';

const HEADER = '# Lintel key-encryption key. Keep it secret and out of the data folder and its backups.';
const PREFIX = 'lintel-kek-v1:';

/** Refuses a key file that other users could read or that belongs to someone else. */
export function checkKeyFilePermissions(file: string): void {
  if (process.platform === 'win32') return; // NTFS ACLs: the profile folder is private by default.
  const st = fs.statSync(file);
  if (!st.isFile()) throw new KeyCustodyError('KEY_FILE_INVALID', `key file ${file} is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new KeyCustodyError(
      'KEY_FILE_PERMISSIONS',
      `key file ${file} has mode ${mode}: other users could read it. Run: chmod 600 ${file}`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new KeyCustodyError(
      'KEY_FILE_PERMISSIONS',
      `key file ${file} belongs to uid ${st.uid}, not to the user running Lintel (uid ${uid})`,
    );
  }
}

/** Reads and validates a key file's 32-byte key. */
export function readKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) {
    throw new KeyCustodyError('KEY_FILE_MISSING', `key file ${file} does not exist (pass --key-file PATH)`);
  }
  checkKeyFilePermissions(file);
  const text = fs.readFileSync(file, 'utf8');
  const line = text.split(/\r?\n/).find((l) => l.startsWith(PREFIX));
  const key = line ? Buffer.from(line.slice(PREFIX.length).trim(), 'base64url') : undefined;
  if (!key || key.length !== 32) {
    throw new KeyCustodyError(
      'KEY_FILE_INVALID',
      `key file ${file} is not a Lintel key file (or it is damaged)`,
    );
  }
  return key;
}

/** Writes a key file (mode 0600, parent folder 0700) atomically. */
export function writeKeyFile(file: string, key: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${HEADER}\n# key id ${kekId(key)}\n${PREFIX}${key.toString('base64url')}\n`, 0o600);
}

/** A KEK kept in a key file: the headless default. */
export class KeyFileSource implements KekSource {
  readonly kind = 'key-file' as const;
  readonly label: string;

  constructor(readonly file: string) {
    this.label = `key file ${file}`;
  }

  private get stagedFile(): string {
    return `${this.file}.next`;
  }

  async unlock(params: KekParams): Promise<Buffer> {
    if (params.kind !== 'key-file') throw new Error('KeyFileSource.unlock: not a key-file wrap');
    return readKeyFile(this.file);
  }

  async generate(): Promise<{ key: Buffer; params: KekParams }> {
    return { key: randomBytes(32), params: { kind: 'key-file' } };
  }

  async stage(key: Buffer): Promise<void> {
    writeKeyFile(this.stagedFile, key);
  }

  async commit(): Promise<void> {
    fs.renameSync(this.stagedFile, this.file);
  }

  async discardStaged(): Promise<void> {
    fs.rmSync(this.stagedFile, { force: true });
  }

  async staged(): Promise<Buffer | undefined> {
    return fs.existsSync(this.stagedFile) ? readKeyFile(this.stagedFile) : undefined;
  }
}
