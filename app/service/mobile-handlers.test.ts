import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import { ErrorCode } from '../contract/errors.js';
import type { MobileChange, MobileKey, MobilePhone, RelayStatus } from '../contract/methods/mobile.js';
import type { Key } from '../contract/methods/users.js';
import { newDeviceKey } from '../mobile/device-key.js';
import { groupKeyIdOf, newX25519Pair, unwrapGroupKey } from '../mobile/group-key.js';
import { openToken } from '../mobile/token.js';
import { saveOfflineLockPublicKey, wrappedGroupKeyFor } from '../store/mobile-repo.js';
import { MemoryHidBus } from '../ncoder/hid-memory.js';
import { NcoderSimulator } from '../ncoder/ncoder-simulator.js';
import { PhoneRelayClient } from '../relay/relay-client.js';
import { startRelay, type RunningRelay } from '../relay/relay-server.js';
import type { Caller } from '../rpc/context.js';
import { silentLogger } from '../log.js';
import type { LiveEvent } from './event-bus.js';

/**
 * Mobile keys through the whole Service side: a real relay on loopback (its HTTPS, its pinned
 * certificate), phones enrolling with the relay's phone client, and the NCoder simulator sealing.
 */

let f: ServiceFixture;
let relay: RunningRelay;
let relayDir: string;
let serviceSecret: string;
let bus: MemoryHidBus;
let sim: NcoderSimulator;
let plugged: string;
let changes: MobileChange[];

const admin = (): Caller => f.callerOf(f.admin.token)!;
const call = (method: string, params: unknown = {}, caller: Caller = admin()) =>
  f.call(method, params, { caller });

async function startTheRelay(): Promise<RunningRelay> {
  return startRelay({
    dataDir: relayDir,
    host: '127.0.0.1',
    port: 0,
    log: silentLogger(),
    // The relay judges invitation and token expiry on the Service's (test) clock.
    now: () => f.now().getTime(),
  });
}

async function setRelay(): Promise<RelayStatus> {
  return ok<RelayStatus>(
    await call('mobile.relay.set', { url: relay.url, fingerprint: relay.fingerprint, secret: serviceSecret }),
  );
}

async function pairEncoder(): Promise<void> {
  await f.service.encoder!.whenState('unpaired', 5_000);
  ok(await call('encoder.pair'));
  await f.service.encoder!.whenState('ready', 5_000);
}

/** A user with a zone right; `zone` names (and makes) the zone. */
async function user(lastName: string, zone = 'Lab'): Promise<number> {
  const zoneId = ok<{ id: number }>(await call('zones.create', { name: zone })).id;
  ok(await call('doors.create', { name: `${zone} door`, kind: 'online', zoneIds: [zoneId] }));
  const period = ok<{ id: number }>(
    await call('timePeriods.create', { name: `${zone} hours`, rules: { mon: [{ start: 480, end: 1080 }] } }),
  ).id;
  const level = ok<{ id: number }>(
    await call('accessLevels.create', { name: `${zone} staff`, rights: [{ zoneId, periodId: period }] }),
  ).id;
  return ok<{ id: number }>(await call('users.create', { lastName, accessLevelIds: [level] })).id;
}

/** Invites a phone for the user and enrols it at the relay as the phone app would. */
async function enrolPhone(userId: number, label = 'Ada’s phone') {
  const invite = ok<{ invitationId: string; code: string; relayUrl: string; fingerprint: string }>(
    await call('mobile.phones.invite', { userId }),
  );
  const device = newDeviceKey();
  const enrolled = await PhoneRelayClient.enrol({
    url: invite.relayUrl,
    fingerprint: invite.fingerprint,
    code: invite.code,
    devicePublicKey: device.publicKey.toString('hex'),
    label,
  });
  expect(await f.service.mobileRelay.pollOnce()).toBe(true);
  return { ...enrolled, device, invite };
}

const phones = async (userId: number, caller?: Caller) =>
  ok<{ phones: MobilePhone[]; invitations: unknown[] }>(await call('mobile.phones.list', { userId }, caller));
const mobileKeys = async (userId?: number, caller?: Caller) =>
  ok<{ keys: MobileKey[] }>(await call('mobile.keys.list', userId === undefined ? {} : { userId }, caller))
    .keys;
const auditActions = () =>
  (f.site.db.prepare('SELECT action FROM audit_log ORDER BY seq').pluck().all() as string[]).filter((a) =>
    a.startsWith('mobile.'),
  );

beforeEach(async () => {
  bus = new MemoryHidBus();
  sim = new NcoderSimulator({ serial: 'NC-MOBILE01' });
  plugged = bus.plug(sim.descriptor, (end) => sim.connect(end));
  f = await serviceFixture({ hid: bus });
  relayDir = tempDir('lintel-relay-');
  relay = await startTheRelay();
  serviceSecret = relay.serviceSecret!;
  changes = [];
  f.service.events.subscribe(
    () => ({ permissions: new Set(['users:read']), sessionHash: Buffer.alloc(32) }),
    (e: LiveEvent) => {
      if (e.topic === 'mobile.changed') changes.push(e.payload as MobileChange);
    },
  );
});
afterEach(async () => {
  await f.close();
  await relay.close();
});

describe('the relay settings', () => {
  it('are checked against the relay before they are kept, and never show the secret', async () => {
    expect(ok<RelayStatus>(await call('mobile.relay.get'))).toMatchObject({ configured: false, url: null });
    const wrongPin = failure(
      await call('mobile.relay.set', { url: relay.url, fingerprint: 'AB'.repeat(32), secret: serviceSecret }),
    );
    expect(wrongPin).toMatchObject({ code: ErrorCode.UNAVAILABLE, data: { reason: 'relay' } });
    expect(wrongPin.message).toMatch(/nothing was changed.*refusing to talk to it/);
    const wrongSecret = failure(
      await call('mobile.relay.set', {
        url: relay.url,
        fingerprint: relay.fingerprint,
        secret: 'A'.repeat(43),
      }),
    );
    expect(wrongSecret.message).toMatch(/Bearer <service secret>/);
    expect(ok<RelayStatus>(await call('mobile.relay.get')).configured).toBe(false);

    const status = await setRelay();
    expect(status).toMatchObject({
      configured: true,
      url: relay.url,
      fingerprint: relay.fingerprint,
      lastContactAt: f.now().toISOString(),
      lastError: null,
    });
    expect(JSON.stringify(status)).not.toContain(serviceSecret);
    const audit = f.site.db
      .prepare("SELECT detail FROM audit_log WHERE action = 'mobile.relay.set'")
      .pluck()
      .all() as string[];
    expect(audit.join()).not.toContain(serviceSecret);
    expect(changes).toContainEqual({ what: 'relay', userId: null });
  });

  it('need settings:admin to change, and the relay URL must be https', async () => {
    const role = ok<{ id: number }>(
      await call('roles.create', {
        name: 'Keys desk',
        permissions: ['keys:encode', 'users:read'],
        partition: null,
      }),
    );
    await f.addOperator('desk', [role.id]);
    const desk = f.callerOf((await f.login('desk')).token)!;
    const p = { url: relay.url, fingerprint: relay.fingerprint, secret: serviceSecret };
    expect(failure(await call('mobile.relay.set', p, desk)).code).toBe(ErrorCode.FORBIDDEN);
    expect(
      failure(await call('mobile.relay.set', { ...p, url: relay.url.replace('https', 'http') })).code,
    ).toBe(ErrorCode.INVALID_PARAMS);
  });
});

describe('phones', () => {
  beforeEach(async () => {
    await setRelay();
  });

  it('enrol with an invitation and are listed for their user', async () => {
    const userId = await user('Lovelace');
    const before = await phones(userId);
    expect(before.phones).toEqual([]);
    const { phoneId, invite } = await enrolPhone(userId, 'Pixel 9');
    expect(invite.relayUrl).toBe(relay.url);
    const after = await phones(userId);
    expect(after.phones).toEqual([
      { phoneId, userId, label: 'Pixel 9', enrolledAt: expect.any(String), activeKeys: 0 },
    ]);
    // The invitation is used up.
    expect(after.invitations).toEqual([]);
    expect(changes).toContainEqual({ what: 'phones', userId });
    expect(auditActions()).toEqual(['mobile.relay.set', 'mobile.phones.invite']);
    const detail = f.site.db
      .prepare("SELECT detail FROM audit_log WHERE action = 'mobile.phones.invite'")
      .pluck()
      .get() as string;
    expect(detail).not.toContain(invite.code);

    // Polling again changes nothing (each enrolment is read once).
    expect(await f.service.mobileRelay.pollOnce()).toBe(true);
    expect((await phones(userId)).phones).toHaveLength(1);
  });

  it('are removed: the relay forgets them', async () => {
    const userId = await user('Lovelace');
    const { phoneId, client } = await enrolPhone(userId);
    expect(ok(await call('mobile.phones.remove', { phoneId }))).toEqual({ revoked: [] });
    expect((await phones(userId)).phones).toEqual([]);
    await expect(client.fetch()).rejects.toThrow(/enrol again/);
    expect(failure(await call('mobile.phones.remove', { phoneId })).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('cannot be invited without a relay', async () => {
    f.site.db.prepare('DELETE FROM relay_config').run();
    const userId = await user('Lovelace');
    const e = failure(await call('mobile.phones.invite', { userId }));
    expect(e).toMatchObject({ code: ErrorCode.UNAVAILABLE, data: { reason: 'relay' } });
    expect(e.message).toMatch(/set one first/);
  });
});

describe('the relay going away', () => {
  it('is recorded, retried, and never crashes the poller', async () => {
    await setRelay();
    const userId = await user('Lovelace');
    const port = relay.port;
    await relay.close();
    expect(await f.service.mobileRelay.pollOnce()).toBe(false);
    const down = ok<RelayStatus>(await call('mobile.relay.get'));
    expect(down.lastError).toMatch(/cannot reach the relay/);
    expect(down.lastErrorAt).toBe(f.now().toISOString());
    expect(changes).toContainEqual({ what: 'relay', userId: null });
    const e = failure(await call('mobile.phones.invite', { userId }));
    expect(e).toMatchObject({ code: ErrorCode.UNAVAILABLE, data: { reason: 'relay' } });
    expect(e.message).toMatch(/could not be used: cannot reach the relay/);

    // Back on the same port (its certificate and secret kept in its data folder): the next poll clears it.
    relay = await startRelay({
      dataDir: relayDir,
      host: '127.0.0.1',
      port,
      log: silentLogger(),
      now: () => f.now().getTime(),
    });
    expect(await f.service.mobileRelay.pollOnce()).toBe(true);
    expect(ok<RelayStatus>(await call('mobile.relay.get')).lastError).toBeNull();
  });
});

describe('a relay whose service secret was replaced', () => {
  it('shows the refusal until the new secret is set', async () => {
    await setRelay();
    const port = relay.port;
    await relay.close();
    relay = await startRelay({
      dataDir: relayDir,
      host: '127.0.0.1',
      port,
      log: silentLogger(),
      now: () => f.now().getTime(),
      newServiceSecret: true,
    });
    expect(await f.service.mobileRelay.pollOnce()).toBe(false);
    expect(ok<RelayStatus>(await call('mobile.relay.get')).lastError).toMatch(/Bearer <service secret>/);
    serviceSecret = relay.serviceSecret!;
    expect((await setRelay()).lastError).toBeNull();
    expect(await f.service.mobileRelay.pollOnce()).toBe(true);
  });
});

describe('mobile keys without the NCoder', () => {
  it('are refused saying to connect the encoder, and nothing is issued', async () => {
    await setRelay();
    const userId = await user('Lovelace');
    const { phoneId } = await enrolPhone(userId);
    bus.unplug(plugged);
    await f.service.encoder!.whenState('absent', 5_000);
    const e = failure(await call('mobile.keys.issue', { userId, phoneId }));
    expect(e).toMatchObject({ code: ErrorCode.ENCODER_UNAVAILABLE, data: { reason: 'absent' } });
    expect(e.message).toMatch(/connect the encoder/);
    expect(f.site.db.prepare('SELECT count(*) FROM credential').pluck().get()).toBe(0);
  });
});

/** An offline lock on a new door that reported its X25519 identity to the PPD. */
function offlineLockWithIdentity(name: string) {
  const id = Number(
    f.site.db
      .prepare("INSERT INTO door (name, kind, created_at, updated_at) VALUES (?, 'offline', 'a', 'a')")
      .run(name).lastInsertRowid,
  );
  f.site.db.prepare("INSERT INTO offline_lock (door_id, updated_at) VALUES (?, 'a')").run(id);
  const identity = newX25519Pair();
  saveOfflineLockPublicKey(f.site.db, id, identity.publicKey.toString('hex'));
  return { doorId: id, identity };
}

describe('mobile keys', () => {
  let userId: number;
  let phone: Awaited<ReturnType<typeof enrolPhone>>;

  beforeEach(async () => {
    await setRelay();
    await pairEncoder();
    userId = await user('Lovelace');
    phone = await enrolPhone(userId);
  });

  it('are sealed by the NCoder for the phone, fetched through the relay, and reported delivered', async () => {
    const lock = offlineLockWithIdentity('Store');
    const issued = ok<{ credentialId: number; state: string }>(
      await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }),
    );
    expect(issued.state).toBe('sent');
    expect(relay.waitingCount()).toBe(1);

    // The lock got the group key wrapped for it, and the token opens with that key: the Service never had it.
    const group = wrappedGroupKeyFor(f.site.db, lock.doorId)!;
    const groupKey = unwrapGroupKey(Buffer.from(group.wrapped, 'hex'), lock.identity)!;
    expect(groupKeyIdOf(groupKey).toString('hex')).toBe(group.groupKeyId);
    const fetched = await phone.client.fetch();
    expect(fetched.tokens).toHaveLength(1);
    const opened = openToken(groupKey, fetched.tokens[0]!.token);
    expect(opened.access).toMatchObject({ credentialId: issued.credentialId, userId });
    expect(opened.access.rights).toHaveLength(1);
    expect(opened.header.devicePublicKey.equals(phone.device.publicKey)).toBe(true);

    // A key like any other: listed with the keys, a mobile credential with a 7-byte UID.
    const asKey = ok<{ items: Key[] }>(await call('keys.list', { userId })).items;
    expect(asKey).toEqual([expect.objectContaining({ id: issued.credentialId, status: 'issued' })]);
    expect(asKey[0]!.uid).toMatch(/^[0-9A-F]{14}$/);
    expect(
      f.site.db.prepare('SELECT medium FROM credential WHERE id = ?').pluck().get(issued.credentialId),
    ).toBe('mobile');

    expect((await mobileKeys(userId))[0]).toMatchObject({ state: 'sent', deliveredAt: null });
    await phone.client.ack([fetched.tokens[0]!.tokenId]);
    expect(await f.service.mobileRelay.pollOnce()).toBe(true);
    expect(await mobileKeys(userId)).toEqual([
      expect.objectContaining({
        credentialId: issued.credentialId,
        userId,
        phoneId: phone.phoneId,
        phoneLabel: 'Ada’s phone',
        state: 'delivered',
        deliveredAt: expect.any(String),
        revokedAt: null,
      }),
    ]);
    expect(changes).toContainEqual({ what: 'keys', userId });
    expect((await phones(userId)).phones[0]!.activeKeys).toBe(1);
    expect(auditActions()).toContain('mobile.keys.issue');
  });

  it('are revoked: cancelled onto the blacklist, and the phone told to delete the token', async () => {
    const { credentialId } = ok<{ credentialId: number }>(
      await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }),
    );
    const { tokens } = await phone.client.fetch();
    await phone.client.ack(tokens.map((t) => t.tokenId));
    expect(ok(await call('mobile.keys.revoke', { credentialId }))).toEqual({
      credentialId,
      state: 'revoked',
    });
    const key = ok<{ items: Key[] }>(await call('keys.list', { userId })).items[0]!;
    expect(key).toMatchObject({ status: 'cancelled', blacklistSeq: expect.any(Number) });
    expect((await phone.client.fetch()).revoked).toEqual([tokens[0]!.tokenId]);
    expect((await mobileKeys(userId))[0]).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });
    expect(auditActions()).toEqual(expect.arrayContaining(['mobile.keys.revoke']));
    expect(
      f.site.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'keys.cancel'").pluck().get(),
    ).toBe(1);
    expect(failure(await call('mobile.keys.revoke', { credentialId })).code).toBe(ErrorCode.CONFLICT);
    expect(failure(await call('mobile.keys.resend', { credentialId })).code).toBe(ErrorCode.CONFLICT);
  });

  it('cancelled as keys (keys.cancel) are revoked at the relay by the poller', async () => {
    const { credentialId } = ok<{ credentialId: number }>(
      await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }),
    );
    const { tokens } = await phone.client.fetch();
    ok(await call('keys.cancel', { id: credentialId, version: 0 }));
    expect(await f.service.mobileRelay.pollOnce()).toBe(true);
    expect((await mobileKeys(userId))[0]!.state).toBe('revoked');
    expect((await phone.client.fetch()).revoked).toEqual([tokens[0]!.tokenId]);
  });

  it('are resent with a new token; the phone is told to drop the old one', async () => {
    const { credentialId } = ok<{ credentialId: number }>(
      await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }),
    );
    const first = (await phone.client.fetch()).tokens[0]!;
    await phone.client.ack([first.tokenId]);
    expect(ok(await call('mobile.keys.resend', { credentialId }))).toEqual({ credentialId, state: 'sent' });
    const again = await phone.client.fetch();
    expect(again.tokens).toHaveLength(1);
    expect(again.tokens[0]!.tokenId).not.toBe(first.tokenId);
    expect(again.revoked).toEqual([first.tokenId]);
    expect(auditActions()).toContain('mobile.keys.resend');
  });

  it('issued while the relay is down are kept as lost, and resent once it is back', async () => {
    const port = relay.port;
    await relay.close();
    const issued = ok<{ credentialId: number; state: string }>(
      await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }),
    );
    expect(issued.state).toBe('lost');
    expect(ok<RelayStatus>(await call('mobile.relay.get')).lastError).toMatch(/cannot reach the relay/);
    relay = await startRelay({
      dataDir: relayDir,
      host: '127.0.0.1',
      port,
      log: silentLogger(),
      now: () => f.now().getTime(),
    });
    ok(await call('mobile.keys.resend', { credentialId: issued.credentialId }));
    expect((await phone.client.fetch()).tokens).toHaveLength(1);
  });

  it('of a removed phone are revoked with it', async () => {
    const { credentialId } = ok<{ credentialId: number }>(
      await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }),
    );
    expect(ok(await call('mobile.phones.remove', { phoneId: phone.phoneId }))).toEqual({
      revoked: [credentialId],
    });
    expect((await mobileKeys(userId))[0]).toMatchObject({ state: 'revoked', phoneLabel: null });
  });

  it('reach locks that appear after the issue: the poller wraps the group key for them', async () => {
    const before = offlineLockWithIdentity('Store');
    ok(await call('mobile.keys.issue', { userId, phoneId: phone.phoneId }));
    const { groupKeyId } = wrappedGroupKeyFor(f.site.db, before.doorId)!;
    const later = offlineLockWithIdentity('Shed');
    expect(wrappedGroupKeyFor(f.site.db, later.doorId)).toBeNull();
    expect(await f.service.mobileRelay.pollOnce()).toBe(true);
    const wrapped = wrappedGroupKeyFor(f.site.db, later.doorId)!;
    expect(wrapped.groupKeyId).toBe(groupKeyId);
    expect(
      groupKeyIdOf(unwrapGroupKey(Buffer.from(wrapped.wrapped, 'hex'), later.identity)!).toString('hex'),
    ).toBe(groupKeyId);
  });

  it('are refused for a phone of another user', async () => {
    const other = await user('Babbage', 'Workshop');
    expect(failure(await call('mobile.keys.issue', { userId: other, phoneId: phone.phoneId })).code).toBe(
      ErrorCode.NOT_FOUND,
    );
  });
});

describe('partitions', () => {
  it('hide the phones and keys of users outside the caller’s partition', async () => {
    await setRelay();
    const inside = await user('Insider', 'Tenant floor');
    const outside = await user('Outsider', 'Lobby');
    const tenantZone = f.site.db.prepare("SELECT id FROM zone WHERE name = 'Tenant floor'").pluck().get();
    const role = ok<{ id: number }>(
      await call('roles.create', {
        name: 'Tenant desk',
        permissions: ['users:read', 'keys:encode'],
        partition: { zoneIds: [tenantZone], doorIds: [] },
      }),
    );
    await f.addOperator('tenant', [role.id]);
    const tenant = f.callerOf((await f.login('tenant')).token)!;
    const { phoneId: outsidePhone } = await enrolPhone(outside);
    ok(await call('mobile.phones.invite', { userId: inside }, tenant));
    for (const [method, params] of [
      ['mobile.phones.invite', { userId: outside }],
      ['mobile.phones.list', { userId: outside }],
      ['mobile.phones.remove', { phoneId: outsidePhone }],
      ['mobile.keys.issue', { userId: outside, phoneId: outsidePhone }],
    ] as const)
      expect(failure(await call(method, params, tenant)).code, method).toBe(ErrorCode.NOT_FOUND);
    expect((await phones(outside)).phones).toHaveLength(1);

    // Their keys: not listed, and revoking or resending one answers as for a key that does not exist.
    await pairEncoder();
    const { credentialId } = ok<{ credentialId: number }>(
      await call('mobile.keys.issue', { userId: outside, phoneId: outsidePhone }),
    );
    expect(await mobileKeys(undefined, tenant)).toEqual([]);
    expect(await mobileKeys(undefined)).toHaveLength(1);
    for (const method of ['mobile.keys.revoke', 'mobile.keys.resend'])
      expect(failure(await call(method, { credentialId }, tenant)).code, method).toBe(ErrorCode.NOT_FOUND);
    expect((await mobileKeys(outside))[0]!.state).toBe('sent');
  });
});
