import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyFileSource } from '../../app/keys/key-file.js';
import { openSite } from '../../app/site/open-site.js';
import { AuditRepo } from '../../app/store/audit-repo.js';
import { integrityProblems, openEncrypted } from '../../app/store/sqlite.js';
import {
  bearerLogin,
  firstAdmin,
  lintel,
  lintelAsync,
  rpc,
  startServe,
  type ServeProcess,
} from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';

const running: ServeProcess[] = [];
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
});

describe('durability', () => {
  it('keeps every acknowledged write across kill -9, and a backup taken meanwhile is consistent', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const keyFile = path.join(root, 'keys', 'k.key');
    const first = await startServe(dataDir, keyFile);
    running.push(first);
    const { auth } = await firstAdmin(first, 'admin', 'correct horse battery');

    // Two writers race for each version; the loser gets CONFLICT, which is an answer too: only a
    // result counts as acknowledged.
    const acknowledged: { name: string; version: number }[] = [];
    let stop = false;

    const writer = async (who: string) => {
      for (let i = 0; !stop; i++) {
        const current = (await rpc(first, 'site.get', {}, auth).catch(() => ({ result: undefined }))).result;
        if (!current) return;
        const name = `write ${who}-${i}`;
        const r = await rpc(first, 'site.update', { version: current.version, name }, auth).catch(
          () => undefined,
        );
        if (r?.result) acknowledged.push({ name, version: r.result.version as number });
      }
    };
    const writers = [writer('a'), writer('b')];
    while (acknowledged.length < 60) await new Promise((r) => setTimeout(r, 20));
    const before = acknowledged.length;
    const backup = lintelAsync([
      'db',
      'backup',
      '--data-dir',
      dataDir,
      '--key-file',
      keyFile,
      '--out',
      path.join(root, 'backup', 'during-writes.db'),
    ]);
    const backupResult = await backup;
    expect(acknowledged.length).toBeGreaterThan(before); // the service kept writing during the backup
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 20));
    first.proc.kill('SIGKILL');
    stop = true;
    await first.stop();
    await Promise.all(writers);
    expect(fs.existsSync(path.join(dataDir, 'lintel.lock'))).toBe(true); // died holding the lock

    expect(backupResult.status, backupResult.stderr).toBe(0);
    const second = await startServe(dataDir, keyFile);
    running.push(second);
    const again = await bearerLogin(second, 'admin', 'correct horse battery');
    const site = (await rpc(second, 'site.get', {}, again.auth)).result!;
    const last = acknowledged.reduce((a, b) => (b.version > a.version ? b : a));
    expect(site.version as number).toBeGreaterThanOrEqual(last.version);

    // Every acknowledged update is in the audit log, written in the same transaction.
    const reader = await openSite({ dataDir, source: new KeyFileSource(keyFile), readonly: true });
    const audited = new Set(
      new AuditRepo(reader.db)
        .recent(100_000)
        .filter((e) => e.action === 'site.update' && e.outcome === 'ok')
        .map((e) => (e.detail as { changes: { name?: { to: string } } }).changes.name?.to),
    );
    reader.close();
    const lost = acknowledged.filter((a) => !audited.has(a.name));
    expect(lost).toEqual([]);

    expect(await second.stop()).toBe(0);
    const verify = lintel(['db', 'verify', '--data-dir', dataDir, '--key-file', keyFile]);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    // The audit chain survived the kill: no half-written entry breaks it.
    const chain = lintel(['audit', 'verify', '--data-dir', dataDir, '--key-file', keyFile]);
    expect(chain.status, chain.stdout + chain.stderr).toBe(0);

    // The backup taken while both writers ran opens with the site key and is consistent.
    const keyring = JSON.parse(
      fs.readFileSync(path.join(root, 'backup', 'during-writes.db.keyring.json'), 'utf8'),
    );
    expect(keyring.wraps).toHaveLength(1);
    const live = await openSite({ dataDir, source: new KeyFileSource(keyFile), readonly: true });
    const copy = openEncrypted(path.join(root, 'backup', 'during-writes.db'), live.dbKey, { readonly: true });
    live.close();
    expect(integrityProblems(copy)).toEqual([]);
    expect((copy.prepare('SELECT version FROM site').get() as { version: number }).version).toBeGreaterThan(
      1,
    );
    copy.close();
  });
});
