import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileHash, makeSite, openTemp, tempDir, type TempSite } from '../../test/helpers/temp-site.js';
import type { KeyCustodyError } from '../keys/errors.js';
import { KeyFileSource, writeKeyFile } from '../keys/key-file.js';
import { PassphraseSource } from '../keys/passphrase.js';
import type { StoreError } from '../store/errors.js';
import { LATEST_SCHEMA_VERSION } from '../store/migrations/index.js';
import { openEncrypted } from '../store/sqlite.js';
import { createSite } from './create-site.js';
import { openSite } from './open-site.js';
import type { OpenSite } from './site.js';

const opened: OpenSite[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
async function track(p: Promise<OpenSite>): Promise<OpenSite> {
  const s = await p;
  opened.push(s);
  return s;
}

/** Runs `attempt`, expects it to fail with `code`, and checks the database file did not change. */
async function refusedUntouched(t: TempSite, attempt: () => Promise<unknown>, code: string): Promise<Error> {
  const db = path.join(t.dataDir, 'lintel.db');
  const before = fileHash(db);
  const err = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  expect((err as KeyCustodyError | StoreError).code).toBe(code);
  expect(fileHash(db)).toBe(before);
  return err as Error;
}

describe('creating and opening a site', () => {
  it('creates a site whose secrets are sealed and whose files are private', async () => {
    const t = await makeSite('Acme HQ');
    const site = await track(openTemp(t));
    expect(site.db.prepare('SELECT name, time_zone FROM site').get()).toEqual({
      name: 'Acme HQ',
      time_zone: 'Europe/Madrid',
    });
    expect(site.secrets.get('site.master')?.value).toHaveLength(32);
    expect(site.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(site.db.pragma('foreign_keys', { simple: true })).toBe(1);
    if (process.platform !== 'win32') {
      for (const f of [
        t.keyFile,
        path.join(t.dataDir, 'lintel.db'),
        path.join(t.dataDir, 'lintel.keyring.json'),
      ]) {
        expect(fs.statSync(f).mode & 0o077).toBe(0);
      }
    }
  });

  it('refuses to create a site over another, or with a key file inside the data folder or already in use', async () => {
    const t = await makeSite();
    await expect(
      createSite({
        dataDir: t.dataDir,
        source: t.source,
        siteName: 'x',
        timeZone: 'UTC',
        now: () => new Date(),
      }),
    ).rejects.toThrow(/already holds/);
    const root = tempDir();
    const dataDir = path.join(root, 'd');
    await expect(
      createSite({
        dataDir,
        source: new KeyFileSource(path.join(dataDir, 'k.key')),
        siteName: 'x',
        timeZone: 'UTC',
        now: () => new Date(),
      }),
    ).rejects.toMatchObject({ code: 'KEY_FILE_INSIDE_DATA_DIR' });
    await expect(
      createSite({ dataDir, source: t.source, siteName: 'x', timeZone: 'UTC', now: () => new Date() }),
    ).rejects.toMatchObject({
      code: 'KEY_FILE_EXISTS',
    });
  });

  it('refuses a key file of another site, naming both key ids, and leaves the database untouched', async () => {
    const t = await makeSite();
    const other = await makeSite();
    const err = await refusedUntouched(
      t,
      () => openSite({ dataDir: t.dataDir, source: new KeyFileSource(other.keyFile) }),
      'WRONG_KEK',
    );
    expect(err.message).toMatch(/does not open this site .* expects [0-9a-f]{16}/);
  });

  it('refuses a key file that other users can read', async () => {
    const t = await makeSite();
    fs.chmodSync(t.keyFile, 0o644);
    const err = await refusedUntouched(t, () => openTemp(t), 'KEY_FILE_PERMISSIONS');
    expect(err.message).toContain(`chmod 600 ${t.keyFile}`);
  });

  it('refuses a missing or damaged key file', async () => {
    const t = await makeSite();
    fs.writeFileSync(t.keyFile, 'not a key\n', { mode: 0o600 });
    await refusedUntouched(t, () => openTemp(t), 'KEY_FILE_INVALID');
    fs.rmSync(t.keyFile);
    await refusedUntouched(t, () => openTemp(t), 'KEY_FILE_MISSING');
  });

  it('refuses a wrong passphrase, and a key file for a passphrase site', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'd');
    const pass = new PassphraseSource(async () => 'correct horse battery staple', {
      memoryKiB: 8192,
      iterations: 1,
      parallelism: 1,
    });
    await createSite({ dataDir, source: pass, siteName: 'P', timeZone: 'UTC', now: () => new Date() });
    const t: TempSite = {
      root,
      dataDir,
      keyFile: path.join(root, 'k'),
      source: new KeyFileSource(path.join(root, 'k')),
    };
    await refusedUntouched(
      t,
      () => openSite({ dataDir, source: new PassphraseSource(async () => 'wrong horse battery staple') }),
      'WRONG_KEK',
    );
    await refusedUntouched(t, () => openSite({ dataDir, source: t.source }), 'WRONG_SOURCE');
    const site = await track(
      openSite({ dataDir, source: new PassphraseSource(async () => 'correct horse battery staple') }),
    );
    expect(site.secrets.get('site.master')?.value).toHaveLength(32);
  });

  it('refuses a weak passphrase for a new site', async () => {
    const dataDir = path.join(tempDir(), 'd');
    await expect(
      createSite({
        dataDir,
        source: new PassphraseSource(async () => 'short'),
        siteName: 'P',
        timeZone: 'UTC',
        now: () => new Date(),
      }),
    ).rejects.toMatchObject({ code: 'PASSPHRASE_WEAK' });
  });

  it('refuses a truncated database, and a damaged one, without writing to it', async () => {
    const t = await makeSite();
    const site = await openTemp(t);
    const insert = site.db.prepare(
      "INSERT INTO audit_log (at, actor, action, source, hash) VALUES ('t', 'test', 'fill', 'test', randomblob(32))",
    );
    site.db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run();
    })();
    site.close();
    const db = path.join(t.dataDir, 'lintel.db');
    const whole = fs.readFileSync(db);

    fs.writeFileSync(db, whole.subarray(0, Math.floor(whole.length / 2 / 4096) * 4096));
    await refusedUntouched(
      t,
      () => openSite({ dataDir: t.dataDir, source: t.source, quickCheck: true }),
      'DB_CORRUPT',
    );

    const flipped = Buffer.from(whole);
    flipped[whole.length - 3000]! ^= 0x01;
    fs.writeFileSync(db, flipped);
    await refusedUntouched(
      t,
      () => openSite({ dataDir: t.dataDir, source: t.source, quickCheck: true }),
      'DB_CORRUPT',
    );

    const page1 = Buffer.from(whole);
    page1[200]! ^= 0x01;
    fs.writeFileSync(db, page1);
    const err = await refusedUntouched(t, () => openTemp(t), 'DB_UNREADABLE');
    expect(err.message).toMatch(/first page is damaged or the file was replaced/);

    fs.writeFileSync(db, Buffer.alloc(0));
    await refusedUntouched(t, () => openTemp(t), 'DB_EMPTY');
  });

  it('refuses a database written by a newer Lintel without touching it', async () => {
    const t = await makeSite();
    const site = await openTemp(t);
    site.db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    site.close();
    const err = await refusedUntouched(t, () => openTemp(t), 'DB_FROM_FUTURE');
    expect(err.message).toMatch(/install the newer Lintel/);
  });

  it('refuses a keyring that was altered, and a missing keyring or database', async () => {
    const t = await makeSite();
    const keyringFile = path.join(t.dataDir, 'lintel.keyring.json');
    const keyring = JSON.parse(fs.readFileSync(keyringFile, 'utf8'));
    const good = JSON.stringify(keyring);
    const wrapped = Buffer.from(keyring.wraps[0].wrappedDbKey, 'base64url');
    wrapped[20]! ^= 1;
    keyring.wraps[0].wrappedDbKey = wrapped.toString('base64url');
    fs.writeFileSync(keyringFile, JSON.stringify(keyring));
    await refusedUntouched(t, () => openTemp(t), 'KEYRING_INVALID');
    fs.writeFileSync(keyringFile, '{"format":');
    await refusedUntouched(t, () => openTemp(t), 'KEYRING_INVALID');
    fs.writeFileSync(keyringFile, good);
    fs.renameSync(keyringFile, `${keyringFile}.away`);
    await refusedUntouched(t, () => openTemp(t), 'KEYRING_MISSING');
    fs.renameSync(`${keyringFile}.away`, keyringFile);
    fs.renameSync(path.join(t.dataDir, 'lintel.db'), path.join(t.dataDir, 'elsewhere.db'));
    await expect(openTemp(t)).rejects.toMatchObject({ code: 'DB_MISSING' });
  });

  it('lets one writer in at a time, but readers alongside', async () => {
    const t = await makeSite();
    const writer = await track(openTemp(t));
    await expect(openTemp(t)).rejects.toMatchObject({ code: 'DB_IN_USE' });
    const reader = await track(openTemp(t, { readonly: true }));
    writer.db.prepare("UPDATE site SET name = 'Changed'").run();
    expect(reader.db.prepare('SELECT name FROM site').get()).toEqual({ name: 'Changed' });
  });

  it('takes over the lock of a writer that died', async () => {
    const t = await makeSite();
    fs.writeFileSync(
      path.join(t.dataDir, 'lintel.lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        purpose: 'lintel serve',
        host: (await import('node:os')).hostname(),
        since: 'then',
      }),
    );
    const site = await track(openTemp(t));
    expect(site.readonly).toBe(false);
  });

  it('finishes a site creation interrupted before the database was renamed into place', async () => {
    const t = await makeSite();
    fs.renameSync(path.join(t.dataDir, 'lintel.db'), path.join(t.dataDir, 'lintel.db.creating'));
    const site = await track(openTemp(t));
    expect(site.db.prepare('SELECT count(*) AS n FROM site').get()).toEqual({ n: 1 });
  });

  it('finishes a site creation interrupted before the key file was committed', async () => {
    const t = await makeSite();
    fs.renameSync(t.keyFile, `${t.keyFile}.next`);
    const site = await track(openTemp(t));
    expect(fs.existsSync(t.keyFile)).toBe(true);
    expect(fs.existsSync(`${t.keyFile}.next`)).toBe(false);
    expect(site.secrets.get('site.master')).toBeDefined();
  });

  it('opens the raw file only with the database key, which is never stored in clear', async () => {
    const t = await makeSite();
    const site = await track(openTemp(t, { readonly: true }));
    const key = Buffer.from(site.dbKey);
    const files = [path.join(t.dataDir, 'lintel.keyring.json'), t.keyFile];
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      expect(bytes.includes(key)).toBe(false);
      expect(bytes.includes(Buffer.from(key.toString('hex')))).toBe(false);
      expect(bytes.includes(Buffer.from(key.toString('base64url')))).toBe(false);
    }
    const direct = openEncrypted(path.join(t.dataDir, 'lintel.db'), key, { readonly: true });
    expect(direct.prepare('SELECT count(*) AS n FROM site').get()).toEqual({ n: 1 });
    direct.close();
    writeKeyFile(path.join(tempDir(), 'x.key'), key); // the writer accepts any 32-byte key
  });
});
