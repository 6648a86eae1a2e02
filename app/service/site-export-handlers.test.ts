import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cheapHasher,
  failure,
  ok,
  serviceFixture,
  type ServiceFixture,
} from '../../test/helpers/service-fixture.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import { ErrorCode } from '../contract/errors.js';
import { EXPORT_PASSPHRASE_MIN_LENGTH } from '../contract/methods/site.js';
import { KeyFileSource } from '../keys/key-file.js';
import { MIN_PASSPHRASE_LENGTH, PassphraseSource } from '../keys/passphrase.js';
import { createLogger } from '../log.js';
import type { Caller } from '../rpc/context.js';
import { openSite } from '../site/open-site.js';
import { importSite } from '../site/site-bundle.js';
import { AuditRepo } from '../store/audit-repo.js';
import { Grants } from './grants.js';
import { Service } from './service.js';
import { exportFileName, siteSlug } from './site-export-handlers.js';

const PASSPHRASE = 'moving day to the server';

let f: ServiceFixture;
/** A second Service on the fixture's site, hosted with an export folder (sessions live in the site). */
let service: Service;
let exportDir: string;
let logged: string;
let scratch: string;

beforeEach(async () => {
  f = await serviceFixture();
  scratch = tempDir('lintel-export-test-');
  exportDir = path.join(scratch, 'exports');
  logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  service = new Service({
    site: f.site,
    log: createLogger({ level: 'debug', destination: sink }),
    version: '0.0.0-test',
    clock: f.now,
    passwords: cheapHasher(),
    exportDir,
  });
});

afterEach(() => {
  service.close();
  f.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(f.temp.root, { recursive: true, force: true });
});

async function exportAs(caller: Caller | undefined, passphrase = PASSPHRASE) {
  const r = await service.dispatcher.call(
    { jsonrpc: '2.0', id: 1, method: 'site.exportBundle', params: { passphrase } },
    { source: 'test 10.0.0.1', address: '10.0.0.1', revealToken: false, caller },
  );
  if (!r) throw new Error('no response');
  return r;
}

const admin = () => service.authenticate(f.admin.token)!;
const files = () => (fs.existsSync(exportDir) ? fs.readdirSync(exportDir) : []);
const exportEntries = () =>
  new AuditRepo(f.site.db).list({ limit: 50, action: 'site.exportBundle' }).map((e) => ({
    ...e,
    text: JSON.stringify(e),
  }));

describe('site.exportBundle', () => {
  it('writes a file that imports elsewhere under the same passphrase, and records it without the passphrase', async () => {
    const r = ok<{ file: string; bytes: number; exportedAt: string }>(await exportAs(admin()));
    expect(r.file).toBe(path.join(exportDir, 'fixture-site-2026-11-29T090000Z.lintel-site'));
    expect(r.exportedAt).toBe('2026-11-29T09:00:00.000Z');
    expect(fs.statSync(r.file).size).toBe(r.bytes);
    expect(fs.statSync(r.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(exportDir).mode & 0o777).toBe(0o700);

    // A second export in the same second gets its own name; the first file is left as it was.
    const before = fs.readFileSync(r.file);
    const again = ok<{ file: string }>(await exportAs(admin()));
    expect(again.file).toBe(path.join(exportDir, 'fixture-site-2026-11-29T090000Z-2.lintel-site'));
    expect(fs.readFileSync(r.file).equals(before)).toBe(true);

    const target = path.join(scratch, 'elsewhere');
    const keyFile = path.join(scratch, 'keys', 'elsewhere.key');
    const common = {
      dataDir: target,
      target: new KeyFileSource(keyFile),
      now: () => new Date('2026-12-01T10:00:00Z'),
      actor: 'test',
      source: 'test',
    };
    await expect(
      importSite(r.file, {
        ...common,
        passphrase: new PassphraseSource(async () => 'some other passphrase'),
      }),
    ).rejects.toMatchObject({ code: 'WRONG_KEK' });
    const report = await importSite(r.file, {
      ...common,
      passphrase: new PassphraseSource(async () => PASSPHRASE),
    });
    expect(report).toMatchObject({ siteId: f.site.siteId, siteName: 'Fixture site' });
    const moved = await openSite({ dataDir: target, source: new KeyFileSource(keyFile), purpose: 'test' });
    try {
      expect(moved.db.prepare('SELECT name FROM site WHERE id = 1').get()).toEqual({ name: 'Fixture site' });
    } finally {
      moved.close();
    }

    const entries = exportEntries();
    expect(entries).toHaveLength(2);
    expect(entries.at(-1)).toMatchObject({
      actor: 'admin',
      outcome: 'ok',
      target: 'site',
      detail: { file: r.file, bytes: r.bytes, exportedAt: r.exportedAt },
    });
    for (const e of entries) expect(e.text).not.toContain(PASSPHRASE);
    expect(logged).toContain('site-export: site exported');
    expect(logged).not.toContain(PASSPHRASE);
  });

  it('is refused without settings:admin, and for settings:admin held only in a partition', async () => {
    await f.addOperator('auditor', [3]);
    const auditor = service.authenticate((await f.login('auditor')).token)!;
    expect(failure(await exportAs(auditor))).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      data: { permission: 'settings:admin' },
    });
    const partitioned: Caller = {
      ...admin(),
      grants: Grants.of([{ permissions: ['settings:admin'], partition: { zoneIds: [1], doorIds: [] } }]),
    };
    expect(failure(await exportAs(partitioned))).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      data: { reason: 'partition' },
    });
    expect(files()).toEqual([]);
    expect(exportEntries().map((e) => [e.actor, e.outcome])).toEqual([
      ['admin', 'FORBIDDEN'],
      ['auditor', 'FORBIDDEN'],
    ]);
  });

  it('refuses a passphrase the key policy refuses, in its words, before writing anything', async () => {
    expect(EXPORT_PASSPHRASE_MIN_LENGTH).toBe(MIN_PASSPHRASE_LENGTH);
    const weak = 'x'.repeat(MIN_PASSPHRASE_LENGTH - 1);
    expect(failure(await exportAs(admin(), weak))).toMatchObject({
      code: ErrorCode.INVALID_PARAMS,
      data: {
        issues: [
          {
            path: 'passphrase',
            message: `the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long`,
          },
        ],
      },
    });
    expect(files()).toEqual([]);
    const [entry] = exportEntries();
    expect(entry).toMatchObject({ outcome: 'INVALID_PARAMS', target: 'site' });
    expect(entry!.text).not.toContain(weak);
    expect(logged).not.toContain(weak);
  });

  it('answers UNAVAILABLE where the host keeps no export folder', async () => {
    const r = failure(
      await f.call('site.exportBundle', { passphrase: PASSPHRASE }, { caller: f.admin.caller }),
    );
    expect(r).toMatchObject({ code: ErrorCode.UNAVAILABLE, data: { reason: 'no-export-folder' } });
    expect(r.message).toMatch(/no folder for site exports/);
  });

  it('answers UNAVAILABLE, naming the folder, when the export folder cannot be made', async () => {
    const blocker = path.join(scratch, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    const blocked = new Service({
      site: f.site,
      log: createLogger({ level: 'silent' }),
      version: '0.0.0-test',
      clock: f.now,
      exportDir: path.join(blocker, 'exports'),
    });
    try {
      const r = await blocked.dispatcher.call(
        { jsonrpc: '2.0', id: 1, method: 'site.exportBundle', params: { passphrase: PASSPHRASE } },
        { source: 'test', address: '10.0.0.1', revealToken: false, caller: admin() },
      );
      expect(failure(r!)).toMatchObject({
        code: ErrorCode.UNAVAILABLE,
        message: `The export could not be written in ${path.join(blocker, 'exports')} (ENOTDIR)`,
        data: { reason: 'disk', code: 'ENOTDIR' },
      });
    } finally {
      blocked.close();
    }
  });

  it('answers UNAVAILABLE while another export runs', async () => {
    const first = exportAs(admin());
    expect(failure(await exportAs(admin()))).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      data: { reason: 'busy' },
    });
    ok(await first);
    expect(files()).toHaveLength(1);
  });
});

describe('export file names', () => {
  it('are the site name in ASCII words, then the UTC time without colons', () => {
    expect(siteSlug('  Oficina Central — Año 2026!  ')).toBe('oficina-central-ano-2026');
    expect(siteSlug('東京')).toBe('site');
    expect(siteSlug('a'.repeat(59) + ' b')).toBe('a'.repeat(59));
    expect(exportFileName('/nowhere', 'HQ', new Date('2026-01-02T03:04:05.678Z'))).toBe(
      path.join('/nowhere', 'hq-2026-01-02T030405Z.lintel-site'),
    );
  });
});
