import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { hashRelaySecret, makeRelaySecret } from '../relay/relay-api.js';
import { ServiceRelayClient } from '../relay/relay-client.js';
import { startRelay, type RunningRelay } from '../relay/relay-server.js';
import { newDeviceKey } from './device-key.js';
import { serveMobileOpenings } from './mobile-openings.js';
import { accessOf, cheapHasher, mobileLock, WED_11, WED_11_S } from './mobile-test-kit.js';
import { Phone, PhoneError } from './phone.js';
import { runPhoneLine } from './phone-cli.js';
import { sealToken, tokenAccessBytes } from './token.js';

/** The phone sim against a real relay (HTTPS, pinned) and a real lock on the BLE-like link. */

const GROUP = Buffer.alloc(32, 0x52);
let dir: string;
let relay: RunningRelay;
let service: ServiceRelayClient;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-phone-'));
  relay = await startRelay({
    dataDir: path.join(dir, 'relay'),
    host: '127.0.0.1',
    port: 0,
    log: silentLogger(),
  });
  closers.push(() => relay.close());
  service = new ServiceRelayClient({
    url: relay.url,
    fingerprint: relay.fingerprint,
    secret: relay.serviceSecret!,
  });
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function invite(): Promise<string> {
  const code = makeRelaySecret();
  await service.postInvitation({
    invitationId: `inv-${Math.random().toString(36).slice(2, 10)}`,
    codeHash: hashRelaySecret(code),
    expiresAt: Date.now() + 3_600_000,
  });
  return code;
}

function tokenForPhone(devicePublicKey: string, credentialId = 42) {
  const token = sealToken(GROUP, {
    notBefore: WED_11_S - 3600,
    notAfter: WED_11_S + 86_400,
    devicePublicKey: Buffer.from(devicePublicKey, 'hex'),
    accessData: tokenAccessBytes(accessOf(credentialId)),
    pinHash: null,
  });
  return { tokenId: token.subarray(12, 28).toString('hex'), token, expiresAt: Date.now() + 86_400_000 };
}

describe('the phone', () => {
  it('enrols, fetches its key, opens the lock, and deletes the key once revoked', async () => {
    const file = path.join(dir, 'phone.json');
    const phone = Phone.create(file, { label: 'Ann’s phone', now: () => WED_11 });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    const phoneId = await phone.enrol(relay.url, relay.fingerprint, await invite());
    const [enrolment] = await service.enrolments(0);
    expect(enrolment).toMatchObject({
      phoneId,
      devicePublicKey: phone.devicePublicKey,
      label: 'Ann’s phone',
    });

    const mine = tokenForPhone(phone.devicePublicKey);
    const stranger = tokenForPhone(newDeviceKey().publicKey.toString('hex'), 43);
    await service.postToken(phoneId, mine);
    await service.postToken(phoneId, stranger);
    expect(await phone.fetch()).toEqual({ added: [mine.tokenId], deleted: [], refused: [stranger.tokenId] });
    expect((await service.deliveries(0)).map((d) => [d.tokenId, d.state])).toEqual(
      expect.arrayContaining([[mine.tokenId, 'delivered']]),
    );

    // Restarted from its file, it still holds its key and device key.
    const again = Phone.open(file, { now: () => WED_11 });
    expect(again.devicePublicKey).toBe(phone.devicePublicKey);
    expect(again.keys().map((k) => k.tokenId)).toEqual([mine.tokenId]);

    const { lock, memory } = mobileLock(GROUP);
    const served = await serveMobileOpenings({ port: 0, lock, pins: cheapHasher });
    closers.push(() => served.close());
    expect(await runPhoneLine(again, `open 127.0.0.1:${served.port}`)).toBe('lock LK-TEST01: granted');
    expect(memory.state.audit.records.at(-1)).toMatchObject({ event: 'granted', credentialId: 42 });

    await service.revokeToken(phoneId, mine.tokenId);
    expect(await again.fetch()).toEqual({ added: [], deleted: [mine.tokenId], refused: [] });
    expect(await runPhoneLine(again, 'keys')).toBe('no keys on this phone');
    await expect(runPhoneLine(again, `open 127.0.0.1:${served.port}`)).rejects.toThrow(
      /no key on this phone/,
    );
  });

  it('says what to do first, and refuses a damaged state file', async () => {
    const phone = Phone.create(undefined);
    await expect(phone.fetch()).rejects.toThrow(PhoneError);
    await expect(runPhoneLine(phone, 'open nowhere')).rejects.toThrow(/HOST:PORT/);
    await expect(runPhoneLine(phone, 'enrol https://x')).rejects.toThrow(/enrol URL FINGERPRINT CODE/);
    await expect(runPhoneLine(phone, 'fly')).rejects.toThrow(/unknown command/);
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{"format":"lintel-phone/1"}');
    expect(() => Phone.open(file)).toThrow(/damaged/);
  });
});
