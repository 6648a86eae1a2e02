import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../app/contract/methods/events.js';
import { DAY_TYPES } from '../../app/contract/schedule-schemas.js';
import { SiteRpc } from '../../app/demo/site-rpc.js';
import { startDemo, type DemoProcess } from '../helpers/lintel-process.js';
import { tempDir } from '../helpers/temp-site.js';
import { until } from '../helpers/until.js';

/**
 * Issue 11: the scenarios of a site, through every wire, on `lintel demo` — the same demo a trainer
 * starts. Every device is its own process (serve, gateway, two control units, two OSDP readers on pty
 * lines, two offline locks and the PPD on pty lines, an RF lock on a simulated air, the NCoder
 * simulator, the relay and a phone); the test acts only through the demo's hands (stdin) and the
 * console's JSON-RPC, and checks each scenario in the console's audit trail.
 */

let root: string;
let dataDir: string;
let demo: DemoProcess | undefined;
let rpc: SiteRpc;
const doors: Record<string, number> = {};

const call = <T = Record<string, unknown>>(method: string, params: unknown = {}) =>
  rpc.call<T>(method, params);

/** A hands command, answered by the line for `door` (or the pattern given). */
const hands = async (line: string, answer: RegExp, ms?: number) => (await demo!.hands(line, answer, ms))[0];

async function events(filter: Record<string, unknown>): Promise<AccessEvent[]> {
  return (await call<{ events: AccessEvent[] }>('events.list', { limit: 200, ...filter })).events;
}

/** Waits until the audit trail holds an event like `like` (checked field by field). */
async function audited(
  filter: Record<string, unknown>,
  like: Partial<AccessEvent>,
  what: string,
): Promise<AccessEvent> {
  return until(
    async () =>
      (await events(filter)).find((e) =>
        Object.entries(like).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v),
      ),
    `${what} in the console's audit trail`,
    30_000,
  );
}

/** The site revision now, and a wait until the main building's unit holds it (it reports each sync in its log). */
async function unitHoldsCurrentRevision(): Promise<number> {
  const { link } = await call<{ link: { revision: number } }>('devices.list');
  const log = path.join(dataDir, 'logs', 'cu-main.log');
  const started = Date.now();
  await until(
    () =>
      [
        ...fs
          .readFileSync(log, 'utf8')
          .matchAll(/^(?:synced revision|control unit \d+ ready: .*, revision) (\d+)$/gm),
      ].some((m) => Number(m[1]) >= link.revision),
    `the main building's unit to sync revision ${link.revision}`,
    30_000,
  );
  return Date.now() - started;
}

/** A PPD round to these doors: loaded in the console, carried by the hands, synced back. */
async function round(...keys: string[]): Promise<void> {
  await call('ppd.loadRound', { path: demo!.ppdPort, doorIds: keys.map((k) => doors[k]) });
  for (const k of keys)
    expect(await hands(`visit ${k}`, /^Room 10\d: the PPD says .*$|^PPD: .*$/m, 120_000)).toMatch(
      /says (updated|collected)/,
    );
  await call('ppd.sync', { path: demo!.ppdPort });
}

/** The minute of the day now in the site's time zone. */
async function siteMinute(): Promise<number> {
  const { timeZone } = await call<{ timeZone: string }>('site.get');
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date());
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return n('hour') * 60 + n('minute');
}

const everyDay = (start: number, end: number) =>
  Object.fromEntries(DAY_TYPES.map((d) => [d, [{ start, end }]]));

/** Every day, the minutes within `margin` of `now`, wrapping past midnight (a run at 23:59 goes on at 00:00). */
function around(now: number, margin: number) {
  const spans = [{ start: Math.max(0, now - margin), end: Math.min(1440, now + margin) }];
  if (now - margin < 0) spans.push({ start: 1440 + now - margin, end: 1440 });
  if (now + margin > 1440) spans.unshift({ start: 0, end: now + margin - 1440 });
  return Object.fromEntries(DAY_TYPES.map((d) => [d, spans]));
}

beforeAll(async () => {
  root = tempDir('lintel-demo-');
  dataDir = path.join(root, 'demo');
  demo = await startDemo(dataDir, ['--no-feed']);
  rpc = new SiteRpc(demo.url, demo.ca);
  await rpc.login(demo.admin.username, demo.admin.password);
  Object.assign(doors, demo.state.doors);
}, 300_000);

afterAll(async () => {
  await demo?.stop('SIGINT').catch(() => undefined);
  if (root) fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('lintel demo: the whole site, each part its own process', () => {
  it('starts ready with a seeded site: hundreds of users, every door kind, levels, periods and calendars', async () => {
    expect(demo!.readyMs).toBeGreaterThan(0);
    const users = await call<{ total: number }>('users.list', { limit: 1 });
    expect(users.total).toBeGreaterThanOrEqual(300);
    const listed = await call<{ items: { kind: string; auth: { mode: string } }[] }>('doors.list', {
      limit: 50,
    });
    expect(new Set(listed.items.map((d) => d.kind))).toEqual(new Set(['online', 'offline', 'rf']));
    expect(listed.items.some((d) => d.auth.mode === 'card+pin')).toBe(true);
    expect((await call<{ total: number }>('accessLevels.list', {})).total).toBeGreaterThanOrEqual(4);
    expect((await call<{ total: number }>('timePeriods.list', {})).total).toBeGreaterThanOrEqual(3);
    const calendars = await call<{ items: { days: unknown[] }[] }>('calendars.list', {});
    expect(calendars.items.filter((c) => c.days.length > 0).length).toBeGreaterThanOrEqual(2);
    // Every device is in touch: the gateway and both units online, the RF lock joined, both offline locks initialised.
    const { devices } = await call<{ devices: { kind: string; online: boolean }[] }>('devices.list');
    expect(devices.filter((d) => d.online).length).toBe(3);
    const { locks } = await call<{ locks: { needs: string[]; serial: string | null }[] }>('locks.list');
    expect(locks.map((l) => l.serial)).toEqual([
      expect.stringMatching(/^LK-/),
      expect.stringMatching(/^LK-/),
    ]);
  });

  it('a newly encoded card opens an online door and an offline lock within its time period, and neither outside it', async () => {
    // A period around now, a level with it, and Eve, whose card the NCoder encodes.
    const now = await siteMinute();
    const period = await call<{ id: number; version: number }>('timePeriods.create', {
      name: 'Scenario window',
      rules: around(now, 60),
    });
    const zones = await call<{ items: { id: number; name: string }[] }>('zones.list', { limit: 50 });
    const zone = (name: string) => zones.items.find((z) => z.name === name)!.id;
    const level = await call<{ id: number }>('accessLevels.create', {
      name: 'Scenario',
      rights: [
        { zoneId: zone('Main building'), periodId: period.id },
        { zoneId: zone('Offices'), periodId: period.id },
      ],
    });
    const eve = await call<{ id: number }>('users.create', {
      firstName: 'Eve',
      lastName: 'Scenario',
      accessLevelIds: [level.id],
    });
    const blank = await hands('blank', /^A blank card \((\S+)\) lies on the NCoder.*$/m);
    const card = /\((\S+)\)/.exec(blank)![1]!;
    const encoded = await call<{ key: { id: number } }>('encoder.encode', { userId: eve.id });
    expect(await hands('take', /^You hold card .*$/m)).toContain(card);

    // The new period reaches the lock with the PPD; the unit syncs it by itself.
    await round('room101');
    await unitHoldsCurrentRevision();
    expect(await hands(`card ${card} at entrance`, /^Entrance: .*$/m)).toMatch(/→ granted/);
    expect(await hands(`card ${card} at room 101`, /^Room 101: .*$/m)).toMatch(/→ granted/);

    // The period moves away from now: the unit refuses at once, the lock once the PPD brought the change.
    const away =
      now < 720
        ? everyDay(now + 300, Math.min(1440, now + 360))
        : everyDay(Math.max(0, now - 360), now - 300);
    await call('timePeriods.update', { id: period.id, version: period.version, rules: away });
    await unitHoldsCurrentRevision();
    expect(await hands(`card ${card} at entrance`, /^Entrance: .*$/m)).toMatch(
      /→ denied \(outside-time-period\)/,
    );
    await round('room101');
    expect(await hands(`card ${card} at room 101`, /^Room 101: .*$/m)).toMatch(/→ denied/);
    await round('room101'); // brings the refusal back

    const trail = await events({ credentialId: encoded.key.id });
    const seen = trail.map((e) => `${e.doorId}:${e.kind}${e.reason ? `:${e.reason}` : ''}`);
    expect(seen).toContain(`${doors.entrance}:access-granted`);
    expect(seen).toContain(`${doors.entrance}:access-denied:outside-time-period`);
    expect(seen).toContain(`${doors.room101}:access-granted`);
    expect(seen.some((s) => s.startsWith(`${doors.room101}:access-denied:`))).toBe(true);
    expect(trail.every((e) => e.userName === 'Eve Scenario')).toBe(true);
  }, 240_000);

  it('a lost card, cancelled in the console, is refused at the online door within a second', async () => {
    const bob = demo!.state.people.bob!;
    expect(await hands('card bob at entrance', /^Entrance: .*$/m)).toMatch(/→ granted/);
    const key = (
      await call<{ items: { id: number; version: number }[] }>('keys.list', { userId: bob.userId })
    ).items.find((k) => k.id === bob.keyId)!;
    await call('keys.cancel', { id: key.id, version: key.version });
    const ms = await unitHoldsCurrentRevision();
    console.info(`demo: the cancelled key reached the Entrance's unit ${ms} ms after keys.cancel returned`);
    expect(ms).toBeLessThan(1_000);
    expect(await hands('card bob at entrance', /^Entrance: .*$/m)).toMatch(/→ denied \(blacklisted\)/);
    await audited(
      { doorId: doors.entrance, credentialId: bob.keyId },
      { kind: 'access-denied', reason: 'blacklisted' },
      'Bob refused at the Entrance',
    );
    await audited(
      { credentialId: bob.keyId },
      { kind: 'configuration', reason: 'key-cancelled' },
      'the cancellation',
    );
  }, 120_000);

  it('the update point writes the blacklist onto another card, which teaches an offline lock; the PPD brings its audit back', async () => {
    // Ada passes the Entrance: the unit writes the blacklist onto her card…
    expect(await hands('card ada at entrance', /^Entrance: .*$/m)).toMatch(/→ granted, wrote blacklist/);
    // …and Room 102, which has not heard of the cancellation, learns it from her card…
    expect(await hands('card ada at room 102', /^Room 102: .*$/m)).toMatch(
      /→ granted.*merged 1 blacklist entr/,
    );
    // …so it refuses Bob's card with nothing more to learn from it (his own card carries the entry too,
    // written when the Entrance refused him: a lost card teaches every lock it is tried at).
    const bobAt102 = await hands('card bob at room 102', /^Room 102: .*$/m);
    expect(bobAt102).toMatch(/→ denied \(blacklisted\)/);
    expect(bobAt102).not.toMatch(/merged/);

    // The technician's round brings Room 102's audit trail to the console.
    await round('room102');
    const bob = demo!.state.people.bob!;
    const refused = await audited(
      { doorId: doors.room102, credentialId: bob.keyId },
      { kind: 'access-denied', reason: 'blacklisted' },
      'Bob refused at Room 102',
    );
    expect(refused.source).toMatch(/^PPD /);
    expect(refused.userName).toBe('Bob Baker');
    await audited(
      { doorId: doors.room102, credentialId: demo!.state.people.ada!.keyId },
      { kind: 'access-granted' },
      'Ada at Room 102',
    );
    // Ada's card carries Room 102's copy of that record too: the Entrance collects it, and the
    // console keeps one event for the one opening.
    expect(await hands('card ada at entrance', /^Entrance: .*$/m)).toMatch(
      /granted, .*, [1-9]\d* audit records collected/,
    );
    // The unit reports in order: once a later event of its is in, so are the copies it collected.
    const exits = (await events({ doorId: doors.entrance, kinds: ['access-granted'] })).length;
    expect(await hands('exit entrance', /^Entrance: .*$/m)).toMatch(/exit button/);
    await until(
      async () => (await events({ doorId: doors.entrance, kinds: ['access-granted'] })).length > exits,
      'the exit after the collection',
      30_000,
    );
    const adaAt102 = {
      doorId: doors.room102,
      credentialId: demo!.state.people.ada!.keyId,
      kinds: ['access-granted'],
    };
    expect(await events(adaAt102)).toHaveLength(1);
  }, 240_000);

  it('a mobile key opens the RF lock, and a replay of that opening is refused', async () => {
    const dan = demo!.state.people.dan!.userId;
    expect(await hands('phone open store', /^Store room: .*$/m)).toMatch(/\(opening\) → granted/);
    expect(await hands('phone replay store', /^Store room: .*$/m)).toMatch(
      /\(replayed opening\) → denied \(unknown-challenge/,
    );
    await audited(
      { doorId: doors.store, userId: dan },
      { kind: 'access-granted', userName: 'Dan Mobile' },
      'Dan’s phone at the store room',
    );
    await until(
      async () =>
        (await events({ doorId: doors.store, kinds: ['access-denied'] })).find((e) =>
          String(e.detail.note ?? '').includes('unknown-challenge'),
        ),
      'the replay refused in the audit trail',
      30_000,
    );
  }, 120_000);

  it('the two-factor door wants the PIN: without it nothing opens, a wrong one is refused, the right one opens', async () => {
    const ada = demo!.state.people.ada!;
    const mark = demo!.mark();
    demo!.send('card ada at lab');
    await demo!.waitFor(/^Lab: the reader blinks amber and wants a PIN/m, mark, 30_000);
    demo!.send('pin lab 4711');
    expect((await demo!.waitFor(/^Lab: Ada’s card → .*$/m, mark, 40_000))[0]).toMatch(/→ granted/);
    expect(await hands('card ada at lab pin 1234', /^Lab: .*$/m)).toMatch(/→ denied \(wrong-pin\)/);
    const granted = await audited(
      { doorId: doors.lab, credentialId: ada.keyId },
      { kind: 'access-granted' },
      'Ada at the Lab',
    );
    expect(granted.detail).toMatchObject({ pin: 'match' });
    await audited(
      { doorId: doors.lab, credentialId: ada.keyId },
      { kind: 'access-denied', reason: 'wrong-pin' },
      'the wrong PIN',
    );
  }, 120_000);

  it('an exit button opens without a card, and a forced door is an alarm in the audit trail', async () => {
    // Forced while locked (not within the seconds an earlier grant left it unlocked).
    await until(
      async () => /: locked, closed/.test(await hands('state entrance', /^Entrance: .*$/m)),
      'the Entrance locked and closed',
      30_000,
    );
    expect(await hands('force entrance', /^Entrance: .*$/m)).toMatch(/pushed the door open/);
    expect(await hands('close entrance', /^Entrance: .*$/m)).toMatch(/closed/);
    await audited({ doorId: doors.entrance }, { kind: 'door-forced' }, 'the forced door');
    const before = (await events({ doorId: doors.entrance, kinds: ['access-granted'] })).length;
    expect(await hands('exit entrance', /^Entrance: .*$/m)).toMatch(/exit button/);
    await until(
      async () => (await events({ doorId: doors.entrance, kinds: ['access-granted'] })).length > before,
      'the exit in the audit trail',
      30_000,
    );
  }, 60_000);

  it('stops on Ctrl-C leaving nothing running, and comes back from its folder', async () => {
    const pids = spawnSync('pgrep', ['-f', dataDir], { encoding: 'utf8' }).stdout.trim();
    expect(pids).not.toBe('');
    expect(await demo!.stop('SIGINT')).toBe(0);
    expect(demo!.stdout()).toMatch(/^Demo stopped: nothing of it is running/m);
    const left = spawnSync('pgrep', ['-af', dataDir], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
    // The same folder: the same site, no seeding, every device back in touch.
    demo = await startDemo(dataDir, ['--no-feed']);
    expect(demo.stdout()).not.toMatch(/Seeding/);
    expect(await hands('card ada at entrance', /^Entrance: .*$/m)).toMatch(/→ granted/);
    expect(await hands('phone open store', /^Store room: .*$/m)).toMatch(/→ granted/);
  }, 240_000);

  it('leaves nothing running even when it is killed outright: its parts die with it', async () => {
    expect(spawnSync('pgrep', ['-f', dataDir], { encoding: 'utf8' }).stdout.trim()).not.toBe('');
    await demo!.stop('SIGKILL');
    await until(
      () => spawnSync('pgrep', ['-af', dataDir], { encoding: 'utf8' }).stdout.trim() === '',
      'every part of the killed demo to stop',
      30_000,
    );
  }, 60_000);
});
