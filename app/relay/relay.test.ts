import { createECDH, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../log.js';
import { generate } from '../server/tls.js';
import { hashRelaySecret, makeRelaySecret, normaliseFingerprint } from './relay-api.js';
import { PhoneRelayClient, RelayError, ServiceRelayClient } from './relay-client.js';
import { startRelay, type RunningRelay } from './relay-server.js';
import { rawRequest } from './relay-test-helpers.js';

/** A phone's device public key (P-256, uncompressed), as the phone sim makes it. */
function devicePublicKey(): string {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey('hex', 'uncompressed');
}

let dir: string;
let clock: number;
let relay: RunningRelay;
let serviceSecret: string;

const T0 = Date.UTC(2026, 11, 6, 12);

async function start(extra: Partial<Parameters<typeof startRelay>[0]> = {}): Promise<RunningRelay> {
  return startRelay({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    log: silentLogger(),
    now: () => clock,
    ...extra,
  });
}

function service(secret = serviceSecret, fingerprint = relay.fingerprint): ServiceRelayClient {
  return new ServiceRelayClient({ url: relay.url, fingerprint, secret });
}

/** Invites and enrols a phone; returns its client. */
async function enrolPhone(label = 'Ann’s phone') {
  const code = makeRelaySecret();
  const invitationId = `inv-${randomBytes(6).toString('hex')}`;
  await service().postInvitation({
    invitationId,
    codeHash: hashRelaySecret(code),
    expiresAt: clock + 3_600_000,
  });
  const key = devicePublicKey();
  const enrolled = await PhoneRelayClient.enrol({
    url: relay.url,
    fingerprint: relay.fingerprint,
    code,
    devicePublicKey: key,
    label,
  });
  return { ...enrolled, code, invitationId, key };
}

function raw(...args: Parameters<typeof rawRequest> extends [unknown, ...infer R] ? R : never) {
  return rawRequest({ url: relay.url, dataDir: dir }, ...args);
}

function tokenId(): string {
  return randomBytes(16).toString('hex');
}

async function refusal(p: Promise<unknown>): Promise<RelayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError);
    return err as RelayError;
  }
  throw new Error('expected the relay to refuse');
}

/** Every file under the data folder (database, its WAL, the TLS files). */
function dataFiles(): Buffer[] {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function onDisk(needle: string | Buffer): boolean {
  const b = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
  return dataFiles().some((f) => f.includes(b));
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-relay-'));
  clock = T0;
  relay = await start();
  serviceSecret = relay.serviceSecret!;
});

afterEach(async () => {
  await relay.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('relay: the whole path over real HTTPS', () => {
  it('enrols a phone, carries a token to it, reports it delivered and never writes the token to disk', async () => {
    const phone = await enrolPhone();
    const enrolments = await service().enrolments(0);
    expect(enrolments).toEqual([
      {
        seq: 1,
        invitationId: phone.invitationId,
        phoneId: phone.phoneId,
        devicePublicKey: phone.key,
        label: 'Ann’s phone',
        at: T0,
      },
    ]);
    expect(await service().enrolments(1)).toEqual([]);

    const token = randomBytes(300);
    const id = tokenId();
    await service().postToken(phone.phoneId, { tokenId: id, token, expiresAt: clock + 86_400_000 });
    expect(relay.waitingCount()).toBe(1);
    const fetched = await phone.client.fetch();
    expect(fetched.revoked).toEqual([]);
    expect(fetched.tokens).toHaveLength(1);
    expect(fetched.tokens[0]!.tokenId).toBe(id);
    expect(Buffer.compare(fetched.tokens[0]!.token, token)).toBe(0);
    expect(await service().deliveries(0)).toEqual([]); // fetched is not delivered: the phone must ack
    expect(await phone.client.ack([id])).toBe(1);
    expect(await service().deliveries(0)).toEqual([
      { seq: 1, tokenId: id, phoneId: phone.phoneId, state: 'delivered', at: T0 },
    ]);
    expect(relay.waitingCount()).toBe(0);
    expect((await phone.client.fetch()).tokens).toEqual([]);

    relay.store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(onDisk(token)).toBe(false);
    expect(onDisk(token.toString('base64url'))).toBe(false);
    expect(onDisk(token.toString('hex'))).toBe(false);
    // Nor are the secrets: only their hashes.
    expect(onDisk(phone.secret)).toBe(false);
    expect(onDisk(serviceSecret)).toBe(false);
    expect(onDisk(phone.code)).toBe(false);
    expect(onDisk(hashRelaySecret(phone.secret))).toBe(true);
  });

  it('logs what happened without a secret, a code or a token', async () => {
    await relay.close();
    let logged = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    relay = await start({ log: createLogger({ level: 'debug', destination }) });
    const phone = await enrolPhone();
    const token = randomBytes(120);
    const id = tokenId();
    await service().postToken(phone.phoneId, { tokenId: id, token, expiresAt: clock + 60_000 });
    await phone.client.fetch();
    await phone.client.ack([id]);
    await refusal(service(phone.secret).deliveries(0));
    expect(logged).toContain('relay: phone enrolled');
    expect(logged).toContain(id);
    for (const secret of [serviceSecret, phone.secret, phone.code, token.toString('base64url')])
      expect(logged).not.toContain(secret);
  });

  it('keeps its files private: database and private key 0600', () => {
    if (process.platform === 'win32') return;
    expect(fs.statSync(path.join(dir, 'relay.db')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
  });

  it('refuses a server whose certificate is not the pinned one, before sending the secret', async () => {
    const other = 'AB:'.repeat(31) + 'AB';
    const err = await refusal(service(serviceSecret, other).enrolments(0));
    expect(err.code).toBe('fingerprint-mismatch');
    expect(err.message).toContain(relay.fingerprint);
    expect(err.message).toContain(other);
    // The phone's enrolment is refused the same way.
    const enrol = PhoneRelayClient.enrol({
      url: relay.url,
      fingerprint: other,
      code: makeRelaySecret(),
      devicePublicKey: devicePublicKey(),
      label: 'x',
    });
    expect((await refusal(enrol)).code).toBe('fingerprint-mismatch');
    // The pin is accepted in any case, with or without colons.
    const bare = relay.fingerprint.replace(/:/g, '').toLowerCase();
    expect(normaliseFingerprint(bare)).toBe(relay.fingerprint);
    expect(await service(serviceSecret, bare).enrolments(0)).toEqual([]);
  });

  it('sends nothing to an impostor with another certificate', async () => {
    const impostorTls = await generate(new Date());
    let requests = 0;
    const impostor = https.createServer(impostorTls, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
      const client = new ServiceRelayClient({ url, fingerprint: relay.fingerprint, secret: serviceSecret });
      const err = await refusal(
        client.postInvitation({ invitationId: 'x', codeHash: 'a'.repeat(64), expiresAt: 1 }),
      );
      expect(err.code).toBe('fingerprint-mismatch');
      expect(err.message).toMatch(/refusing to talk to it/);
      expect(requests).toBe(0);
    } finally {
      impostor.closeAllConnections();
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  it('refuses a replayed, an expired and an unknown invitation code', async () => {
    const phone = await enrolPhone();
    const again = PhoneRelayClient.enrol({
      url: relay.url,
      fingerprint: relay.fingerprint,
      code: phone.code,
      devicePublicKey: devicePublicKey(),
      label: 'thief',
    });
    const used = await refusal(again);
    expect([used.status, used.code]).toEqual([409, 'invitation-used']);

    const code = makeRelaySecret();
    await service().postInvitation({
      invitationId: 'late',
      codeHash: hashRelaySecret(code),
      expiresAt: clock + 1000,
    });
    clock += 1000;
    const late = await refusal(
      PhoneRelayClient.enrol({
        url: relay.url,
        fingerprint: relay.fingerprint,
        code,
        devicePublicKey: devicePublicKey(),
        label: 'x',
      }),
    );
    expect([late.status, late.code]).toEqual([410, 'invitation-expired']);

    const unknown = await refusal(
      PhoneRelayClient.enrol({
        url: relay.url,
        fingerprint: relay.fingerprint,
        code: makeRelaySecret(),
        devicePublicKey: devicePublicKey(),
        label: 'x',
      }),
    );
    expect([unknown.status, unknown.code]).toEqual([404, 'not-found']);
    expect(await service().enrolments(0)).toHaveLength(1);
  });

  it('takes the same invitation twice (a retry) but not the same id with another code', async () => {
    const inv = {
      invitationId: 'inv-1',
      codeHash: hashRelaySecret(makeRelaySecret()),
      expiresAt: clock + 60_000,
    };
    await service().postInvitation(inv);
    await service().postInvitation(inv);
    const err = await refusal(
      service().postInvitation({ ...inv, codeHash: hashRelaySecret(makeRelaySecret()) }),
    );
    expect([err.status, err.code]).toEqual([409, 'conflict']);
  });

  it('never shows a phone another phone’s tokens, nor lets it acknowledge them', async () => {
    const ann = await enrolPhone('Ann');
    const bob = await enrolPhone('Bob');
    const id = tokenId();
    await service().postToken(ann.phoneId, {
      tokenId: id,
      token: randomBytes(100),
      expiresAt: clock + 60_000,
    });
    expect(await bob.client.fetch()).toEqual({ tokens: [], revoked: [] });
    expect(await bob.client.ack([id])).toBe(0);
    expect(await service().deliveries(0)).toEqual([]);
    expect((await ann.client.fetch()).tokens.map((t) => t.tokenId)).toEqual([id]);
    // Nor post a token id already waiting for another phone under another phone.
    const clash = await refusal(
      service().postToken(bob.phoneId, { tokenId: id, token: randomBytes(100), expiresAt: clock + 60_000 }),
    );
    expect([clash.status, clash.code]).toEqual([409, 'conflict']);
  });

  it('drops a revoked token that still waits and tells the phone to delete one it has', async () => {
    const phone = await enrolPhone();
    const waitingId = tokenId();
    const deliveredId = tokenId();
    await service().postToken(phone.phoneId, {
      tokenId: deliveredId,
      token: randomBytes(80),
      expiresAt: clock + 60_000,
    });
    await phone.client.ack([deliveredId]);
    await service().postToken(phone.phoneId, {
      tokenId: waitingId,
      token: randomBytes(80),
      expiresAt: clock + 60_000,
    });

    expect(await service().revokeToken(phone.phoneId, waitingId)).toEqual({ dropped: true });
    expect(await service().revokeToken(phone.phoneId, deliveredId)).toEqual({ dropped: false });
    const fetched = await phone.client.fetch();
    expect(fetched.tokens).toEqual([]);
    expect(fetched.revoked.sort()).toEqual([waitingId, deliveredId].sort());
    expect(await phone.client.ack(fetched.revoked)).toBe(2);
    expect((await phone.client.fetch()).revoked).toEqual([]);
    // The revoked token is not reported lost (the Service revoked it), and cannot be posted again.
    expect((await service().deliveries(0)).map((d) => [d.tokenId, d.state])).toEqual([
      [deliveredId, 'delivered'],
    ]);
    const again = await refusal(
      service().postToken(phone.phoneId, {
        tokenId: waitingId,
        token: randomBytes(80),
        expiresAt: clock + 60_000,
      }),
    );
    expect(again.status).toBe(409);
  });

  it('forgets a removed phone: its secret stops working', async () => {
    const phone = await enrolPhone();
    await service().postToken(phone.phoneId, {
      tokenId: tokenId(),
      token: randomBytes(80),
      expiresAt: clock + 60_000,
    });
    await service().removePhone(phone.phoneId);
    expect(relay.waitingCount()).toBe(0);
    expect((await refusal(phone.client.fetch())).status).toBe(401);
    expect((await refusal(service().removePhone(phone.phoneId))).status).toBe(404);
    const post = refusal(
      service().postToken(phone.phoneId, { tokenId: tokenId(), token: randomBytes(8), expiresAt: clock + 1 }),
    );
    expect((await post).status).toBe(404);
  });

  it('answers 401 without a bearer, with a wrong one, and with a phone’s secret for the Service', async () => {
    const phone = await enrolPhone();
    expect((await refusal(service(makeRelaySecret()).enrolments(0))).status).toBe(401);
    expect((await refusal(service(phone.secret).deliveries(0))).status).toBe(401);
    const asPhone = new PhoneRelayClient({
      url: relay.url,
      fingerprint: relay.fingerprint,
      secret: serviceSecret,
    });
    expect((await refusal(asPhone.fetch())).status).toBe(401);
    const none = await raw('GET', '/v1/enrolments');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
  });

  it('reports a token that expired while waiting as lost', async () => {
    const phone = await enrolPhone();
    const id = tokenId();
    await service().postToken(phone.phoneId, {
      tokenId: id,
      token: randomBytes(80),
      expiresAt: clock + 60_000,
    });
    clock += 60_000;
    expect((await phone.client.fetch()).tokens).toEqual([]);
    expect((await service().deliveries(0)).map((d) => [d.tokenId, d.state])).toEqual([[id, 'lost']]);
  });

  it('loses waiting tokens at a restart and tells the Service which', async () => {
    const phone = await enrolPhone();
    const lost = [tokenId(), tokenId()];
    const kept = tokenId();
    for (const id of [...lost, kept])
      await service().postToken(phone.phoneId, {
        tokenId: id,
        token: randomBytes(80),
        expiresAt: clock + 60_000,
      });
    await phone.client.ack([kept]);
    await relay.close();
    clock += 5000;
    relay = await start({ port: relay.port });
    expect(relay.serviceSecret).toBeUndefined(); // shown at first start only
    expect(relay.lostAtStart).toBe(2);
    expect((await phone.client.fetch()).tokens).toEqual([]);
    const deliveries = await service().deliveries(0);
    expect(deliveries.map((d) => [d.tokenId, d.state])).toEqual([
      [kept, 'delivered'],
      ...lost.map((id) => [id, 'lost']),
    ]);
    expect(deliveries.at(-1)!.at).toBe(T0 + 5000);
    // Only once: the next restart has nothing more to report.
    await relay.close();
    relay = await start();
    expect(relay.lostAtStart).toBe(0);
  });

  it('keeps its certificate across restarts (the pin stays valid) and makes a new service secret only when asked', async () => {
    const first = relay.fingerprint;
    await relay.close();
    relay = await start();
    expect(relay.fingerprint).toBe(first);
    expect(relay.serviceSecret).toBeUndefined();
    expect(await service().enrolments(0)).toEqual([]);
    await relay.close();
    relay = await start({ newServiceSecret: true });
    expect(relay.serviceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await refusal(service().enrolments(0))).status).toBe(401);
    expect(await service(relay.serviceSecret).enrolments(0)).toEqual([]);
  });

  it('limits enrolment attempts per address', async () => {
    const attempt = () =>
      PhoneRelayClient.enrol({
        url: relay.url,
        fingerprint: relay.fingerprint,
        code: makeRelaySecret(),
        devicePublicKey: devicePublicKey(),
        label: 'x',
      });
    for (let i = 0; i < 10; i++) expect((await refusal(attempt())).status).toBe(404);
    const limited = await refusal(attempt());
    expect([limited.status, limited.code]).toEqual([429, 'rate-limited']);
    clock += 60_000;
    expect((await refusal(attempt())).status).toBe(404);
  });

  it('explains what was wrong with a request', async () => {
    const big = await raw('POST', '/v1/enrol', 'x'.repeat(70_000));
    expect(big.status).toBe(413);
    const notJson = await raw('POST', '/v1/enrol', '{nope');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.message).toMatch(/not JSON/);
    const wrong = await raw('POST', '/v1/enrol', JSON.stringify({ code: 'short', label: '' }));
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'code',
      'devicePublicKey',
      'label',
    ]);
    const offCurve = await raw(
      'POST',
      '/v1/enrol',
      JSON.stringify({ code: makeRelaySecret(), devicePublicKey: `04${'11'.repeat(64)}`, label: 'x' }),
    );
    expect(offCurve.json.error.message).toMatch(/P-256/);
    const type = await raw('POST', '/v1/enrol', '{}', { 'Content-Type': 'text/plain' });
    expect(type.status).toBe(415);
    expect((await raw('GET', '/v2/nothing')).status).toBe(404);
    expect((await raw('PUT', '/v1/enrol')).status).toBe(405);
    const badAfter = await raw('GET', '/v1/deliveries?after=-1', undefined, {
      Authorization: `Bearer ${serviceSecret}`,
    });
    expect(badAfter.status).toBe(400);
  });
});
