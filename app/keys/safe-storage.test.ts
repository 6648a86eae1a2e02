import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CipherKeychain } from '../../test/helpers/cipher-keychain.js';
import { fileHash, tempDir } from '../../test/helpers/temp-site.js';
import { createSite } from '../site/create-site.js';
import { openSite } from '../site/open-site.js';
import { sitePaths } from '../site/paths.js';
import { KeyCustodyError } from './errors.js';
import { KekParams } from './kek.js';
import { readKeyring, writeKeyring } from './keyring.js';
import { SafeStorageSource, safeStorageRefusal } from './safe-storage.js';
import { rejectionOf } from '../../test/helpers/rejection.js';

const now = () => new Date();

async function newSite(keychain: CipherKeychain, platform: NodeJS.Platform = 'linux') {
  const dataDir = path.join(tempDir(), 'data');
  const source = new SafeStorageSource(keychain, platform);
  await createSite({ dataDir, source, siteName: 'Keychain site', timeZone: 'UTC', now });
  return { dataDir, keyring: sitePaths(dataDir).keyring };
}

const refusal = (p: Promise<unknown>) => rejectionOf(p, KeyCustodyError);

describe('SafeStorageSource', () => {
  it('creates a site whose KEK only the keychain unseals, and opens it again', async () => {
    const keychain = new CipherKeychain();
    const { dataDir, keyring } = await newSite(keychain);
    const [wrap] = readKeyring(keyring).wraps;
    expect(wrap?.kek).toMatchObject({ kind: 'safe-storage', backend: 'gnome_libsecret' });

    const site = await openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') });
    try {
      expect(site.kekId).toBe(wrap?.kekId);
      expect(site.secrets.get('site.master')?.value).toHaveLength(32);
      expect(site.secrets.problems()).toEqual([]);
      // The keyring carries the sealed KEK, never the KEK itself.
      const text = fs.readFileSync(keyring, 'utf8');
      expect(text).not.toContain(site.kek.toString('base64url'));
      expect(text).not.toContain(site.kek.toString('base64'));
    } finally {
      site.close();
    }
  });

  it('records no backend on macOS and Windows, where there is one keychain', async () => {
    const keychain = new CipherKeychain();
    keychain.backend = 'basic_text'; // what a Linux-only call would say; it must not be consulted
    const { dataDir, keyring } = await newSite(keychain, 'darwin');
    expect(readKeyring(keyring).wraps[0]?.kek).not.toHaveProperty('backend');
    const site = await openSite({ dataDir, source: new SafeStorageSource(keychain, 'win32') });
    site.close();
  });

  it('still reads a wrap recorded without a backend', async () => {
    const keychain = new CipherKeychain();
    const { dataDir, keyring } = await newSite(keychain);
    const kr = readKeyring(keyring);
    const kek = kr.wraps[0]!.kek;
    if (kek.kind !== 'safe-storage') throw new Error('expected a safe-storage wrap');
    expect(KekParams.parse({ kind: 'safe-storage', blob: kek.blob })).toEqual({
      kind: 'safe-storage',
      blob: kek.blob,
    });
    kr.wraps[0]!.kek = { kind: 'safe-storage', blob: kek.blob };
    writeKeyring(keyring, kr);
    const site = await openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') });
    site.close();
  });

  it('refuses when the keychain is not available, before creating anything', async () => {
    const keychain = new CipherKeychain();
    keychain.available = false;
    const dataDir = path.join(tempDir(), 'data');
    const err = await refusal(
      createSite({
        dataDir,
        source: new SafeStorageSource(keychain, 'darwin'),
        siteName: 's',
        timeZone: 'UTC',
        now,
      }),
    );
    expect(err.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(err.message).toMatch(/unlock the login keychain/);
    expect(fs.existsSync(sitePaths(dataDir).keyring)).toBe(false);
  });

  it('refuses a site whose keychain became unavailable', async () => {
    const keychain = new CipherKeychain();
    const { dataDir } = await newSite(keychain);
    keychain.available = false;
    const err = await refusal(openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') }));
    expect(err.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(err.message).toMatch(/GNOME Keyring .* KWallet/);
  });

  for (const backend of ['basic_text', 'unknown']) {
    it(`refuses the Linux "${backend}" backend for a new key and an existing one`, async () => {
      const keychain = new CipherKeychain();
      keychain.backend = backend;
      const created = await refusal(new SafeStorageSource(keychain, 'linux').generate());
      expect(created.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(created.message).toMatch(/--password-store=gnome-libsecret/);
      expect(safeStorageRefusal(keychain, 'linux')?.message).toBe(created.message);

      keychain.backend = 'kwallet5';
      const { dataDir } = await newSite(keychain);
      keychain.backend = backend;
      const decryptions = keychain.decryptions;
      const opened = await refusal(openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') }));
      expect(opened.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(keychain.decryptions).toBe(decryptions);
    });
  }

  it('names a changed desktop keyring before trying to decrypt, and leaves the site as it was', async () => {
    const keychain = new CipherKeychain();
    const { dataDir, keyring } = await newSite(keychain);
    const before = fileHash(keyring);
    keychain.backend = 'kwallet5';
    const err = await refusal(openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') }));
    expect(err.code).toBe('KEYCHAIN_CHANGED');
    expect(err.message).toContain('"gnome_libsecret"');
    expect(err.message).toContain('"kwallet5"');
    expect(err.message).toContain('--password-store=gnome-libsecret');
    expect(err.message).toMatch(/site export/);
    expect(keychain.decryptions).toBe(0);
    expect(fileHash(keyring)).toBe(before);

    keychain.backend = 'gnome_libsecret'; // back in the session that sealed it
    const site = await openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') });
    site.close();
  });

  it('refuses a tampered blob', async () => {
    const keychain = new CipherKeychain();
    const { dataDir, keyring } = await newSite(keychain);
    const kr = readKeyring(keyring);
    const kek = kr.wraps[0]!.kek;
    if (kek.kind !== 'safe-storage') throw new Error('expected a safe-storage wrap');
    const blob = Buffer.from(kek.blob, 'base64');
    blob[20] = blob[20]! ^ 0x01;
    kr.wraps[0]!.kek = { ...kek, blob: blob.toString('base64') };
    writeKeyring(keyring, kr);
    const err = await refusal(openSite({ dataDir, source: new SafeStorageSource(keychain, 'linux') }));
    expect(err.code).toBe('KEYCHAIN_UNREADABLE');
    expect(err.message).toMatch(/keyring file was altered/);
  });

  it('refuses a blob that unseals to something other than a KEK', async () => {
    const keychain = new CipherKeychain();
    const source = new SafeStorageSource(keychain, 'linux');
    for (const text of ['hello', 'lintel-kek-v1:c2hvcnQ', `lintel-kek-v1:${'A'.repeat(43)}!`]) {
      const blob = keychain.encryptString(text).toString('base64');
      const err = await refusal(source.unlock({ kind: 'safe-storage', blob, backend: 'gnome_libsecret' }));
      expect(err.code).toBe('KEYCHAIN_UNREADABLE');
    }
  });

  it("refuses a blob sealed by another account's keychain", async () => {
    const { dataDir } = await newSite(new CipherKeychain());
    const err = await refusal(
      openSite({ dataDir, source: new SafeStorageSource(new CipherKeychain(), 'linux') }),
    );
    expect(err.code).toBe('KEYCHAIN_UNREADABLE');
  });
});
