import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearerLogin, lintel, requireBuild, rpc, startServe } from '../helpers/lintel-process.js';
import { FIXTURE_PASSWORD, ok, serviceFixture } from '../helpers/service-fixture.js';
import { fileHash, tempDir } from '../helpers/temp-site.js';

requireBuild();

const EXPORT_PASSPHRASE = 'carry this site across';

describe('lintel site export / import', () => {
  it('moves a running site to another folder under a new key, with its operators and users', async () => {
    // The source: a site held open for writing by a Service, as `lintel serve` or the desktop app holds it.
    const f = await serviceFixture();
    const admin = { caller: f.callerOf(f.admin.token)! };
    ok(await f.call('users.create', { firstName: 'Ada', lastName: 'Lovelace' }, admin));
    await f.addOperator('clerk', [2]);
    const work = tempDir();
    const bundle = path.join(work, 'moving', 'acme.lintel-site');
    let exported: ReturnType<typeof lintel>;
    try {
      exported = lintel(
        ['site', 'export', '--data-dir', f.temp.dataDir, '--key-file', f.temp.keyFile, '--out', bundle],
        { LINTEL_EXPORT_PASSPHRASE: EXPORT_PASSPHRASE },
      );
    } finally {
      f.close();
    }
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/exported to .*acme\.lintel-site \(\d+ bytes, encrypted\)/);
    expect(exported.stdout + exported.stderr).not.toContain(EXPORT_PASSPHRASE);
    if (process.platform !== 'win32') expect(fs.statSync(bundle).mode & 0o777).toBe(0o600);

    const dataDir = path.join(work, 'imported');
    const keyFile = path.join(work, 'keys', 'imported.key');
    const args = ['--data-dir', dataDir, '--key-file', keyFile];

    // A wrong passphrase: exit 3 (key custody), one line, and no folder or key appears.
    const wrong = lintel(['site', 'import', '--in', bundle, ...args], {
      LINTEL_EXPORT_PASSPHRASE: 'not it at all',
    });
    expect(wrong.status).toBe(3);
    expect(wrong.stderr.trim()).toBe('lintel: the export passphrase is wrong');
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(fs.existsSync(keyFile)).toBe(false);

    const passFile = path.join(work, 'export-pass.txt');
    fs.writeFileSync(passFile, `${EXPORT_PASSPHRASE}\n`, { mode: 0o600 });
    const imported = lintel([
      'site',
      'import',
      '--in',
      bundle,
      ...args,
      '--export-passphrase-file',
      passFile,
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/Imported site "Fixture site"/);
    expect(imported.stdout).toContain(`in ${keyFile}`);

    expect(lintel(['db', 'verify', ...args]).status).toBe(0);
    const oldKey = lintel(['db', 'verify', '--data-dir', dataDir, '--key-file', f.temp.keyFile]);
    expect(oldKey.status).toBe(3);
    expect(oldKey.stderr).toMatch(/does not open this site/);

    // A second import into the same folder is refused and changes nothing.
    const before = fileHash(path.join(dataDir, 'lintel.db'));
    const again = lintel(['site', 'import', '--in', bundle, ...args], {
      LINTEL_EXPORT_PASSPHRASE: EXPORT_PASSPHRASE,
    });
    expect(again.status).toBe(4);
    expect(again.stderr).toMatch(/already holds a Lintel site/);
    expect(fileHash(path.join(dataDir, 'lintel.db'))).toBe(before);

    // lintel serve opens the imported site with its new key; the same people sign in and are listed.
    const serve = await startServe(dataDir, keyFile);
    try {
      expect(serve.setupToken).toBeUndefined(); // an administrator exists: no setup token
      const { auth } = await bearerLogin(serve, 'admin', FIXTURE_PASSWORD);
      const users = (await rpc(serve, 'users.list', { limit: 10 }, auth)).result as {
        items: { firstName: string; lastName: string }[];
      };
      expect(users.items.map((u) => `${u.firstName} ${u.lastName}`)).toEqual(['Ada Lovelace']);
      const operators = (await rpc(serve, 'operators.list', {}, auth)).result as unknown as {
        username: string;
      }[];
      expect(operators.map((o) => o.username).sort()).toEqual(['admin', 'clerk']);
      expect((await bearerLogin(serve, 'clerk', FIXTURE_PASSWORD)).token).toMatch(/\S/);
      // Sessions of the old host do not follow the site.
      const stale = await rpc(
        serve,
        'users.list',
        { limit: 1 },
        { Authorization: `Bearer ${f.admin.token}` },
      );
      expect(stale.error?.data?.name).toBe('UNAUTHENTICATED');
    } finally {
      await serve.stop();
    }
  });

  it('imports under a site passphrase instead of a key file', () => {
    const root = tempDir();
    const source = ['--data-dir', path.join(root, 'a'), '--key-file', path.join(root, 'keys', 'a.key')];
    expect(lintel(['db', 'init', ...source, '--site-name', 'Passphrase site']).status).toBe(0);
    const bundle = path.join(root, 'a.lintel-site');
    const env = { LINTEL_EXPORT_PASSPHRASE: EXPORT_PASSPHRASE };
    expect(lintel(['site', 'export', ...source, '--out', bundle], env).status).toBe(0);
    // Exporting again to the same name is refused; the first file stays as it was.
    const first = fileHash(bundle);
    const twice = lintel(['site', 'export', ...source, '--out', bundle], env);
    expect(twice.status).toBe(4);
    expect(twice.stderr).toMatch(/already exists/);
    expect(fileHash(bundle)).toBe(first);

    const dest = ['--data-dir', path.join(root, 'b')];
    const site = { LINTEL_PASSPHRASE: 'the receiving site passphrase' };
    const r = lintel(['site', 'import', '--in', bundle, ...dest], { ...env, ...site });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/derived from the site passphrase/);
    expect(lintel(['db', 'verify', ...dest], site).status).toBe(0);
    expect(lintel(['db', 'verify', ...dest], { LINTEL_PASSPHRASE: EXPORT_PASSPHRASE }).status).toBe(3);
  });
});
