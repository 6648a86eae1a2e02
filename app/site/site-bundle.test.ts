import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileHash, makeSite, openTemp, tempDir, type TempSite } from '../../test/helpers/temp-site.js';
import type { KeyCustodyError } from '../keys/errors.js';
import type { KekSource } from '../keys/kek.js';
import { KeyFileSource } from '../keys/key-file.js';
import { readKeyring, unwrapDbKey } from '../keys/keyring.js';
import { PassphraseSource } from '../keys/passphrase.js';
import { AuditRepo } from '../store/audit-repo.js';
import type { StoreError } from '../store/errors.js';
import { BUNDLE_MAGIC } from './bundle-format.js';
import { readBundleHead } from './bundle-io.js';
import { openSite } from './open-site.js';
import { sitePaths } from './paths.js';
import type { OpenSite } from './site.js';
import { exportSite, importSite, type ImportOptions } from './site-bundle.js';

const EXPORT_PASSPHRASE = 'moving day passphrase';
const now = () => new Date('2026-12-01T10:00:00Z');

/** A passphrase source at Argon2id's lowest accepted cost, counting how often it was asked. */
function passphrase(text = EXPORT_PASSPHRASE): PassphraseSource & { asked: () => number } {
  let asked = 0;
  const source = new PassphraseSource(
    async () => {
      asked++;
      return text;
    },
    { memoryKiB: 8192, iterations: 1, parallelism: 1 },
  );
  return Object.assign(source, { asked: () => asked });
}

const opened: OpenSite[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
async function track(p: Promise<OpenSite>): Promise<OpenSite> {
  const s = await p;
  opened.push(s);
  return s;
}

/** Every row of every table but the ones a move rewrites (secrets are re-sealed; the log grows). */
function contents(site: OpenSite): Record<string, string[]> {
  const tables = site.db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    if (['secret', 'key_custody', 'audit_log'].includes(name)) continue;
    // Sorted as text: some tables are WITHOUT ROWID, and only the set of rows matters.
    out[name] = (site.db.prepare(`SELECT * FROM "${name}"`).all() as unknown[])
      .map((r) => JSON.stringify(r))
      .sort();
  }
  return out;
}

/** A site with something in its audit log, exported; the source is closed again. */
async function exported(): Promise<{
  t: TempSite;
  file: string;
  master: Buffer;
  before: Record<string, unknown[]>;
}> {
  const t = await makeSite('Acme HQ');
  const site = await openTemp(t);
  new AuditRepo(site.db).append({
    at: now().toISOString(),
    operatorId: null,
    actor: 'test',
    action: 'test.mark',
    source: 'test',
  });
  const master = Buffer.from(site.secrets.get('site.master')!.value);
  const before = contents(site);
  site.close();
  const reader = await openTemp(t, { readonly: true });
  const file = path.join(t.root, 'out', 'acme.lintel-site');
  try {
    await exportSite(reader, { out: file, passphrase: passphrase(), now, lintelVersion: '0.0.0-test' });
  } finally {
    reader.close();
  }
  return { t, file, master, before };
}

/** A fresh destination: a data folder that does not exist yet and a key file beside it. */
function destination(): {
  dataDir: string;
  keyFile: string;
  opts: (over?: Partial<ImportOptions>) => ImportOptions;
} {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const keyFile = path.join(root, 'keys', 'imported.key');
  return {
    dataDir,
    keyFile,
    opts: (over = {}) => ({
      dataDir,
      passphrase: passphrase(),
      target: new KeyFileSource(keyFile),
      now,
      actor: 'test import',
      source: 'test',
      ...over,
    }),
  };
}

async function failure(p: Promise<unknown>): Promise<KeyCustodyError | StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as KeyCustodyError | StoreError;
}

/** Every file under a folder with its hash, to prove a refusal changed nothing. */
function snapshot(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile()) out[path.relative(dir, full)] = fileHash(full);
  }
  return out;
}

describe('exporting a site', () => {
  it('writes one private file, sealed under the passphrase, while a writer holds the site', async () => {
    const t = await makeSite('Busy site');
    const writer = await track(openTemp(t)); // stands for a running lintel serve or desktop app
    new AuditRepo(writer.db).append({
      at: now().toISOString(),
      operatorId: null,
      actor: 'test',
      action: 'test.live',
      source: 'test',
    });
    const reader = await track(openTemp(t, { readonly: true }));
    const file = path.join(t.root, 'busy.lintel-site');
    const r = await exportSite(reader, {
      out: file,
      passphrase: passphrase(),
      now,
      lintelVersion: '0.0.0-test',
    });
    expect(r.bytes).toBe(fs.statSync(file).size);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).subarray(0, BUNDLE_MAGIC.length)).toEqual(BUNDLE_MAGIC);
    expect(fs.readdirSync(t.root).filter((f) => f.startsWith('.lintel-export-'))).toEqual([]);

    const { header } = readBundleHead(file);
    expect(header).toMatchObject({
      siteId: writer.siteId,
      siteName: 'Busy site',
      exportedAt: now().toISOString(),
    });
    const wrap = header.keyring.wraps[0]!;
    expect(wrap.kek.kind).toBe('passphrase');
    // The file has a database key of its own: the export passphrase never opens the live database.
    const bundleKey = unwrapDbKey(await passphrase().unlock(wrap.kek), wrap, header.siteId);
    expect(bundleKey.equals(writer.dbKey)).toBe(false);
    expect(fs.readFileSync(file).includes(writer.dbKey)).toBe(false);

    // What the writer had committed (still in its WAL) is in the export.
    const dest = destination();
    await importSite(file, dest.opts());
    const imported = await track(
      openSite({ dataDir: dest.dataDir, source: new KeyFileSource(dest.keyFile) }),
    );
    expect(new AuditRepo(imported.db).list({ limit: 10, action: 'test.live' })).toHaveLength(1);
  });

  it('refuses to overwrite a file, and a weak passphrase, leaving nothing behind', async () => {
    const t = await makeSite();
    const reader = await track(openTemp(t, { readonly: true }));
    const taken = path.join(t.root, 'taken');
    fs.writeFileSync(taken, 'keep me');
    const exists = await failure(
      exportSite(reader, { out: taken, passphrase: passphrase(), now, lintelVersion: 'x' }),
    );
    expect(exists.code).toBe('DB_EXISTS');
    expect(fs.readFileSync(taken, 'utf8')).toBe('keep me');
    const weakOut = path.join(t.root, 'weak', 'site.lintel-site');
    const weak = await failure(
      exportSite(reader, { out: weakOut, passphrase: passphrase('short'), now, lintelVersion: 'x' }),
    );
    expect(weak.code).toBe('PASSPHRASE_WEAK');
    expect(fs.existsSync(path.dirname(weakOut))).toBe(false);
  });
});

describe('importing a site', () => {
  it('installs the same site under a new key file and a new database key', async () => {
    const { t, file, master, before } = await exported();
    const dest = destination();
    const r = await importSite(file, dest.opts());
    expect(r).toMatchObject({ siteName: 'Acme HQ', dataDir: dest.dataDir, exportedAt: now().toISOString() });
    expect(fs.readdirSync(dest.dataDir).sort()).toEqual(['lintel.db', 'lintel.keyring.json']);
    expect(fs.existsSync(`${dest.keyFile}.next`)).toBe(false);

    // The old key file does not open the imported site; its own does, with every row and secret.
    const old = await failure(openSite({ dataDir: dest.dataDir, source: new KeyFileSource(t.keyFile) }));
    expect(old.code).toBe('WRONG_KEK');
    const site = await track(
      openSite({ dataDir: dest.dataDir, source: new KeyFileSource(dest.keyFile), quickCheck: true }),
    );
    const source = await track(openTemp(t, { readonly: true }));
    expect(site.siteId).toBe(source.siteId);
    expect(contents(site)).toEqual(before);
    expect(site.secrets.get('site.master')!.value).toEqual(master);
    expect(site.secrets.problems()).toEqual([]);
    expect(site.dbKey.equals(source.dbKey)).toBe(false);
    expect(site.kekId).not.toBe(source.kekId);
    const log = new AuditRepo(site.db);
    expect(log.verify().ok).toBe(true);
    expect(log.list({ limit: 1 })[0]).toMatchObject({
      action: 'site.import',
      actor: 'test import',
      source: 'test',
    });
    expect(readKeyring(sitePaths(dest.dataDir).keyring).wraps).toHaveLength(1);
  });

  it('installs under a passphrase of its own', async () => {
    const { file, master } = await exported();
    const dest = destination();
    await importSite(file, dest.opts({ target: passphrase('the new site passphrase') }));
    const site = await track(
      openSite({ dataDir: dest.dataDir, source: passphrase('the new site passphrase') }),
    );
    expect(site.secrets.get('site.master')!.value).toEqual(master);
    const wrong = await failure(openSite({ dataDir: dest.dataDir, source: passphrase(), readonly: true }));
    expect(wrong.message).toBe('the passphrase is wrong');
  });

  it('refuses a wrong passphrase before writing anything', async () => {
    const { file } = await exported();
    const dest = destination();
    const err = await failure(
      importSite(file, dest.opts({ passphrase: passphrase('not the export passphrase') })),
    );
    expect(err.code).toBe('WRONG_KEK');
    expect(err.message).toBe('the export passphrase is wrong');
    expect(fs.existsSync(dest.dataDir)).toBe(false);
    expect(fs.existsSync(dest.keyFile)).toBe(false);
  });

  it('refuses a folder that already holds a site, and a key file that exists, changing neither', async () => {
    const { file } = await exported();
    const other = await makeSite('Other');
    const before = snapshot(other.dataDir);
    const keyBefore = fileHash(other.keyFile);
    const dest = destination();
    const taken = await failure(importSite(file, { ...dest.opts(), dataDir: other.dataDir }));
    expect(taken.code).toBe('DB_EXISTS');
    const keyTaken = await failure(importSite(file, dest.opts({ target: new KeyFileSource(other.keyFile) })));
    expect(keyTaken.code).toBe('KEY_FILE_EXISTS');
    expect(snapshot(other.dataDir)).toEqual(before);
    expect(fileHash(other.keyFile)).toBe(keyBefore);
    expect(fs.existsSync(dest.dataDir)).toBe(false);
  });

  it('refuses a damaged or altered file, and one that is not an export, changing nothing', async () => {
    const { file } = await exported();
    const bytes = fs.readFileSync(file);
    const { dbOffset, macOffset } = readBundleHead(file);
    const headerText = bytes.subarray(0, dbOffset).toString('latin1');
    const cases: [string, Buffer, RegExp, boolean][] = [
      ['truncated', bytes.subarray(0, bytes.length - 1000), /truncated/, false],
      ['a database byte changed', flip(bytes, dbOffset + 5000), /altered or damaged/, true],
      ['the MAC changed', flip(bytes, macOffset + 3), /altered or damaged/, true],
      [
        'the header edited',
        edit(bytes, headerText.indexOf('Acme HQ'), 'Acme HR'),
        /altered or damaged/,
        true,
      ],
      [
        'not an export',
        Buffer.concat([Buffer.from('SQLite format 3\0'), bytes.subarray(16)]),
        /does not start/,
        false,
      ],
      ['a future format', withVersion(bytes, 9), /newer Lintel/, false],
      ['empty', Buffer.alloc(0), /too short/, false],
    ];
    for (const [name, content, why, asksPassphrase] of cases) {
      const bad = path.join(path.dirname(file), `${name}.lintel-site`);
      fs.writeFileSync(bad, content);
      const dest = destination();
      const pass = passphrase();
      const err = await failure(importSite(bad, dest.opts({ passphrase: pass })));
      expect(err.message, name).toMatch(why);
      expect(err.name, name).toBe('StoreError');
      expect(pass.asked() > 0, `${name}: passphrase asked`).toBe(asksPassphrase);
      expect(fs.existsSync(dest.dataDir), name).toBe(false);
      expect(fs.existsSync(dest.keyFile), name).toBe(false);
    }
  });

  it('refuses a file that changes after its checksum was checked', async () => {
    const { file } = await exported();
    const { dbOffset } = readBundleHead(file);
    const dest = destination();
    const real = new KeyFileSource(dest.keyFile);
    // generate() runs between the checksum pass and the copy: the moment another process could write.
    const meddling: KekSource = {
      kind: 'key-file',
      label: real.label,
      unlock: (p) => real.unlock(p),
      generate: async () => {
        fs.writeFileSync(file, flip(fs.readFileSync(file), dbOffset + 100));
        return real.generate();
      },
      stage: (k) => real.stage(k),
      commit: () => real.commit(),
      discardStaged: () => real.discardStaged(),
    };
    const err = await failure(importSite(file, dest.opts({ target: meddling })));
    expect(err.message).toMatch(/changed while it was being imported/);
    expect(fs.existsSync(dest.dataDir)).toBe(false);
    expect(fs.existsSync(dest.keyFile)).toBe(false);
  });

  it('leaves nothing half-installed when installing fails, and keeps a folder it did not make', async () => {
    const { file } = await exported();
    const dest = destination();
    fs.mkdirSync(dest.dataDir, { recursive: true });
    fs.writeFileSync(path.join(dest.dataDir, 'notes.txt'), 'mine');
    const commitFails = keyFileFailing(dest.keyFile, 'commit');
    // Fails at the very last step: after the keyring is written the site is complete, so it stays.
    await failure(importSite(file, dest.opts({ target: commitFails })));
    expect(fs.existsSync(sitePaths(dest.dataDir).keyring)).toBe(true);
    const finished = await openSite({ dataDir: dest.dataDir, source: new KeyFileSource(dest.keyFile) });
    expect(finished.secrets.problems()).toEqual([]);
    finished.close();
    expect(fs.existsSync(dest.keyFile)).toBe(true); // the next open committed the staged key

    // Fails while staging the key: nothing of the site remains, and the operator's own file does.
    const again = destination();
    fs.mkdirSync(again.dataDir, { recursive: true });
    fs.writeFileSync(path.join(again.dataDir, 'notes.txt'), 'mine');
    const err = await failure(
      importSite(file, again.opts({ target: keyFileFailing(again.keyFile, 'stage') })),
    );
    expect(err.message).toBe('disk full');
    expect(fs.readdirSync(again.dataDir)).toEqual(['notes.txt']);
    expect(fs.existsSync(`${again.keyFile}.next`)).toBe(false);
    expect(fs.existsSync(again.keyFile)).toBe(false);
  });
});

/**
 * A key file source that fails like a full disk: `stage` after writing the staged key, `commit` before
 * renaming it into place.
 */
function keyFileFailing(file: string, step: 'stage' | 'commit'): KekSource {
  const real = new KeyFileSource(file);
  return {
    kind: 'key-file',
    label: real.label,
    unlock: (p) => real.unlock(p),
    generate: () => real.generate(),
    stage: async (k) => {
      await real.stage(k);
      if (step === 'stage') throw new Error('disk full');
    },
    commit: async () => {
      if (step === 'commit') throw new Error('disk full');
      await real.commit();
    },
    discardStaged: () => real.discardStaged(),
    staged: () => real.staged(),
  };
}

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
}

function edit(bytes: Buffer, at: number, text: string): Buffer {
  const copy = Buffer.from(bytes);
  copy.write(text, at, 'latin1');
  return copy;
}

function withVersion(bytes: Buffer, version: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt16BE(version, BUNDLE_MAGIC.length);
  return copy;
}
