import { AUDIT_GENESIS, auditEntryHash, type ChainedAuditRow } from './audit-chain.js';
import type { Db } from './sqlite.js';
import { likePrefix } from './like.js';

/** One entry of the operator audit log, as written. */
export interface AuditEntry {
  at: string;
  operatorId: number | null;
  actor: string;
  action: string;
  target?: string | null;
  /** "ok" or the name of the error the call ended with. */
  outcome?: string;
  detail?: Record<string, unknown>;
  source: string;
}

/** An entry as read back, with its place in the chain. */
export interface StoredAuditEntry {
  seq: number;
  at: string;
  operatorId: number | null;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  source: string;
  detail: Record<string, unknown>;
  hash: string;
}

/** Filters for reading the log. */
export interface AuditFilter {
  before?: number;
  limit: number;
  actor?: string;
  /** A method name, or a prefix ending in ".". */
  action?: string;
  outcome?: 'ok' | 'failed';
  target?: string;
  from?: string;
  to?: string;
}

/** What checking the chain found. */
export interface AuditChainCheck {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string };
  firstBreak?: { seq: number; reason: string };
}

type Row = ChainedAuditRow & { hash: Buffer | null };

/**
 * The operator audit log: append-only (triggers refuse updates and deletes) and hash-chained, each entry
 * carrying SHA-256(previous hash, its own fields), so an edit or a removal shows in `verify`.
 */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  /** Appends an entry after the current head; returns its sequence number. */
  append(e: AuditEntry): number {
    return this.db.transaction(() => {
      const head = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
        { seq: number; hash: Buffer | null } | undefined;
      const row: ChainedAuditRow = {
        seq: (head?.seq ?? 0) + 1,
        at: e.at,
        operator_id: e.operatorId,
        actor: e.actor,
        action: e.action,
        target: e.target ?? null,
        outcome: e.outcome ?? 'ok',
        detail: JSON.stringify(e.detail ?? {}),
        source: e.source,
      };
      // A head without a hash cannot be chained to honestly; verify() reports it, appends carry on
      // from the genesis value so the rest of the log stays checkable.
      const hash = auditEntryHash(head?.hash ?? AUDIT_GENESIS, row);
      this.db
        .prepare(
          `INSERT INTO audit_log (seq, at, operator_id, actor, action, target, outcome, detail, source, hash)
           VALUES (@seq, @at, @operator_id, @actor, @action, @target, @outcome, @detail, @source, @hash)`,
        )
        .run({ ...row, hash });
      return row.seq;
    })();
  }

  /** Entries matching `f`, newest first. */
  list(f: AuditFilter): StoredAuditEntry[] {
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: f.limit };
    if (f.before !== undefined) {
      where.push('seq < @before');
      args.before = f.before;
    }
    if (f.actor) {
      where.push('actor = @actor COLLATE NOCASE');
      args.actor = f.actor;
    }
    if (f.action) {
      if (f.action.endsWith('.')) {
        where.push("action LIKE @action ESCAPE '\\'");
        args.action = likePrefix(f.action);
      } else {
        where.push('action = @action');
        args.action = f.action;
      }
    }
    if (f.outcome) where.push(f.outcome === 'ok' ? "outcome = 'ok'" : "outcome <> 'ok'");
    if (f.target) {
      where.push('target = @target');
      args.target = f.target;
    }
    if (f.from) {
      where.push('at >= @from');
      args.from = f.from;
    }
    if (f.to) {
      where.push('at < @to');
      args.to = f.to;
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(args) as Row[]).map((r) => ({
      seq: r.seq,
      at: r.at,
      operatorId: r.operator_id,
      actor: r.actor,
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      source: r.source,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
      hash: r.hash ? r.hash.toString('hex') : '',
    }));
  }

  /** The newest entries first. */
  recent(limit = 100): StoredAuditEntry[] {
    return this.list({ limit });
  }

  /**
   * Walks the whole chain oldest first and recomputes every hash; the first entry that does not follow
   * from the one before (edited, removed, inserted, reordered) is named. Streams, so memory stays flat.
   */
  verify(): AuditChainCheck {
    let prev = AUDIT_GENESIS;
    let prevSeq = 0;
    let entries = 0;
    let firstBreak: AuditChainCheck['firstBreak'];
    const rows = this.db
      .prepare(
        'SELECT seq, at, operator_id, actor, action, target, outcome, detail, source, hash FROM audit_log ORDER BY seq',
      )
      .iterate() as IterableIterator<Row>;
    for (const row of rows) {
      entries++;
      if (!firstBreak) {
        const expected = auditEntryHash(prev, row);
        if (row.seq !== prevSeq + 1) {
          firstBreak = { seq: row.seq, reason: `entries ${prevSeq + 1}–${row.seq - 1} are missing` };
        } else if (!row.hash) {
          firstBreak = { seq: row.seq, reason: 'the entry has no chain hash' };
        } else if (!row.hash.equals(expected)) {
          firstBreak = {
            seq: row.seq,
            reason: 'the entry does not match its hash: it was altered, or an entry before it was',
          };
        }
      }
      prev = row.hash ?? AUDIT_GENESIS;
      prevSeq = row.seq;
    }
    return {
      ok: firstBreak === undefined,
      entries,
      head: { seq: prevSeq, hash: prev.toString('hex') },
      ...(firstBreak ? { firstBreak } : {}),
    };
  }

  /** The hash recorded for entry `seq`, hex; undefined if there is no such entry. */
  hashAt(seq: number): string | undefined {
    const row = this.db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq) as
      { hash: Buffer | null } | undefined;
    return row ? (row.hash?.toString('hex') ?? '') : undefined;
  }
}
