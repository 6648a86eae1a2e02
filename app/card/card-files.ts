import { decodeAccessData, type CardAccessData } from './access-data.js';
import { decodeAuditRecords, type CardAuditRecord } from './audit-record.js';
import { decodeBlacklistFragment, type CardBlacklist } from './blacklist-fragment.js';
import { allZero } from './bytes.js';
import { CardError } from './card-error.js';
import { FILE_NO } from './card-layout.js';
import { isDesfire, type CardRun } from './card-run.js';
import { CardFormatError } from './format-error.js';

/** Reading the secret files of an opened, authenticated Lintel application (full mode). */

const FILE_LABEL = { access: 'access data', blacklist: 'blacklist fragment', audit: 'audit trail' } as const;

/** Decodes one file's bytes, naming the file in the CardError a failure becomes. */
function decodeFile<T>(name: keyof typeof FILE_LABEL, decode: (b: Uint8Array) => T, bytes: Uint8Array): T {
  try {
    return decode(bytes);
  } catch (err) {
    if (!(err instanceof CardFormatError)) throw err;
    if (err.code === 'UNKNOWN_VERSION') {
      throw new CardError(
        'UNSUPPORTED_FORMAT',
        `The ${FILE_LABEL[name]} on this card was written by a newer Lintel (${err.message}): ` +
          'update Lintel on this station.',
        { cause: err },
      );
    }
    throw new CardError(
      'CORRUPT',
      `The ${FILE_LABEL[name]} on this card is damaged (${err.message}): rewrite the card at the encoder.`,
      { cause: err },
    );
  }
}

/** The raw bytes of the access data file. */
export async function readAccessBytes(run: CardRun): Promise<Uint8Array> {
  return run.cmd((c) => c.readData(FILE_NO.access, 0, 0, 'full'));
}

/** The raw bytes of the blacklist file. */
export async function readBlacklistBytes(run: CardRun): Promise<Uint8Array> {
  return run.cmd((c) => c.readData(FILE_NO.blacklist, 0, 0, 'full'));
}

/** The access data, or null when the card was formatted but never written. */
export function accessOf(bytes: Uint8Array): CardAccessData | null {
  return allZero(bytes) ? null : decodeFile('access', decodeAccessData, bytes);
}

/** The blacklist fragment, or null when the card was formatted but never written. */
export function blacklistOf(bytes: Uint8Array): CardBlacklist | null {
  return allZero(bytes) ? null : decodeFile('blacklist', decodeBlacklistFragment, bytes);
}

/**
 * Every audit record, oldest first. An empty record file answers BOUNDARY_ERROR, which also ends the
 * session: callers read the audit trail last (or authenticate again after it).
 */
export async function readAudit(run: CardRun): Promise<CardAuditRecord[]> {
  let bytes: Uint8Array;
  try {
    bytes = await run.cmd((c) => c.readRecords(FILE_NO.audit, 0, 0, 'full'));
  } catch (err) {
    if (isDesfire(err, 'BOUNDARY_ERROR')) return [];
    throw err;
  }
  return decodeFile('audit', decodeAuditRecords, bytes);
}
