import { describe, expect, it } from 'vitest';
import { AuditRepo } from '../../app/store/audit-repo.js';
import { lintel, requireBuild } from '../helpers/lintel-process.js';
import { FIXTURE_PASSWORD, serviceFixture, ok } from '../helpers/service-fixture.js';
import { openTemp, type TempSite } from '../helpers/temp-site.js';
import { Service } from '../../app/service/service.js';
import { silentLogger } from '../../app/log.js';
import { cheapHasher } from '../helpers/service-fixture.js';

requireBuild();

describe('lintel operator reset-password', () => {
  it('lets the only administrator back in with a temporary password they must change', async () => {
    const f = await serviceFixture();
    const t: TempSite = f.temp;
    const session = f.admin.token;
    f.close();
    const r = lintel([
      'operator',
      'reset-password',
      '--username',
      'admin',
      '--data-dir',
      t.dataDir,
      '--key-file',
      t.keyFile,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const temporary = /Temporary password for admin: (\S+)/.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(/must change it at the next login/);

    const site = await openTemp(t);
    const service = new Service({ site, log: silentLogger(), version: 'test', passwords: cheapHasher() });
    try {
      expect(service.authenticate(session)).toBeUndefined(); // the old sessions ended
      const login = async (password: string) =>
        service.dispatcher.call(
          { jsonrpc: '2.0', id: 1, method: 'session.login', params: { username: 'admin', password } },
          { source: 'test', address: '10.0.0.1', revealToken: true },
        );
      expect('error' in (await login(FIXTURE_PASSWORD))!).toBe(true);
      const again = ok<{ operator: { mustChangePassword: boolean } }>((await login(temporary))!);
      expect(again.operator.mustChangePassword).toBe(true);
      const entry = new AuditRepo(site.db).list({ limit: 5, action: 'operators.resetPassword' })[0]!;
      expect(entry).toMatchObject({ source: 'cli', target: 'operator:1' });
      expect(JSON.stringify(entry)).not.toContain(temporary);
    } finally {
      service.close();
      site.close();
    }
  });

  it('says so for an unknown operator, changing nothing', async () => {
    const f = await serviceFixture();
    const t = f.temp;
    f.close();
    const r = lintel([
      'operator',
      'reset-password',
      '--username',
      'nobody',
      '--data-dir',
      t.dataDir,
      '--key-file',
      t.keyFile,
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/no operator named nobody/);
  });
});
