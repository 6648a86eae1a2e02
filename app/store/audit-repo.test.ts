import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-site.js';
import { auditEntryHash, type ChainedAuditRow } from './audit-chain.js';
import { AuditRepo } from './audit-repo.js';
import { migrate } from './migrations/index.js';
import { openEncrypted, tune, type Db } from './sqlite.js';

let db: Db;
let audit: AuditRepo;

beforeEach(() => {
  db = openEncrypted(path.join(tempDir(), 'a.db'), randomBytes(32), { create: true });
  tune(db);
  migrate(db, () => new Date('2026-11-29T10:00:00Z'));
  audit = new AuditRepo(db);
  for (let i = 1; i <= 6; i++)
    audit.append({
      at: `2026-11-29T10:0${i}:00.000Z`,
      operatorId: null,
      actor: i % 2 ? 'alice' : 'bob',
      action: i < 4 ? 'operators.create' : 'session.login',
      target: `operator:${i}`,
      outcome: i === 5 ? 'INVALID_CREDENTIALS' : 'ok',
      detail: { n: i },
      source: 'https 127.0.0.1',
    });
});

afterEach(() => db.close());

/** What someone with SQL access to the file would do: lift the triggers and edit. */
function tamper(sql: string, ...args: unknown[]): void {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  db.prepare(sql).run(...args);
}

describe('the operator audit chain', () => {
  it('verifies an untouched log and reports its head', () => {
    const check = audit.verify();
    expect(check).toMatchObject({ ok: true, entries: 6, head: { seq: 6 } });
    expect(check.head.hash).toBe(audit.hashAt(6));
  });

  it('names the entry whose content was edited', () => {
    tamper("UPDATE audit_log SET outcome = 'ok' WHERE seq = 5");
    expect(audit.verify()).toMatchObject({ ok: false, firstBreak: { seq: 5 } });
  });

  it('shows an edit whose own hash was recomputed at the next entry', () => {
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as ChainedAuditRow;
    const prev = Buffer.from(audit.hashAt(1)!, 'hex');
    const forged = { ...row, detail: '{"n":99}' };
    tamper(
      'UPDATE audit_log SET detail = ?, hash = ? WHERE seq = 2',
      forged.detail,
      auditEntryHash(prev, forged),
    );
    expect(audit.verify().firstBreak?.seq).toBe(3);
  });

  it('shows a removed entry in the middle', () => {
    tamper('DELETE FROM audit_log WHERE seq = 3');
    expect(audit.verify()).toMatchObject({
      ok: false,
      firstBreak: { seq: 4, reason: expect.stringMatching(/missing/) },
    });
  });

  it('shows entries swapped in order', () => {
    tamper('UPDATE audit_log SET seq = seq + 100 WHERE seq IN (2, 3)');
    db.prepare('UPDATE audit_log SET seq = 3 WHERE seq = 102').run();
    db.prepare('UPDATE audit_log SET seq = 2 WHERE seq = 103').run();
    expect(audit.verify().firstBreak?.seq).toBe(2);
  });

  it('keeps appending and verifying after a break, so the rest stays checkable', () => {
    tamper('DELETE FROM audit_log WHERE seq = 6');
    // A cut-off tail is invisible to the chain alone: that is what an expected head is for.
    expect(audit.verify()).toMatchObject({ ok: true, entries: 5 });
    expect(audit.hashAt(6)).toBeUndefined();
  });

  it('refuses updates and deletes through SQL while the triggers stand', () => {
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('filters by actor, action prefix, outcome, target and time, newest first, with paging', () => {
    expect(audit.list({ limit: 10, actor: 'ALICE' }).map((e) => e.seq)).toEqual([5, 3, 1]);
    expect(audit.list({ limit: 10, action: 'session.' }).map((e) => e.seq)).toEqual([6, 5, 4]);
    expect(audit.list({ limit: 10, action: 'session' }).map((e) => e.seq)).toEqual([]);
    expect(audit.list({ limit: 10, outcome: 'failed' }).map((e) => e.seq)).toEqual([5]);
    expect(audit.list({ limit: 10, target: 'operator:2' }).map((e) => e.seq)).toEqual([2]);
    expect(
      audit
        .list({ limit: 10, from: '2026-11-29T10:02:00.000Z', to: '2026-11-29T10:04:00.000Z' })
        .map((e) => e.seq),
    ).toEqual([3, 2]);
    expect(audit.list({ limit: 2, before: 5 }).map((e) => e.seq)).toEqual([4, 3]);
  });

  it('treats LIKE wildcards in an action prefix literally', () => {
    expect(audit.list({ limit: 10, action: '%.' })).toEqual([]);
    expect(audit.list({ limit: 10, action: '_perators.' })).toEqual([]);
  });
});
