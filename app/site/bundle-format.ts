import { z } from 'zod';
import { Keyring } from '../keys/keyring.js';
import { StoreError } from '../store/errors.js';

/**
 * The layout of a site export ("bundle"), one file:
 *
 *   offset       size  content
 *   0            16    magic: 0x89 "LINTEL-SITE" CR LF 0x1A LF
 *   16           2     format version, unsigned big-endian (1)
 *   18           4     header length H, unsigned big-endian (at most MAX_HEADER_BYTES)
 *   22           H     header: UTF-8 JSON (BundleHeader), holding the keyring that opens the database
 *   22+H         D     the encrypted database (D = header.dbBytes)
 *   22+H+D       32    HMAC-SHA256 over every byte before it, keyed from the export KEK
 *
 * The magic's first byte has the high bit set and it carries CR LF, ^Z and LF, like PNG's: a transfer
 * that strips the eighth bit or rewrites line ends breaks it visibly instead of damaging the data.
 */
export const BUNDLE_MAGIC = Buffer.from([
  0x89,
  ...Buffer.from('LINTEL-SITE', 'ascii'),
  0x0d,
  0x0a,
  0x1a,
  0x0a,
]);
/** The format this build writes and the newest it reads. */
export const BUNDLE_VERSION = 1;
/** Magic, version and header length. */
export const PREAMBLE_BYTES = BUNDLE_MAGIC.length + 2 + 4;
/** The header is a keyring and a few fields (under 1 KiB); anything near this is not ours. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** HMAC-SHA256. */
export const MAC_BYTES = 32;
/** How much of a file to read to parse its header. */
export const HEADER_READ_BYTES = PREAMBLE_BYTES + MAX_HEADER_BYTES;

/**
 * Argon2id cost an import agrees to pay. The keyring allows up to 4 GiB; a bundle is a file handed
 * over by someone else, and one whose header asks for gigabytes would stall or kill the import.
 */
const MAX_IMPORT_MEMORY_KIB = 1024 * 1024;
const MAX_IMPORT_ITERATIONS = 16;

/** What the header says about the export. */
export const BundleHeader = z.strictObject({
  siteId: z.uuid(),
  siteName: z.string().max(200),
  schemaVersion: z.number().int().positive(),
  exportedAt: z.iso.datetime(),
  lintelVersion: z.string().max(64),
  dbBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** The database key sealed under the export KEK; a keyring exactly as the site folder keeps it. */
  keyring: Keyring,
});
/** What the header says about the export. */
export type BundleHeader = z.infer<typeof BundleHeader>;

/** A parsed bundle: its header and where the database lies in the file. */
export interface BundleLayout {
  header: BundleHeader;
  dbOffset: number;
  dbBytes: number;
  macOffset: number;
}

function invalid(why: string): StoreError {
  return new StoreError('BUNDLE_INVALID', `this is not a usable Lintel site export: ${why}`);
}

/** Magic, version, header length and header, ready to be followed by the database bytes. */
export function encodeBundleHead(header: BundleHeader): Buffer {
  const json = Buffer.from(JSON.stringify(BundleHeader.parse(header)), 'utf8');
  if (json.length > MAX_HEADER_BYTES) throw new RangeError('bundle header too large');
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(BUNDLE_VERSION, 0);
  fixed.writeUInt32BE(json.length, 2);
  return Buffer.concat([BUNDLE_MAGIC, fixed, json]);
}

function checkKeyring(header: BundleHeader): void {
  const { keyring } = header;
  if (keyring.siteId !== header.siteId) throw invalid('the keyring belongs to another site');
  const wrap = keyring.wraps.length === 1 ? keyring.wraps[0] : undefined;
  if (!wrap || wrap.kek.kind !== 'passphrase')
    throw invalid('its key is not sealed under one export passphrase');
  if (wrap.kek.kdf.memoryKiB > MAX_IMPORT_MEMORY_KIB || wrap.kek.kdf.iterations > MAX_IMPORT_ITERATIONS)
    throw invalid('its passphrase cost is beyond what an import accepts');
}

/**
 * Parses a bundle's head from the first bytes of the file (`prefix`, at least
 * min(fileSize, HEADER_READ_BYTES) of them) and the file's size. Never reads further, never trusts a
 * length before checking it against the size, and throws only StoreError: BUNDLE_FROM_FUTURE for a
 * newer format, BUNDLE_INVALID for anything else that is wrong.
 */
export function parseBundleHead(prefix: Uint8Array, fileSize: number): BundleLayout {
  const head = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (head.length < BUNDLE_MAGIC.length || !head.subarray(0, BUNDLE_MAGIC.length).equals(BUNDLE_MAGIC)) {
    throw invalid(
      fileSize < BUNDLE_MAGIC.length ? 'the file is too short' : 'it does not start as one (wrong file?)',
    );
  }
  if (head.length < PREAMBLE_BYTES) throw invalid('the file is truncated');
  const version = head.readUInt16BE(BUNDLE_MAGIC.length);
  if (version > BUNDLE_VERSION) {
    throw new StoreError(
      'BUNDLE_FROM_FUTURE',
      `this site export has format version ${version}, made by a newer Lintel; this one reads version ${BUNDLE_VERSION}: import it with a newer Lintel`,
    );
  }
  if (version < 1) throw invalid(`unknown format version ${version}`);
  const headerBytes = head.readUInt32BE(BUNDLE_MAGIC.length + 2);
  if (headerBytes > MAX_HEADER_BYTES) throw invalid(`its header claims ${headerBytes} bytes`);
  const dbOffset = PREAMBLE_BYTES + headerBytes;
  if (head.length < dbOffset || fileSize < dbOffset) throw invalid('the file is truncated');

  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(PREAMBLE_BYTES, dbOffset)),
    );
  } catch {
    throw invalid('its header is damaged');
  }
  const parsed = BundleHeader.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`its header is damaged (${issue?.path.join('.') || 'header'}: ${issue?.message})`);
  }
  checkKeyring(parsed.data);
  const macOffset = dbOffset + parsed.data.dbBytes;
  const expected = macOffset + MAC_BYTES;
  if (fileSize < expected) throw invalid('the file is truncated');
  if (fileSize > expected) throw invalid('the file has bytes after its end');
  return { header: parsed.data, dbOffset, dbBytes: parsed.data.dbBytes, macOffset };
}
