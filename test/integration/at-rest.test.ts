import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyFileSource } from '../../app/keys/key-file.js';
import { openSite } from '../../app/site/open-site.js';
import { openPlain } from '../../app/store/sqlite.js';
import { firstAdmin, lintelAsync, rpc, startServe, type ServeProcess } from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';

const SITE_NAME = 'Kilimanjaro Research Campus';
const OPERATOR = 'zanzibar.ops';
const DISPLAY = 'Yolanda Quetzalcoatl';
let server: ServeProcess | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
});

/** Every form in which a known plaintext could sit in a file. */
function forms(secret: string | Buffer): Buffer[] {
  const b = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
  const out = [
    b,
    Buffer.from(b.toString('hex')),
    Buffer.from(b.toString('base64')),
    Buffer.from(b.toString('base64url')),
  ];
  if (!Buffer.isBuffer(secret)) out.push(Buffer.from(secret, 'utf16le'));
  return out;
}

function leaks(file: string, secrets: Record<string, string | Buffer>): string[] {
  const bytes = fs.readFileSync(file);
  return Object.entries(secrets)
    .filter(([, s]) => forms(s).some((f) => bytes.includes(f)))
    .map(([name]) => `${path.basename(file)} holds the ${name}`);
}

describe('data at rest', () => {
  it('leaves no known plaintext in the database, its WAL or a backup', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const keyFile = path.join(root, 'keys', 'k.key');
    server = await startServe(dataDir, keyFile, ['--site-name', SITE_NAME]);
    const { token, auth } = await firstAdmin(server, OPERATOR, 'correct horse battery', {
      displayName: DISPLAY,
    });
    for (let i = 0; i < 20; i++) {
      const site = (await rpc(server, 'site.get', {}, auth)).result!;
      await rpc(
        server,
        'site.update',
        { version: site.version, name: `${SITE_NAME} ${i % 2 ? 'East' : 'West'}` },
        auth,
      );
    }
    const backupFile = path.join(root, 'backups', 'b.db');
    const backup = await lintelAsync([
      'db',
      'backup',
      '--data-dir',
      dataDir,
      '--key-file',
      keyFile,
      '--out',
      backupFile,
    ]);
    expect(backup.status, backup.stderr).toBe(0);

    const reader = await openSite({ dataDir, source: new KeyFileSource(keyFile), readonly: true });
    const master = reader.secrets.get('site.master')!.value;
    const tlsKey = reader.secrets.get('tls.private-key')!.value.toString('utf8');
    const dbKey = Buffer.from(reader.dbKey);
    reader.close();
    const tlsKeyBody = tlsKey.split('\n').slice(1, -2).join('');
    const secrets = {
      'site name': SITE_NAME,
      'operator name': OPERATOR,
      'display name': DISPLAY,
      'site master key': master,
      'TLS private key': tlsKeyBody,
      'database key': dbKey,
      'session token': token,
    };

    const wal = path.join(dataDir, 'lintel.db-wal');
    expect(fs.statSync(wal).size).toBeGreaterThan(0); // the writes are still in the WAL: it is scanned for real
    const files = [
      path.join(dataDir, 'lintel.db'),
      wal,
      backupFile,
      `${backupFile}.keyring.json`,
      path.join(dataDir, 'lintel.keyring.json'),
    ];
    expect(files.flatMap((f) => leaks(f, secrets))).toEqual([]);

    // The scan itself works: the same names in a plain SQLite file are found.
    const plainFile = path.join(root, 'plain.db');
    const plain = openPlain(plainFile);
    plain.exec('CREATE TABLE t (v TEXT)');
    plain.prepare('INSERT INTO t VALUES (?), (?)').run(SITE_NAME, OPERATOR);
    plain.close();
    expect(leaks(plainFile, { 'site name': SITE_NAME, 'operator name': OPERATOR })).toHaveLength(2);
  });
});
