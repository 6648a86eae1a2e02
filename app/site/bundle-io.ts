import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../keys/atomic-file.js';
import { StoreError } from '../store/errors.js';
import { HEADER_READ_BYTES, MAC_BYTES, parseBundleHead, type BundleLayout } from './bundle-format.js';

/** Databases are copied in slices, never read whole: a site with years of events runs to gigabytes. */
const CHUNK = 1024 * 1024;

/**
 * The key that authenticates a bundle: HKDF-SHA256 of the export KEK, so that only the passphrase
 * holder can check (or forge) a bundle, and the MAC key is never the key that seals the keyring.
 */
export function bundleMacKey(exportKek: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', exportKek, Buffer.alloc(0), 'lintel/site-bundle/v1/mac', 32));
}

/** Calls `each` with consecutive slices of `length` bytes of `fd` from `offset`. */
function forEachSlice(fd: number, offset: number, length: number, each: (slice: Buffer) => void): void {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(length, 1)));
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, length - done), offset + done);
    if (n === 0) throw new StoreError('BUNDLE_INVALID', 'the file shrank while it was being read');
    each(buf.subarray(0, n));
    done += n;
  }
}

/** Reads and parses a bundle's head (see bundle-format.ts); the rest of the file is not read. */
export function readBundleHead(file: string): BundleLayout {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new StoreError('DB_MISSING', `${file} cannot be read: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(size, HEADER_READ_BYTES));
    const n = fs.readSync(fd, prefix, 0, prefix.length, 0);
    return parseBundleHead(prefix.subarray(0, n), size);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks the MAC at the end of a bundle against every byte before it. Also returns the SHA-256 of the
 * database bytes it read, so that the copy taken later can be proven to be the bytes checked here.
 */
export function checkBundleMac(
  file: string,
  layout: BundleLayout,
  macKey: Buffer,
): { intact: boolean; dbDigest: Buffer } {
  const fd = fs.openSync(file, 'r');
  try {
    const hmac = createHmac('sha256', macKey);
    const digest = createHash('sha256');
    forEachSlice(fd, 0, layout.dbOffset, (s) => hmac.update(s));
    forEachSlice(fd, layout.dbOffset, layout.dbBytes, (s) => {
      hmac.update(s);
      digest.update(s);
    });
    const stored = Buffer.alloc(MAC_BYTES);
    const read = fs.readSync(fd, stored, 0, MAC_BYTES, layout.macOffset);
    return {
      intact: read === MAC_BYTES && timingSafeEqual(hmac.digest(), stored),
      dbDigest: digest.digest(),
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies the database out of a bundle into a new file (mode 0600); returns the SHA-256 of what it wrote. */
export function extractBundleDb(file: string, layout: BundleLayout, to: string): Buffer {
  const digest = createHash('sha256');
  const from = fs.openSync(file, 'r');
  try {
    const out = fs.openSync(to, 'wx', 0o600);
    try {
      forEachSlice(from, layout.dbOffset, layout.dbBytes, (s) => {
        digest.update(s);
        fs.writeSync(out, s);
      });
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
  } finally {
    fs.closeSync(from);
  }
  return digest.digest();
}

/**
 * Writes `head`, the bytes of `dbFile` and an HMAC of both to `file`, the way writeFileAtomic does
 * (sibling, fsync, rename, fsync the folder) but streaming, since the database need not fit in memory.
 * Refuses to replace an existing file: an export never overwrites anything.
 */
export function writeBundleFile(file: string, head: Buffer, dbFile: string, macKey: Buffer): number {
  const tmp = `${file}.tmp-${process.pid}`;
  const hmac = createHmac('sha256', macKey);
  const out = fs.openSync(tmp, 'wx', 0o600);
  try {
    const put = (b: Buffer) => {
      hmac.update(b);
      fs.writeSync(out, b);
    };
    put(head);
    const db = fs.openSync(dbFile, 'r');
    try {
      forEachSlice(db, 0, fs.fstatSync(db).size, put);
    } finally {
      fs.closeSync(db);
    }
    fs.writeSync(out, hmac.digest());
    fs.fsyncSync(out);
  } catch (err) {
    fs.closeSync(out);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(out);
  // Checked again just before the rename (not a hard link, which USB sticks formatted FAT refuse).
  if (fs.existsSync(file)) {
    fs.rmSync(tmp, { force: true });
    throw new StoreError('DB_EXISTS', `${file} already exists; choose a new name`);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
  return fs.statSync(file).size;
}
