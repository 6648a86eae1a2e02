import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { tempDir } from '../../test/helpers/temp-site.js';
import { until } from '../../test/helpers/until.js';
import type { Device } from '../contract/methods/devices.js';
import type { RfLock } from '../contract/methods/rf.js';
import type { Permission } from '../contract/permissions.js';
import { DeviceStore } from '../devices/device-store.js';
import { decodeJson, encodeJson, EnrolReply, type RfLockStatus } from '../devices/protocol.js';
import { UpstreamClient } from '../devices/upstream.js';
import { generateKeyPair } from '../link/noise/suite.js';
import { LinkEndpoint } from '../link/udp-endpoint.js';
import { silentLogger } from '../log.js';
import { parseJoinCode } from '../rf/rf-messages.js';
import { joinKeySecret, RfLockRepo } from '../store/rf-lock-repo.js';
import type { LiveEvent } from './event-bus.js';
import { RfLockReport } from './rf-status-intake.js';

/**
 * What control units report of their RF locks, through the Service's real device link (UDP on
 * 127.0.0.1): a unit that synced its join key and reports the lock joined gets the key taken out of its
 * next sync; and the intake stays unmoved by reports that do not fit or are not the sender's.
 */

let f: ServiceFixture;
const call = async <T = Record<string, unknown>>(method: string, params: unknown) =>
  ok<T>(await f.call(method, params, { caller: f.callerOf(f.admin.token)! }));
const list = async () => (await call<{ locks: RfLock[] }>('rf.locks.list', {})).locks;

const EUI = '00124B0001A2B3C4';
let doorId = 0;

beforeAll(async () => {
  f = await serviceFixture({ link: true, siteName: 'RF status' });
  doorId = (await call<{ id: number }>('doors.create', { name: 'Store', kind: 'rf' })).id;
});
afterAll(() => f.close());

/** A control unit enrolled over the link, syncing with the shared client; `rfLocks` is what it reports. */
async function startUnit(code: string, rfLocks: () => RfLockStatus[]) {
  const staticKey = generateKeyPair();
  const endpoint = await LinkEndpoint.bind({ staticKey, peers: [], host: '127.0.0.1', port: 0 });
  const result = await endpoint.enrol({
    address: { address: '127.0.0.1', port: f.service.devices.port! },
    code,
    payload: encodeJson({ kind: 'control-unit', version: 'test-1' }),
    timeoutMs: 3_000,
    retryMs: 500,
  });
  const reply = decodeJson(EnrolReply, result.reply, 'enrol reply');
  const store = DeviceStore.open(tempDir(), randomBytes(32));
  const commands: unknown[] = [];
  const client = new UpstreamClient({
    endpoint,
    upstream: {
      host: '127.0.0.1',
      port: f.service.devices.port!,
      publicKey: result.peerPublicKey,
      psk: result.psk,
    },
    store,
    status: () => [
      store.ownStatus(
        {
          deviceId: reply.deviceId,
          kind: 'control-unit',
          version: 'test-1',
          clock: Date.now(),
          online: true,
        },
        { rfLocks: rfLocks() },
      ),
    ],
    log: silentLogger(),
    syncEveryMs: 600_000,
    statusEveryMs: 600_000,
    handlers: {
      command: (p) => {
        commands.push(p);
        return { applied: p.doorIds, unreachable: [] };
      },
    },
  });
  client.start();
  await client.settled();
  return {
    id: reply.deviceId,
    store,
    commands,
    client,
    stop: async () => {
      client.stop();
      await endpoint.close();
      store.close();
    },
  };
}

describe('RF lock status through the device link', () => {
  it('a unit reporting its lock joined: the join key is spent, the unit’s next sync is without it', async () => {
    const created = await call<{ device: Device; pairing: { code: string } }>('devices.create', {
      kind: 'control-unit',
      name: 'CU',
    });
    const { joinCode } = await call<{ joinCode: string }>('rf.locks.add', {
      doorId,
      unitId: created.device.id,
      eui64: EUI,
    });
    let joined = false;
    const unit = await startUnit(created.pairing.code, () => {
      const held = unit.store.replica();
      return [
        {
          eui64: EUI,
          doorId,
          joined,
          lastHeard: Date.now(),
          lqi: 180,
          battery: 77,
          revision: held?.revision ?? 0,
          blacklistSeq: held?.blacklistSeq ?? 0,
          publicKey: joined ? 'cd'.repeat(32) : null,
          refused: 0,
        },
      ];
    });
    try {
      const held = unit.store.replica()!;
      expect(held.rf).toMatchObject({ keyVersion: 1 });
      expect(held.rfLocks).toMatchObject([
        { doorId, eui64: EUI, joinKey: parseJoinCode(joinCode).toString('hex') },
      ]);

      await unit.client.reportStatus();
      expect((await list())[0]).toMatchObject({
        state: 'waiting-to-join',
        online: true,
        lqi: 180,
        battery: 77,
      });

      const live: LiveEvent[] = [];
      const unsubscribe = f.service.events.subscribe(
        () => ({ permissions: new Set<Permission>(['doors:read']), sessionHash: Buffer.alloc(32) }),
        (e) => live.push(e),
      );
      joined = true;
      await unit.client.reportStatus();
      unsubscribe();
      expect(f.site.secrets.get(joinKeySecret(doorId))).toBeUndefined();
      expect((await list())[0]).toMatchObject({ state: 'joined', publicKey: 'cd'.repeat(32) });
      expect(live.some((e) => e.topic === 'devices.changed' && (e.payload as Device).id === unit.id)).toBe(
        true,
      );
      // The hub announces the new revision; the unit resyncs and holds no join key any more.
      await until(() => unit.store.replica()!.rfLocks?.[0]?.joinKey === null, 'the unit to resync', 5_000);
      expect(new RfLockRepo(f.site.db).byDoor(doorId)).toMatchObject({ joinedAt: expect.any(String) });

      // A door command for the RF door goes to the unit whose RF node serves it.
      expect(await call('doors.command', { command: 'open', doorIds: [doorId] })).toEqual({
        applied: [doorId],
        unreachable: [],
        notOnline: [],
      });
      expect(unit.commands).toMatchObject([{ command: 'open', doorIds: [doorId] }]);
    } finally {
      await unit.stop();
    }
  });
});

/** A valid report, and the same with one field replaced by anything. */
const validReport = (over: Partial<RfLockStatus> = {}) =>
  fc
    .record({
      eui64: fc.constant(EUI),
      doorId: fc.constant(doorId),
      joined: fc.boolean(),
      lastHeard: fc.option(fc.nat(), { nil: null }),
      lqi: fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }),
      battery: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
      revision: fc.nat(),
      blacklistSeq: fc.nat(),
      publicKey: fc.constant(null),
      refused: fc.nat(),
    })
    .map((r) => ({ ...r, ...over }));
const nearMiss = (over: Partial<RfLockStatus> = {}) =>
  fc
    .tuple(validReport(over), fc.constantFrom(...Object.keys(RfLockReport.shape)), fc.anything())
    .map(([r, key, value]) => ({ ...r, [key]: value }) as unknown);

describe('the intake', () => {
  it('takes nothing from another unit, however the entries look', async () => {
    const other = (
      await call<{ device: Device }>('devices.create', { kind: 'control-unit', name: 'CU other' })
    ).device.id;
    await call('rf.locks.rejoin', { doorId });
    const before = new RfLockRepo(f.site.db).byDoor(doorId);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.anything(), validReport(), nearMiss()), { maxLength: 5 }),
        (entries) => {
          expect(
            f.service.devices.rfStatus.take([{ deviceId: other, revision: 1e9, rfLocks: entries }]),
          ).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
    expect(new RfLockRepo(f.site.db).byDoor(doorId)).toEqual(before);
    expect(f.site.secrets.get(joinKeySecret(doorId))).toBeDefined();
  });

  it('from its own unit, stores what fits and skips the rest without throwing', async () => {
    const unitId = new RfLockRepo(f.site.db).byDoor(doorId)!.unitId;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.anything(), nearMiss({ joined: false })), { maxLength: 5 }),
        (entries) => {
          const before = f.service.devices.rfStatus.latestOf(doorId);
          f.service.devices.rfStatus.take([{ deviceId: unitId, revision: 0, rfLocks: entries }]);
          const fits = entries
            .map((e) => RfLockReport.safeParse(e))
            .filter((p) => p.success && p.data.doorId === doorId && p.data.eui64 === EUI)
            .map((p) => p.data!);
          const last = fits.at(-1);
          const now = f.service.devices.rfStatus.latestOf(doorId);
          if (!last) expect(now).toEqual(before);
          else
            expect(now).toEqual({
              joined: last.joined,
              lastHeard: last.lastHeard,
              lqi: last.lqi,
              battery: last.battery,
              revision: last.revision,
              blacklistSeq: last.blacklistSeq,
            });
        },
      ),
      { numRuns: 300 },
    );
    // No report said "joined" from a unit holding the new key: it is still outstanding.
    expect((await list())[0]!.state).toBe('waiting-to-join');
  });
});
