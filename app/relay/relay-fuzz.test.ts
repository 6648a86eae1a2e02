import { createECDH, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { hashRelaySecret, makeRelaySecret } from './relay-api.js';
import { PhoneRelayClient, ServiceRelayClient } from './relay-client.js';
import { startRelay, type RunningRelay } from './relay-server.js';
import { rawRequest } from './relay-test-helpers.js';

/**
 * Fuzzing the relay's JSON bodies against the running server: arbitrary JSON, and near-misses of valid
 * bodies (a field dropped, changed to another JSON value, or an extra field). Whatever arrives, the
 * answer is never a 500, and a refused request leaves the store exactly as it was.
 */

let dir: string;
let relay: RunningRelay;
let secret: string;
let phoneId: string;
let phoneSecret: string;

function devicePublicKey(): string {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey('hex', 'uncompressed');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-relay-fuzz-'));
  // Enrolment is rate limited per address; the fuzzer sends thousands from one.
  relay = await startRelay({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    log: silentLogger(),
    enrolLimit: { max: 1e9, windowMs: 60_000 },
  });
  secret = relay.serviceSecret!;
  const code = makeRelaySecret();
  const service = new ServiceRelayClient({ url: relay.url, fingerprint: relay.fingerprint, secret });
  await service.postInvitation({
    invitationId: 'inv',
    codeHash: hashRelaySecret(code),
    expiresAt: Date.now() + 3_600_000,
  });
  const phone = await PhoneRelayClient.enrol({
    url: relay.url,
    fingerprint: relay.fingerprint,
    code,
    devicePublicKey: devicePublicKey(),
    label: 'fuzz',
  });
  phoneId = phone.phoneId;
  phoneSecret = phone.secret;
});

afterAll(async () => {
  await relay.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Variations of a valid body: itself, a field dropped, a field replaced by any JSON value, a field added. */
function nearMissBodies(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(valid).filter(([x]) => x !== k))),
    fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v })),
    fc
      .tuple(fc.constantFrom(...keys), fc.string({ maxLength: 80 }))
      .map(([k, v]) => ({ ...valid, [k]: `${String(valid[k])}${v}` })),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue())
      .map(([k, v]) => ({ ...valid, [k]: v })),
  );
}

interface Endpoint {
  name: string;
  method: string;
  path: () => string;
  bearer: () => string | undefined;
  valid: () => Record<string, unknown>;
}

const endpoints: Endpoint[] = [
  {
    name: 'POST /v1/invitations',
    method: 'POST',
    path: () => '/v1/invitations',
    bearer: () => secret,
    valid: () => ({
      invitationId: 'inv-x',
      codeHash: hashRelaySecret(makeRelaySecret()),
      expiresAt: Date.now() + 60_000,
    }),
  },
  {
    name: 'POST /v1/phones/:phoneId/tokens',
    method: 'POST',
    path: () => `/v1/phones/${phoneId}/tokens`,
    bearer: () => secret,
    valid: () => ({
      tokenId: randomBytes(16).toString('hex'),
      token: randomBytes(40).toString('base64url'),
      expiresAt: Date.now() + 60_000,
    }),
  },
  {
    name: 'POST /v1/enrol',
    method: 'POST',
    path: () => '/v1/enrol',
    bearer: () => undefined,
    // A valid body with an unknown code: refused (404), so it must change nothing either.
    valid: () => ({ code: makeRelaySecret(), devicePublicKey: devicePublicKey(), label: 'phone' }),
  },
  {
    name: 'POST /v1/tokens/ack',
    method: 'POST',
    path: () => '/v1/tokens/ack',
    bearer: () => phoneSecret,
    valid: () => ({ tokenIds: [randomBytes(16).toString('hex')] }),
  },
];

describe('relay: fuzzed JSON bodies against the running server', () => {
  it.each(endpoints)('$name: never a 500, and a refused body changes nothing', async (endpoint) => {
    const valid = endpoint.valid();
    await fc.assert(
      fc.asyncProperty(nearMissBodies(valid), fc.boolean(), async (body, asText) => {
        const before = relay.store.snapshot();
        const waitingBefore = relay.waitingCount();
        const bearer = endpoint.bearer();
        // Sometimes the JSON text itself is mangled: cut short.
        const text = asText ? JSON.stringify(body).slice(0, -1) : JSON.stringify(body);
        const reply = await rawRequest(
          { url: relay.url, dataDir: dir },
          endpoint.method,
          endpoint.path(),
          text ?? 'null',
          {
            ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
          },
        );
        expect(reply.status).toBeLessThan(500);
        expect(reply.json).toBeTypeOf('object');
        if (reply.status >= 400) {
          expect(reply.json.error.status).toBe(reply.status);
          expect(reply.json.error.message).toBeTypeOf('string');
          expect(relay.store.snapshot()).toBe(before);
          expect(relay.waitingCount()).toBe(waitingBefore);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 500 to odd paths, methods and queries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
        fc.oneof(
          fc.constantFrom(
            '/v1/enrolments?after=',
            '/v1/deliveries?after=',
            '/v1/phones/',
            '/v1/tokens',
            '/v1/',
          ),
          fc.string({ maxLength: 20 }).map((s) => `/${encodeURIComponent(s)}`),
        ),
        fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x21-\x7e]/g, '').replace(/#/g, '')),
        fc.boolean(),
        async (method, prefix, rest, auth) => {
          const before = relay.store.snapshot();
          const reply = await rawRequest(
            { url: relay.url, dataDir: dir },
            method,
            `${prefix}${rest}`,
            undefined,
            {
              ...(auth ? { Authorization: `Bearer ${secret}` } : {}),
            },
          );
          expect(reply.status).toBeLessThan(500);
          if (reply.status >= 400) expect(relay.store.snapshot()).toBe(before);
        },
      ),
      { numRuns: 200 },
    );
  });
});
