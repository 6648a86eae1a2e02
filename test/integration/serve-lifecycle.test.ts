import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstAdmin, startServe } from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';

describe('lintel serve lifecycle', () => {
  it('stops cleanly on Ctrl-C even when the signal arrives twice (npm start forwards it), releasing the site', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const server = await startServe(dataDir, path.join(root, 'keys', 'k.key'));
    expect(fs.existsSync(path.join(dataDir, 'lintel.lock'))).toBe(true);
    server.proc.kill('SIGINT');
    server.proc.kill('SIGINT');
    const code = await server.stop();
    // On a failure, say what the server said (a shutdown that hung shows in its log).
    expect(code, `exit ${code}; stderr:\n${server.stderr().slice(-4000)}`).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'lintel.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'lintel.db-wal'))).toBe(false); // closed: checkpointed and removed
  });

  it('prints no setup token once an administrator exists, and refuses a second service on the same site', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const keyFile = path.join(root, 'keys', 'k.key');
    const first = await startServe(dataDir, keyFile);
    try {
      expect(first.setupToken).toBeDefined();
      await firstAdmin(first, 'admin', 'correct horse battery');
      await expect(startServe(dataDir, keyFile)).rejects.toThrow(/in use by "lintel serve"/);
    } finally {
      await first.stop();
    }
    const again = await startServe(dataDir, keyFile);
    await again.stop();
    expect(again.setupToken).toBeUndefined();
    expect(again.stdout()).not.toMatch(/Setup token/);
  });
});
