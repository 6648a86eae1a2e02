import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyCustodyError } from '../app/keys/errors.js';
import { KeyFileSource, readKeyFile } from '../app/keys/key-file.js';
import { readKeyring } from '../app/keys/keyring.js';
import { SafeStorageSource } from '../app/keys/safe-storage.js';
import { silentLogger } from '../app/log.js';
import { openSite } from '../app/site/open-site.js';
import { sitePaths } from '../app/site/paths.js';
import { SimulatedCrash, rekeySite, type RekeyStep } from '../app/site/rekey-site.js';
import type { OpenSite } from '../app/site/site.js';
import { CipherKeychain } from '../test/helpers/cipher-keychain.js';
import { makeSite, tempDir, type TempSite } from '../test/helpers/temp-site.js';
import {
  developmentPassphrase,
  openDesktopSite,
  type DesktopCustodyOptions,
  type PassphrasePrompt,
} from './key-custody.js';
import { rejectionOf } from '../test/helpers/rejection.js';

const now = () => new Date();

function options(
  dataDir: string,
  keyFile: string,
  keychain: CipherKeychain,
  more: Partial<DesktopCustodyOptions> = {},
): DesktopCustodyOptions {
  return {
    dataDir,
    keyFile,
    keepKeyFile: false,
    safeStorage: keychain,
    platform: 'linux',
    log: silentLogger(),
    now,
    ...more,
  };
}

function freshFolder(): { dataDir: string; keyFile: string } {
  const root = tempDir();
  return { dataDir: path.join(root, 'data'), keyFile: path.join(root, 'keys', 'site.key') };
}

/** Data that a move into the keychain must carry over. */
async function seed(t: TempSite): Promise<{ master: string; users: number }> {
  const site = await openSite({ dataDir: t.dataDir, source: t.source });
  const insert = site.db.prepare(
    "INSERT INTO audit_log (at, actor, action, source, hash) VALUES ('t', 'seed', 'row', 'test', randomblob(32))",
  );
  site.db.transaction(() => {
    for (let i = 0; i < 200; i++) insert.run();
  })();
  site.secrets.put('tls.private-key', 1, Buffer.from('-----BEGIN PRIVATE KEY----- test'), now());
  const master = site.secrets.get('site.master')!.value.toString('hex');
  site.close();
  return { master, users: 200 };
}

function expectIntact(site: OpenSite, seeded: { master: string; users: number }): void {
  expect(site.secrets.get('site.master')!.value.toString('hex')).toBe(seeded.master);
  expect(site.secrets.get('tls.private-key')!.value.toString()).toContain('BEGIN PRIVATE KEY');
  expect(site.secrets.problems()).toEqual([]);
  expect(site.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'row'").get()).toEqual({
    n: seeded.users,
  });
}

function wrapKinds(dataDir: string): string[] {
  return readKeyring(sitePaths(dataDir).keyring).wraps.map((w) => w.kek.kind);
}

const refusal = (p: Promise<unknown>) => rejectionOf(p, KeyCustodyError);

describe('openDesktopSite: a new site', () => {
  it('puts the key in the OS keychain and writes no key file', async () => {
    const { dataDir, keyFile } = freshFolder();
    const keychain = new CipherKeychain();
    const first = await openDesktopSite(options(dataDir, keyFile, keychain));
    expect(first).toMatchObject({ created: true, custody: 'safe-storage', migrated: false });
    first.site.close();
    expect(fs.existsSync(keyFile)).toBe(false);
    expect(readKeyring(sitePaths(dataDir).keyring).wraps[0]?.kek).toMatchObject({
      backend: 'gnome_libsecret',
    });

    const again = await openDesktopSite(options(dataDir, keyFile, keychain));
    expect(again).toMatchObject({ created: false, custody: 'safe-storage' });
    again.site.close();
  });

  it('falls back to the passphrase when the keychain is only basic_text', async () => {
    const { dataDir, keyFile } = freshFolder();
    const keychain = new CipherKeychain();
    keychain.backend = 'basic_text';
    let asked = 0;
    const askPassphrase = async () => {
      asked++;
      return 'correct horse battery staple';
    };
    const first = await openDesktopSite(options(dataDir, keyFile, keychain, { askPassphrase }));
    expect(first).toMatchObject({ created: true, custody: 'passphrase' });
    first.site.close();
    expect(wrapKinds(dataDir)).toEqual(['passphrase']);
    expect(asked).toBeGreaterThan(0);

    const wrong = await refusal(
      openDesktopSite(
        options(dataDir, keyFile, keychain, { askPassphrase: async () => 'not the passphrase' }),
      ),
    );
    expect(wrong.code).toBe('WRONG_KEK');
    // A keychain that appears later does not lock the operator out of a passphrase site.
    keychain.backend = 'kwallet5';
    const again = await openDesktopSite(options(dataDir, keyFile, keychain, { askPassphrase }));
    expect(again.custody).toBe('passphrase');
    again.site.close();
  });

  it('tells the prompt whether the passphrase is new and why the keychain is not used', async () => {
    const { dataDir, keyFile } = freshFolder();
    const keychain = new CipherKeychain();
    keychain.backend = 'basic_text';
    const prompts: PassphrasePrompt[] = [];
    const askPassphrase = async (prompt: PassphrasePrompt) => {
      prompts.push(prompt);
      return 'correct horse battery staple';
    };
    (await openDesktopSite(options(dataDir, keyFile, keychain, { askPassphrase }))).site.close();
    expect(prompts).toEqual([{ creating: true, reason: expect.stringContaining('basic_text') as string }]);

    prompts.length = 0;
    keychain.backend = 'kwallet5'; // usable now, but the site stays locked with its passphrase
    (await openDesktopSite(options(dataDir, keyFile, keychain, { askPassphrase }))).site.close();
    expect(prompts).toEqual([
      { creating: false, reason: expect.stringContaining('locked with a passphrase') as string },
    ]);
  });

  it('refuses, creating nothing, when there is neither a keychain nor a way to ask for a passphrase', async () => {
    const { dataDir, keyFile } = freshFolder();
    const keychain = new CipherKeychain();
    keychain.available = false;
    const err = await refusal(openDesktopSite(options(dataDir, keyFile, keychain)));
    expect(err.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(err.message).toMatch(/cannot ask for a passphrase/);
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(fs.existsSync(keyFile)).toBe(false);
  });
});

describe('openDesktopSite: an existing site', () => {
  it('moves a key-file site into the keychain, with a new database key, then removes the key file', async () => {
    const t = await makeSite();
    const seeded = await seed(t);
    const oldKek = readKeyFile(t.keyFile);
    const keychain = new CipherKeychain();
    const moved = await openDesktopSite(options(t.dataDir, t.keyFile, keychain));
    expect(moved).toMatchObject({ created: false, custody: 'safe-storage', migrated: true });
    expectIntact(moved.site, seeded);
    expect(moved.site.dbKeyVersion).toBe(2);
    moved.site.close();
    expect(fs.existsSync(t.keyFile)).toBe(false);
    expect(wrapKinds(t.dataDir)).toEqual(['safe-storage']);

    // The old key file, had anyone kept a copy, no longer opens the site.
    fs.mkdirSync(path.dirname(t.keyFile), { recursive: true });
    fs.writeFileSync(t.keyFile, `lintel-kek-v1:${oldKek.toString('base64url')}\n`, { mode: 0o600 });
    const old = await refusal(openSite({ dataDir: t.dataDir, source: new KeyFileSource(t.keyFile) }));
    expect(old.code).toBe('WRONG_SOURCE');
    fs.rmSync(t.keyFile);

    const again = await openDesktopSite(options(t.dataDir, t.keyFile, keychain));
    expect(again).toMatchObject({ custody: 'safe-storage', migrated: false });
    expectIntact(again.site, seeded);
    again.site.close();
  });

  const steps: RekeyStep[] = [
    'db-copy-ready',
    'db-keyring-extended',
    'db-renamed',
    'kek-keyring-extended',
    'kek-secrets-rewrapped',
    'kek-committed',
  ];
  for (const stop of steps) {
    it(`finishes a move that stopped after ${stop}`, async () => {
      const t = await makeSite();
      const seeded = await seed(t);
      const keychain = new CipherKeychain();
      const crash = (s: RekeyStep) => {
        if (s === stop) throw new SimulatedCrash(s);
      };
      await expect(
        openDesktopSite(options(t.dataDir, t.keyFile, keychain, { step: crash })),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      expect(fs.existsSync(t.keyFile)).toBe(true); // never removed before the move is complete

      const next = await openDesktopSite(options(t.dataDir, t.keyFile, keychain));
      expect(next.custody).toBe('safe-storage');
      expectIntact(next.site, seeded);
      next.site.close();
      expect(wrapKinds(t.dataDir)).toEqual(['safe-storage']);
      expect(fs.existsSync(t.keyFile)).toBe(false);
    });
  }

  it('removes a key file left behind by a move that completed', async () => {
    const t = await makeSite();
    const seeded = await seed(t);
    const keychain = new CipherKeychain();
    const site = await openSite({ dataDir: t.dataDir, source: t.source });
    await rekeySite(site, { kek: new SafeStorageSource(keychain, 'linux') }, now);
    site.close();
    expect(fs.existsSync(t.keyFile)).toBe(true);

    const next = await openDesktopSite(options(t.dataDir, t.keyFile, keychain));
    expect(next).toMatchObject({ custody: 'safe-storage', migrated: false });
    expectIntact(next.site, seeded);
    next.site.close();
    expect(fs.existsSync(t.keyFile)).toBe(false);
  });

  it('keeps a key-file site on its key file when the keychain is not real custody', async () => {
    const t = await makeSite();
    const seeded = await seed(t);
    const keychain = new CipherKeychain();
    keychain.backend = 'basic_text';
    const opened = await openDesktopSite(options(t.dataDir, t.keyFile, keychain));
    expect(opened).toMatchObject({ custody: 'key-file', migrated: false });
    expectIntact(opened.site, seeded);
    opened.site.close();
    expect(fs.existsSync(t.keyFile)).toBe(true);
    expect(wrapKinds(t.dataDir)).toEqual(['key-file']);
  });

  it('rolls back a move that stopped early when the keychain has since gone', async () => {
    const t = await makeSite();
    const seeded = await seed(t);
    const keychain = new CipherKeychain();
    const crash = (s: RekeyStep) => {
      if (s === 'kek-keyring-extended') throw new SimulatedCrash(s);
    };
    await expect(
      openDesktopSite(options(t.dataDir, t.keyFile, keychain, { step: crash })),
    ).rejects.toBeInstanceOf(SimulatedCrash);
    keychain.available = false;
    const opened = await openDesktopSite(options(t.dataDir, t.keyFile, keychain));
    expect(opened.custody).toBe('key-file');
    expectIntact(opened.site, seeded);
    opened.site.close();
    expect(wrapKinds(t.dataDir)).toEqual(['key-file']);
  });

  it('leaves a development site on the key file it was pointed at', async () => {
    const t = await makeSite();
    const opened = await openDesktopSite(
      options(t.dataDir, t.keyFile, new CipherKeychain(), { keepKeyFile: true }),
    );
    expect(opened).toMatchObject({ custody: 'key-file', migrated: false });
    opened.site.close();
    expect(fs.existsSync(t.keyFile)).toBe(true);
    expect(wrapKinds(t.dataDir)).toEqual(['key-file']);
  });

  it('names a changed desktop keyring', async () => {
    const { dataDir, keyFile } = freshFolder();
    const keychain = new CipherKeychain();
    (await openDesktopSite(options(dataDir, keyFile, keychain))).site.close();
    keychain.backend = 'kwallet6';
    const err = await refusal(openDesktopSite(options(dataDir, keyFile, keychain)));
    expect(err.code).toBe('KEYCHAIN_CHANGED');
    expect(err.message).toContain('"gnome_libsecret"');
    expect(err.message).toContain('"kwallet6"');
    expect(wrapKinds(dataDir)).toEqual(['safe-storage']);
  });

  it('refuses a passphrase site when the app cannot ask for the passphrase', async () => {
    const { dataDir, keyFile } = freshFolder();
    const keychain = new CipherKeychain();
    keychain.backend = 'unknown';
    const askPassphrase = async () => 'correct horse battery staple';
    (await openDesktopSite(options(dataDir, keyFile, keychain, { askPassphrase }))).site.close();
    const err = await refusal(openDesktopSite(options(dataDir, keyFile, keychain)));
    expect(err.code).toBe('PASSPHRASE_REQUIRED');
    expect(err.message).toMatch(/lintel serve/);
  });
});

describe('developmentPassphrase', () => {
  it('reads LINTEL_PASSPHRASE only when running from source', async () => {
    const env = { LINTEL_PASSPHRASE: 'correct horse battery staple' };
    expect(await developmentPassphrase({ isPackaged: false, env })?.()).toBe(env.LINTEL_PASSPHRASE);
    expect(developmentPassphrase({ isPackaged: true, env })).toBeUndefined();
    expect(developmentPassphrase({ isPackaged: false, env: {} })).toBeUndefined();
  });
});
