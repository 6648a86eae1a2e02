import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintel, startDevice } from '../../test/helpers/lintel-process.js';
import { ServiceRelayClient } from './relay-client.js';

/** `lintel relay` as an operator runs it (the built CLI, a real process). */

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-relay-cli-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runRelay(extra: string[] = []) {
  const relay = startDevice(['relay', '--data-dir', dir, '--port', '0', ...extra], 'lintel relay');
  await relay.waitFor(/^Press Ctrl-C to stop\.$/m);
  const out = relay.stdout();
  return {
    relay,
    out,
    url: /^Lintel relay: (\S+)$/m.exec(out)![1]!,
    fingerprint: /^TLS certificate SHA-256: (\S+)$/m.exec(out)![1]!,
    secret: /^Service secret: (\S+)$/m.exec(out)?.[1],
  };
}

describe('lintel relay', () => {
  it('prints the service secret at the first start only, and it works', async () => {
    const first = await runRelay();
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new ServiceRelayClient({
      url: first.url,
      fingerprint: first.fingerprint,
      secret: first.secret!,
    });
    expect(await client.enrolments(0)).toEqual([]);
    expect(await first.relay.stop()).toBe(0);
    expect(first.relay.stderr()).not.toContain(first.secret);

    const second = await runRelay();
    expect(second.secret).toBeUndefined();
    expect(second.out).not.toContain(first.secret);
    expect(second.fingerprint).toBe(first.fingerprint);
    const again = new ServiceRelayClient({
      url: second.url,
      fingerprint: second.fingerprint,
      secret: first.secret!,
    });
    expect(await again.deliveries(0)).toEqual([]);
    expect(await second.relay.stop()).toBe(0);
    for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
      if (f.isFile())
        expect(fs.readFileSync(path.join(f.parentPath, f.name)).includes(first.secret!)).toBe(false);
  });

  it('says what is missing', () => {
    const r = lintel(['relay', '--data-dir', dir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--port/);
  });
});
