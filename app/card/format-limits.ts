/**
 * The limits of the Lintel card format and the sizes of its files. The sizes follow from the limits
 * and the byte layouts (docs/card-format.md has the tables); the limits were chosen so the whole
 * application fits a DESFire EV2 2K card with the arithmetic in card-layout.ts.
 */

/** DESFire allocates file memory in blocks of this many bytes: a file costs its size rounded up. */
export const DESFIRE_BLOCK_BYTES = 32;

/** Rounds a file size up to what DESFire allocates for it. */
export function blocksOf(bytes: number): number {
  return Math.ceil(bytes / DESFIRE_BLOCK_BYTES) * DESFIRE_BLOCK_BYTES;
}

/** The version of the card format as a whole (file layout and every encoding), byte 0 of the card info. */
export const CARD_FORMAT_VERSION = 1;
/** The encoding versions of the other files (byte 0 of each). */
export const ACCESS_DATA_VERSION = 1;
export const BLACKLIST_FRAGMENT_VERSION = 1;
export const AUDIT_RECORD_VERSION = 1;

/** The site tag: 8 bytes tell one site from another with a chance of mix-up of 1 in 2^64. */
export const SITE_TAG_BYTES = 8;

/**
 * Doors and zones (each with its time period) on one card. 64 rights of 6 bytes fill most of a 448-byte
 * file; a user with more is given zones, which is what zones are for (Salto's limit is of the same order).
 */
export const MAX_CARD_RIGHTS = 64;
/**
 * Blacklist entries a card carries: the 16 newest cancellations. Each card an update point writes
 * carries them to the offline doors its holder passes, so a lost card reaches most doors within a
 * day on a site with traffic; older ones reach locks through the PPD.
 */
export const MAX_CARD_BLACKLIST = 16;
/**
 * Audit records the card file holds (the DESFire cyclic record file allocates one more: a cyclic file
 * always keeps one record slot free for the write in progress). A few days of one holder's offline
 * openings between update points; the locks keep their own, longer trail, which the PPD collects, so
 * the card's trail is the faster path, not the only one. What is left of the 2K budget after the
 * access data and the blacklist, with two blocks of margin.
 */
export const AUDIT_RECORDS = 19;

/** Bytes of each encoding. */
export const CARD_INFO_BYTES = 14;
export const ACCESS_HEADER_BYTES = 32;
export const ACCESS_RIGHT_BYTES = 6;
export const BLACKLIST_HEADER_BYTES = 6;
export const BLACKLIST_ENTRY_BYTES = 12;
export const CRC32_BYTES = 4;
export const AUDIT_RECORD_BYTES = 16;

/** The largest encodings. */
export const ACCESS_DATA_MAX_BYTES = ACCESS_HEADER_BYTES + MAX_CARD_RIGHTS * ACCESS_RIGHT_BYTES + CRC32_BYTES;
export const BLACKLIST_FRAGMENT_MAX_BYTES =
  BLACKLIST_HEADER_BYTES + MAX_CARD_BLACKLIST * BLACKLIST_ENTRY_BYTES + CRC32_BYTES;

/** File sizes as created on the card: each encoding's maximum rounded up to whole blocks. */
export const CARD_INFO_FILE_BYTES = blocksOf(CARD_INFO_BYTES);
export const ACCESS_DATA_FILE_BYTES = blocksOf(ACCESS_DATA_MAX_BYTES);
export const BLACKLIST_FILE_BYTES = blocksOf(BLACKLIST_FRAGMENT_MAX_BYTES);
/** Record slots of the cyclic audit file (one more than it keeps, see AUDIT_RECORDS). */
export const AUDIT_FILE_RECORDS = AUDIT_RECORDS + 1;
export const AUDIT_FILE_BYTES = blocksOf(AUDIT_FILE_RECORDS * AUDIT_RECORD_BYTES);
