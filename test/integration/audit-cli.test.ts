import { describe, expect, it } from 'vitest';
import { AuditRepo } from '../../app/store/audit-repo.js';
import { lintel, requireBuild } from '../helpers/lintel-process.js';
import { makeSite, openTemp, type TempSite } from '../helpers/temp-site.js';

requireBuild();

async function siteWithLog(entries: number): Promise<TempSite> {
  const t = await makeSite('Audit site');
  const site = await openTemp(t);
  const audit = new AuditRepo(site.db);
  for (let i = 1; i <= entries; i++)
    audit.append({
      at: new Date(Date.UTC(2026, 10, 29, 10, i)).toISOString(),
      operatorId: 1,
      actor: 'admin',
      action: 'operators.update',
      target: `operator:${i}`,
      detail: { n: i },
      source: 'https 127.0.0.1',
    });
  site.close();
  return t;
}

/** Edits the log the way someone with the key and SQL would: lift the triggers, change rows. */
async function tamper(t: TempSite, sql: string): Promise<void> {
  const site = await openTemp(t);
  site.db.exec(`DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; ${sql}`);
  site.close();
}

const verify = (t: TempSite, ...extra: string[]) =>
  lintel(['audit', 'verify', '--data-dir', t.dataDir, '--key-file', t.keyFile, ...extra]);

describe('lintel audit verify', () => {
  it('passes an intact log and prints the head to record', async () => {
    const t = await siteWithLog(5);
    const r = verify(t);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: 5 audit entries checked; head 5:[0-9a-f]{64}$/m);
  });

  it('exits 2 and names the entry when one was edited', async () => {
    const t = await siteWithLog(5);
    await tamper(t, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3;");
    const r = verify(t);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/broken: entry 3: the entry does not match its hash/);
  });

  it('exits 2 when an entry in the middle was deleted', async () => {
    const t = await siteWithLog(5);
    await tamper(t, 'DELETE FROM audit_log WHERE seq = 2;');
    const r = verify(t);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/broken: entry 3: entries 2–2 are missing/);
  });

  it('catches a log cut short with a head recorded earlier', async () => {
    const t = await siteWithLog(5);
    const head = /head (\d+:[0-9a-f]{64})/.exec(verify(t).stdout)![1]!;
    expect(verify(t, '--expect-head', head).status).toBe(0);
    await tamper(t, 'DELETE FROM audit_log WHERE seq >= 4;');
    // The chain alone still holds after a cut at the end...
    expect(verify(t).status).toBe(0);
    // ...the recorded head shows it.
    const r = verify(t, '--expect-head', head);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/entry 5 \(the expected head\) is gone/);
  });

  it('refuses a malformed --expect-head with one clear line', async () => {
    const t = await siteWithLog(1);
    const r = verify(t, '--expect-head', 'five');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^lintel: --expect-head must be SEQ:HASH/);
  });
});
