import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../app/contract/methods/events.js';
import type { MobileKey, MobilePhone } from '../../app/contract/methods/mobile.js';
import type { RfLock } from '../../app/contract/methods/rf.js';
import { DAY_TYPES } from '../../app/contract/schedule-schemas.js';
import {
  firstAdmin,
  rpc,
  startDevice,
  startServe,
  startSimCu,
  startSimNcoder,
  type DeviceProcess,
  type ServeProcess,
  type SimNcoderProcess,
} from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';
import { until } from '../helpers/until.js';

/**
 * Issue 10 end to end, every part its own process speaking its real protocol:
 *
 *   serve ══Noise/UDP══ sim cu (RF node) ══802.15.4 CCM* over `sim air`══ sim rflock "Store room"
 *     │                                                                        ║ BLE-like (UDP)
 *     ├── sim ncoder (encodes Ada's card; seals mobile tokens)                 ║
 *     └──HTTPS── relay ──HTTPS── sim phone (Bob) ══════════════════════════════╝
 *
 * The RF lock joins with the code the console gave, takes its configuration over the air, reports
 * each card at once, opens on the console's command, and refuses Ada's card within seconds of her
 * key being cancelled. Bob's phone enrols through the relay, receives a mobile key sealed by the
 * NCoder, opens the RF lock with it, and is refused once the key is revoked.
 */

const password = 'correct horse battery';
const LOCK_EUI = '00124B0001C0FFEE';

let root: string;
let cardsDir: string;
let ncoder: SimNcoderProcess | undefined;
let serve: ServeProcess | undefined;
let auth: Record<string, string>;
let air: DeviceProcess | undefined;
let cu: DeviceProcess | undefined;
let lock: DeviceProcess | undefined;
let relay: DeviceProcess | undefined;
let phone: DeviceProcess | undefined;
let blePort: number;
let storeRoom: number;
let ada: { name: string; keyId: number; userId: number };
let bob: number;

async function call<T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> {
  const r = await rpc(serve!, method, params, auth);
  if (!r.result) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`);
  return r.result as T;
}

async function rfLock(): Promise<RfLock | undefined> {
  const { locks } = await call<{ locks: RfLock[] }>('rf.locks.list');
  return locks.find((l) => l.doorId === storeRoom);
}

async function doorEvents(): Promise<AccessEvent[]> {
  return (await call<{ events: AccessEvent[] }>('events.list', { doorId: storeRoom, limit: 500 })).events;
}

/** Types a line at a simulator and waits for the line that answers it. */
async function say(proc: DeviceProcess, line: string, answer: RegExp, ms = 30_000): Promise<string> {
  const mark = proc.stdout().length;
  proc.send(line);
  return (await proc.waitFor(answer, mark, ms))[0];
}

const atLock = (card: string) => say(lock!, `present ${card}`, new RegExp(`^${card}: .*$`, 'm'));
const phoneOpens = () => say(phone!, `open 127.0.0.1:${blePort}`, /^lock \S+: .*$/m);

beforeAll(async () => {
  root = tempDir('lintel-rf-mobile-');
  cardsDir = path.join(root, 'cards');
  fs.mkdirSync(cardsDir);
  ncoder = await startSimNcoder(path.join(root, 'ncoder.sock'), ['--cards', cardsDir]);
  serve = await startServe(path.join(root, 'data'), path.join(root, 'keys', 'site.key'), [
    '--ncoder-socket',
    ncoder.socket,
    '--link-port',
    '0',
    '--link-host',
    '127.0.0.1',
  ]);
  ({ auth } = await firstAdmin(serve, 'admin', password));

  const zone = await call<{ id: number }>('zones.create', { name: 'Stores' });
  storeRoom = (
    await call<{ id: number }>('doors.create', {
      name: 'Store room',
      kind: 'rf',
      openSeconds: 2,
      extendedOpenSeconds: 2,
      zoneIds: [zone.id],
    })
  ).id;
  const always = await call<{ id: number }>('timePeriods.create', {
    name: 'Always',
    rules: Object.fromEntries(DAY_TYPES.map((d) => [d, [{ start: 0, end: 1440 }]])),
  });
  const level = await call<{ id: number }>('accessLevels.create', {
    name: 'Stores staff',
    rights: [{ zoneId: zone.id, periodId: always.id }],
  });
  await call('encoder.pair');
  await until(async () => (await call<{ state: string }>('encoder.status')).state === 'ready', 'the NCoder');

  // Ada's card, encoded by the NCoder simulator and saved where the lock simulator finds it.
  const adaUser = await call<{ id: number }>('users.create', {
    firstName: 'Ada',
    lastName: 'Test',
    accessLevelIds: [level.id],
  });
  const from = ncoder.stdout().length;
  ncoder.send('new 2k');
  const name = (await ncoder.waitFor(/^placed (\S+) \(UID [0-9A-Fa-f]{14}, 2k\)/m, from))[1]!;
  const encoded = await call<{ key: { id: number } }>('encoder.encode', { userId: adaUser.id });
  const removed = ncoder.stdout().length;
  ncoder.send('remove');
  await ncoder.waitFor(/^removed /m, removed);
  ada = { name, keyId: encoded.key.id, userId: adaUser.id };
  bob = (
    await call<{ id: number }>('users.create', {
      firstName: 'Bob',
      lastName: 'Phone',
      accessLevelIds: [level.id],
    })
  ).id;

  // The radio: a simulated air, and a control unit hosting the RF node (no wired readers).
  air = startDevice(['sim', 'air', '--port', '0', '--loss', '0.05', '--dup', '0.05'], 'lintel sim air');
  const airPort = Number((await air.waitFor(/^air listening on 127\.0\.0\.1:(\d+)/m))[1]);
  const unit = await call<{ device: { id: number }; pairing: { code: string } }>('devices.create', {
    kind: 'control-unit',
    name: 'CU stores',
    readers: [],
  });
  cu = startSimCu([
    '--data-dir',
    path.join(root, 'cu'),
    '--rf-air',
    `127.0.0.1:${airPort}`,
    '--bind',
    '127.0.0.1',
    '--enrol',
    unit.pairing.code,
    '--service',
    `127.0.0.1:${serve.linkPort}`,
  ]);
  await cu.waitFor(/^control unit \d+ ready: 0 readers, revision \d+$/m, 0, 60_000);

  // The lock, registered in the console, joins with the code it gave.
  const { joinCode } = await call<{ joinCode: string }>('rf.locks.add', {
    doorId: storeRoom,
    unitId: unit.device.id,
    eui64: LOCK_EUI,
  });
  lock = startDevice(
    [
      'sim',
      'rflock',
      '--state',
      path.join(root, 'rflock.json'),
      '--air',
      `127.0.0.1:${airPort}`,
      '--eui',
      LOCK_EUI,
      '--join',
      joinCode,
      '--cards',
      cardsDir,
      '--ble',
      '0',
    ],
    'lintel sim rflock',
  );
  blePort = Number((await lock.waitFor(/phones on UDP (\d+)/m))[1]);

  relay = startDevice(['relay', '--data-dir', path.join(root, 'relay'), '--port', '0'], 'lintel relay');
  phone = startDevice(
    ['sim', 'phone', '--state', path.join(root, 'phone.json'), '--label', 'Bob’s phone'],
    'lintel sim phone',
  );
}, 180_000);

afterAll(async () => {
  for (const p of [phone, relay, lock, cu, air]) await p?.stop();
  await serve?.stop();
  await ncoder?.stop();
});

describe('RF locks through the Service', () => {
  it('joins with the console’s code, and the console shows it up to date with its link and battery', async () => {
    await lock!.waitFor(/joined the RF network/m, 0, 60_000);
    const listed = await until(
      async () => {
        const l = await rfLock();
        return l?.state === 'joined' && l.upToDate && l.online ? l : undefined;
      },
      'the RF lock joined and up to date in rf.locks.list',
      60_000,
    );
    expect(listed).toMatchObject({ eui64: LOCK_EUI, battery: 100 });
    expect(listed.lqi).toBeGreaterThan(0);
    expect(listed.publicKey).toMatch(/^[0-9a-f]{64}$/);
  }, 90_000);

  it('grants Ada’s card and reports it at once; opens on the console’s command', async () => {
    expect(await atLock(ada.name)).toMatch(/granted/);
    await until(
      async () =>
        (await doorEvents()).find((e) => e.kind === 'access-granted' && e.credentialId === ada.keyId),
      'the granted event in the Service',
    );
    const mark = lock!.stdout().length;
    const result = await call<{ applied: number[] }>('doors.command', {
      command: 'open',
      doorIds: [storeRoom],
    });
    expect(result.applied).toEqual([storeRoom]);
    await lock!.waitFor(/OPENED remotely by admin/m, mark);
  }, 60_000);

  it('refuses Ada’s card within seconds of her key being cancelled (pushed over the air)', async () => {
    const key = (
      await call<{ items: { id: number; version: number }[] }>('keys.list', { userId: ada.userId })
    ).items.find((k) => k.id === ada.keyId)!;
    const started = Date.now();
    await call('keys.cancel', { id: key.id, version: key.version });
    await until(
      async () => (await rfLock())?.blacklistSeq === 1,
      'the lock to hold the blacklist entry',
      20_000,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await atLock(ada.name)).toMatch(/denied \(blacklisted\)/);
    await until(
      async () =>
        (await doorEvents()).find((e) => e.kind === 'access-denied' && e.credentialId === ada.keyId),
      'the denied event in the Service',
    );
  }, 60_000);
});

describe('mobile keys through the relay', () => {
  let keyId: number;

  it('enrols Bob’s phone through the relay', async () => {
    const [, url, fingerprint, secret] = await relay!.waitFor(
      /^Lintel relay: (\S+)\nTLS certificate SHA-256: (\S+)\nService secret: (\S+)$/m,
      0,
      30_000,
    );
    await call('mobile.relay.set', { url, fingerprint, secret });
    const invite = await call<{ code: string; relayUrl: string; fingerprint: string }>(
      'mobile.phones.invite',
      {
        userId: bob,
      },
    );
    await say(
      phone!,
      `enrol ${invite.relayUrl} ${invite.fingerprint} ${invite.code}`,
      /^enrolled as phone \S+/m,
    );
    await until(
      async () =>
        (await call<{ phones: MobilePhone[] }>('mobile.phones.list', { userId: bob })).phones.length === 1,
      'the phone in the console',
      20_000,
    );
  }, 60_000);

  it('issues a key sealed by the NCoder; the phone fetches it and opens the RF lock', async () => {
    const [p] = (await call<{ phones: MobilePhone[] }>('mobile.phones.list', { userId: bob })).phones;
    const issued = await call<{ credentialId: number }>('mobile.keys.issue', {
      userId: bob,
      phoneId: p!.phoneId,
    });
    keyId = issued.credentialId;
    // The NCoder wrapped the group key for the lock's own key; the node gives it to the lock.
    await until(
      async () => {
        const mark = lock!.stdout().length;
        await say(lock!, 'status', /^radio .*$/m);
        return /mobile group key [0-9a-f]{16}/.test(lock!.stdout().slice(mark));
      },
      'the lock to hold the mobile group key',
      30_000,
    );
    expect(await say(phone!, 'fetch', /^fetched: .*$/m)).toMatch(/1 new key/);
    await until(
      async () =>
        (await call<{ keys: MobileKey[] }>('mobile.keys.list', { userId: bob })).keys.find(
          (k) => k.credentialId === keyId && k.state === 'delivered',
        ),
      'the key delivered',
      20_000,
    );
    expect(await phoneOpens()).toMatch(/granted/);
    await until(
      async () => (await doorEvents()).find((e) => e.kind === 'access-granted' && e.credentialId === keyId),
      'the phone’s opening in the Service',
    );
  }, 90_000);

  it('refuses the phone once the key is revoked', async () => {
    await call('mobile.keys.revoke', { credentialId: keyId });
    await until(async () => ((await rfLock())?.blacklistSeq ?? 0) >= 2, 'the revocation at the lock', 20_000);
    expect(await phoneOpens()).toMatch(/denied \(blacklisted\)/);
  }, 60_000);
});
