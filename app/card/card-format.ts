/**
 * The Lintel card format: the versioned binary encodings of what a card carries, one module per file
 * of the DESFire application (card-layout.ts says where each lives and who may read or write it).
 * Every decoder takes arbitrary bytes and returns a value or throws a CardFormatError, nothing else
 * (fuzzed in card-format.test.ts); every encoder refuses, with a CardFormatError saying why, a value
 * the card cannot carry. docs/card-format.md has the byte tables and the versioning rules.
 */
export { CardFormatError, type CardFormatErrorCode } from './format-error.js';
export * from './format-limits.js';
export { allZero as isUnwritten } from './bytes.js';
export { checkKeyVersion, decodeCardInfo, encodeCardInfo, type CardInfo } from './card-info.js';
export {
  accessDataBytes,
  credentialDataOf,
  decodeAccessData,
  encodeAccessData,
  revalidated,
  type CardAccessData,
  type CardFlags,
  type CardRevalidation,
} from './access-data.js';
export {
  blacklistFragmentBytes,
  blacklistFragmentOf,
  decodeBlacklistFragment,
  encodeBlacklistFragment,
  type CardBlacklist,
} from './blacklist-fragment.js';
export {
  AUDIT_EVENTS,
  EVENT_CODES,
  REASON_CODES,
  decodeAuditRecord,
  decodeAuditRecords,
  encodeAuditRecord,
  type AuditEvent,
  type CardAuditRecord,
} from './audit-record.js';
