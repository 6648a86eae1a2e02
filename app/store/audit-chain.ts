import { createHash } from 'node:crypto';

/** The hash before the first entry. */
export const AUDIT_GENESIS: Buffer = Buffer.alloc(32);

/** An audit row as stored, the fields the chain covers. */
export interface ChainedAuditRow {
  seq: number;
  at: string;
  operator_id: number | null;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: string;
  source: string;
}

/**
 * SHA-256 over the previous entry's hash and this entry's fields. The fields go in as a JSON array (a
 * fixed order, strings escaped, so no two different rows encode alike), and the sequence number is one
 * of them, so reordering, editing or removing an entry changes every hash after it. Unkeyed on purpose:
 * an exported log can be checked by anyone; whoever can open the database could recompute a keyed
 * chain as well, so a key would add nothing. Truncation of the newest entries is caught by comparing
 * with a head recorded elsewhere (`lintel audit verify --expect-head`).
 */
export function auditEntryHash(prev: Buffer, row: ChainedAuditRow): Buffer {
  const fields = [
    row.seq,
    row.at,
    row.operator_id,
    row.actor,
    row.action,
    row.target,
    row.outcome,
    row.source,
    row.detail,
  ];
  return createHash('sha256')
    .update('lintel/audit/v1\n')
    .update(prev)
    .update(JSON.stringify(fields), 'utf8')
    .digest();
}
