import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstAdmin, request, rpc, startServe } from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';

describe('service logs', () => {
  it('are structured JSON with module-prefixed messages and never carry a secret, even at debug level', async () => {
    const root = tempDir();
    const server = await startServe(path.join(root, 'data'), path.join(root, 'keys', 'k.key'), [], {
      LINTEL_LOG_LEVEL: 'debug',
    });
    try {
      const password = 'correct horse battery staple';
      const { token, auth } = await firstAdmin(server, 'admin', password);
      await rpc(server, 'session.login', { username: 'admin', password: 'a wrong password' });
      await rpc(server, 'site.get', {}, auth);
      await request(server, '/rpc', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"broken',
      });
      await new Promise((r) => setTimeout(r, 200));
      const lines = server
        .stderr()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; level: number });
      expect(lines.length).toBeGreaterThan(5); // debug lines for each request are there
      for (const line of lines) expect(line.msg).toMatch(/^[a-z-]+: /);
      const text = server.stderr();
      for (const secret of [password, 'a wrong password', token, server.setupToken!])
        expect(text).not.toContain(secret);
    } finally {
      await server.stop();
    }
  });
});
