import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileSource } from '../../app/keys/key-file.js';
import { openSite } from '../../app/site/open-site.js';
import { AuditRepo } from '../../app/store/audit-repo.js';
import { LATEST_SCHEMA_VERSION } from '../../app/store/migrations/index.js';
import { lintel } from '../helpers/lintel-process.js';
import { fileHash, tempDir } from '../helpers/temp-site.js';

function newSite(
  extra: string[] = [],
  env: Record<string, string> = {},
): { dataDir: string; keyFile: string; root: string; args: string[] } {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const keyFile = path.join(root, 'keys', 'site.key');
  const args = ['--data-dir', dataDir, '--key-file', keyFile];
  const r = lintel(['db', 'init', ...args, '--site-name', 'CLI site', ...extra], env);
  expect(r.status, r.stderr).toBe(0);
  return { dataDir, keyFile, root, args };
}

/** Runs a command that must fail: non-zero exit, a message matching `why`, the database untouched. */
function refused(
  site: { dataDir: string },
  args: string[],
  why: RegExp,
  env: Record<string, string> = {},
): void {
  const db = path.join(site.dataDir, 'lintel.db');
  const before = fileHash(db);
  const r = lintel(args, env);
  expect(r.status, r.stdout).not.toBe(0);
  expect(r.stderr).toMatch(why);
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1); // one clear line, no stack trace
  expect(fileHash(db)).toBe(before);
}

describe('lintel db', () => {
  it('init, verify, backup, rekey, restore: nothing lost on the way', () => {
    const s = newSite();
    expect(lintel(['db', 'verify', ...s.args]).stdout).toMatch(/^ok: .*schema version \d+/m);
    const backup = path.join(s.root, 'b', 'first.db');
    expect(lintel(['db', 'backup', ...s.args, '--out', backup]).status).toBe(0);
    const rekey = lintel(['db', 'rekey', ...s.args]);
    expect(rekey.status, rekey.stderr).toBe(0);
    expect(rekey.stdout).toMatch(/Database key replaced \(version 1 -> 2\)/);
    expect(rekey.stdout).toMatch(/KEK replaced/);
    expect(lintel(['db', 'verify', ...s.args]).status).toBe(0);
    // The old backup needs the old key: after the KEK changed, restoring it is refused clearly.
    refused(s, ['db', 'restore', ...s.args, '--from', backup], /does not open this site/);
    const second = path.join(s.root, 'b', 'second.db');
    expect(lintel(['db', 'backup', ...s.args, '--out', second]).status).toBe(0);
    const restore = lintel(['db', 'restore', ...s.args, '--from', second]);
    expect(restore.status, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/files it replaced are kept/);
    expect(lintel(['db', 'verify', ...s.args]).status).toBe(0);
    expect(lintel(['db', 'migrate', ...s.args]).stdout).toMatch(/already at version/);
  });

  it('moves to a passphrase and opens with it from the environment or a file', () => {
    const s = newSite();
    const r = lintel(['db', 'rekey', ...s.args, '--to-passphrase'], {
      LINTEL_NEW_PASSPHRASE: 'a new long passphrase',
    });
    expect(r.status, r.stderr).toBe(0);
    const plain = ['--data-dir', s.dataDir];
    expect(lintel(['db', 'verify', ...plain], { LINTEL_PASSPHRASE: 'a new long passphrase' }).status).toBe(0);
    const file = path.join(s.root, 'pass.txt');
    fs.writeFileSync(file, 'a new long passphrase\n', { mode: 0o600 });
    expect(lintel(['db', 'verify', ...plain, '--passphrase-file', file]).status).toBe(0);
    refused(s, ['db', 'verify', ...plain], /the passphrase is wrong/, {
      LINTEL_PASSPHRASE: 'not the passphrase',
    });
    refused(s, ['db', 'verify', ...plain], /a passphrase is needed/, { LINTEL_PASSPHRASE: '' });
  });

  it('refuses a wrong key file, a loose one, and one inside the data folder', () => {
    const s = newSite();
    const other = newSite();
    refused(
      s,
      ['db', 'verify', '--data-dir', s.dataDir, '--key-file', other.keyFile],
      /does not open this site/,
    );
    fs.chmodSync(s.keyFile, 0o640);
    refused(s, ['db', 'verify', ...s.args], /mode 0640: other users could read it\. Run: chmod 600/);
    fs.chmodSync(s.keyFile, 0o600);
    const inside = lintel([
      'db',
      'init',
      '--data-dir',
      path.join(s.root, 'x'),
      '--key-file',
      path.join(s.root, 'x', 'k.key'),
    ]);
    expect(inside.status).not.toBe(0);
    expect(inside.stderr).toMatch(/inside the data folder/);
  });

  it('refuses a corrupt, a truncated and an emptied database, and says so in verify', async () => {
    const s = newSite();
    // Rows at the end of the file, so the flipped byte below lands in a data page that only a full
    // check reads (the schema pages are read at open and would fail there instead).
    const site = await openSite({ dataDir: s.dataDir, source: new KeyFileSource(s.keyFile) });
    const audit = new AuditRepo(site.db);
    for (let i = 0; i < 300; i++)
      audit.append({ at: 't', operatorId: null, actor: 'filler', action: 'x'.repeat(200), source: 'test' });
    site.close();
    const db = path.join(s.dataDir, 'lintel.db');
    const whole = fs.readFileSync(db);
    const flipped = Buffer.from(whole);
    flipped[whole.length - 100]! ^= 0x40;
    fs.writeFileSync(db, flipped);
    const before = fileHash(db);
    const verify = lintel(['db', 'verify', ...s.args]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/^problem: /m);
    expect(fileHash(db)).toBe(before);
    refused(s, ['db', 'migrate', ...s.args], /damaged/);
    fs.writeFileSync(db, whole.subarray(0, 4096 * 3));
    refused(s, ['db', 'migrate', ...s.args], /damaged or truncated|damaged/);
    fs.writeFileSync(db, Buffer.alloc(0));
    refused(s, ['db', 'verify', ...s.args], /is empty: it was truncated or replaced/);
  });

  it('refuses a database from a newer Lintel', async () => {
    const s = newSite();
    const site = await openSite({ dataDir: s.dataDir, source: new KeyFileSource(s.keyFile) });
    site.db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    site.close();
    refused(s, ['db', 'migrate', ...s.args], /newer than this Lintel knows/);
    refused(s, ['db', 'verify', ...s.args], /newer than this Lintel knows/);
  });

  it('refuses a second writer while the site is in use', async () => {
    const s = newSite();
    const site = await openSite({
      dataDir: s.dataDir,
      source: new KeyFileSource(s.keyFile),
      purpose: 'lintel serve',
    });
    try {
      refused(s, ['db', 'rekey', ...s.args], /in use by "lintel serve"/);
      expect(lintel(['db', 'verify', ...s.args]).status).toBe(0); // readers are welcome
    } finally {
      site.close();
    }
  });

  it('explains usage errors', () => {
    const r = lintel(['serve', '--port', 'eighty']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/a port is a whole number/);
    expect(lintel(['db', 'verify', '--data-dir', path.join(tempDir(), 'none')]).stderr).toMatch(
      /no Lintel site in .* lintel db init/,
    );
  });
});
