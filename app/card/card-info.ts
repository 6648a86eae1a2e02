import { ByteReader, ByteWriter, checkCrcAndPadding, checkVersion, crc32Of } from './bytes.js';
import { CardFormatError } from './format-error.js';
import { CARD_FORMAT_VERSION, CARD_INFO_FILE_BYTES, SITE_TAG_BYTES } from './format-limits.js';

/**
 * The card info file: the one file anyone may read without a key (a standard data file, free read,
 * plain). It says "this is a Lintel card, format N, of site T, under key version V", so a reader can
 * tell "another Lintel site" or "a card from a newer Lintel" before it tries (and fails) to
 * authenticate, and knows which key version to derive. Nothing in it is secret.
 *
 *   byte  size  field
 *   0     1     format version (1): the card format as a whole; a reader refuses one it does not know
 *   1     8     site tag (see siteTag in card-keys.ts)
 *   9     1     key version of the card's keys, 1..255 (0 is the factory key's version)
 *   10    4     CRC-32 of bytes 0..9
 *   14    18    zero
 */
export interface CardInfo {
  formatVersion: number;
  siteTag: Buffer;
  keyVersion: number;
}

const WHAT = 'card info';

/** Key versions are one byte on DESFire (GetKeyVersion); 0 is what a factory key reports. */
export function checkKeyVersion(keyVersion: number): number {
  if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > 255) {
    throw new CardFormatError(
      'INVALID_VALUE',
      `the card key version must be a whole number from 1 to 255 (DESFire keeps one byte), not ${keyVersion}`,
    );
  }
  return keyVersion;
}

/** The card info file's bytes, padded to its file size. */
export function encodeCardInfo(info: { siteTag: Uint8Array; keyVersion: number }): Buffer {
  if (info.siteTag.length !== SITE_TAG_BYTES) {
    throw new CardFormatError(
      'INVALID_VALUE',
      `the site tag must be ${SITE_TAG_BYTES} bytes, not ${info.siteTag.length}`,
    );
  }
  const w = new ByteWriter(CARD_INFO_FILE_BYTES);
  w.u8(CARD_FORMAT_VERSION).raw(info.siteTag).u8(checkKeyVersion(info.keyVersion));
  w.u32(crc32Of(w.buf.subarray(0, w.offset)));
  return w.buf;
}

/** Decodes the card info file (the whole file, or at least its first 14 bytes). */
export function decodeCardInfo(bytes: Uint8Array): CardInfo {
  checkVersion(bytes, WHAT, CARD_FORMAT_VERSION);
  const r = new ByteReader(bytes, WHAT);
  const formatVersion = r.u8('the format version');
  const siteTag = r.raw(SITE_TAG_BYTES, 'the site tag');
  const keyVersion = r.u8('the key version');
  checkCrcAndPadding(bytes, r, WHAT);
  if (keyVersion === 0) throw new CardFormatError('INVALID', `${WHAT}: key version 0 is the factory key's`);
  return { formatVersion, siteTag, keyVersion };
}
