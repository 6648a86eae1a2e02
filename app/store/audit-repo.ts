import type { Db } from './sqlite.js';

/** One entry of the operator audit log. */
export interface AuditEntry {
  at: string;
  operatorId: number | null;
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
  source: string;
}

/** The operator audit log (append-only; triggers refuse updates and deletes). */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  /** Appends an entry; returns its sequence number. */
  append(e: AuditEntry): number {
    const r = this.db
      .prepare(
        'INSERT INTO audit_log (at, operator_id, actor, action, target, detail, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(e.at, e.operatorId, e.actor, e.action, e.target ?? null, JSON.stringify(e.detail ?? {}), e.source);
    return Number(r.lastInsertRowid);
  }

  /** The newest entries first. */
  recent(limit = 100): (AuditEntry & { seq: number })[] {
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as {
      seq: number;
      at: string;
      operator_id: number | null;
      actor: string;
      action: string;
      target: string | null;
      detail: string;
      source: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      operatorId: r.operator_id,
      actor: r.actor,
      action: r.action,
      target: r.target,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
      source: r.source,
    }));
  }
}
