import { describe, expect, it } from 'vitest';
import { rulesOf } from '../../test/helpers/door-cards.js';
import { FACTORY_LOCK_KEY, LockTask, Round } from '../ppd/round.js';
import type { DoorTablesData } from '../store/access-compiler.js';
import { factoryLock, type LockState } from '../store/lock-repo.js';
import { lockCardKeys, lockKey, ppdSiteTag } from './lock-keys.js';
import { configDigest } from './lock-needs.js';
import {
  EMERGENCY_VALID_SECONDS,
  blacklistFits,
  buildLockTask,
  buildRound,
  emergencyOpening,
  roundBytes,
  roundRequest,
  type RoundSite,
} from './lock-round.js';

const SITE_ID = '2f1c9a0e-8d4b-4c39-9e57-0d6f3b2a1c55';
const master = Buffer.alloc(32, 7);

const tables = (doorId: number, revision = 40): DoorTablesData => ({
  revision,
  door: {
    doorId,
    zoneIds: [2],
    openMode: 'standard',
    auth: { mode: 'card' },
    openSeconds: 5,
    extendedOpenSeconds: 20,
  },
  periods: [
    {
      id: 1,
      rules: rulesOf((d) => (d === 'mon' ? [{ start: 0, end: 1440 }] : [])),
    },
  ],
  calendar: { id: 1, days: [] },
  blacklistSeq: 3,
});

const site: RoundSite = {
  siteId: SITE_ID,
  timeZone: 'Europe/Madrid',
  blacklist: {
    latestSeq: 3,
    entries: [
      { seq: 1, credentialId: 10, expiresAt: 2_000_000_000 },
      { seq: 3, credentialId: 12, expiresAt: 2_000_000_000 },
    ],
  },
  cardKeys: lockCardKeys(master, SITE_ID),
  lockKeyVersion: 1,
  lockKey: (doorId, version) => lockKey(master, SITE_ID, doorId, version).toString('hex'),
};

const initialised = (doorId: number, over: Partial<LockState> = {}): LockState => ({
  ...factoryLock(doorId),
  serial: 'L-1',
  keyVersion: 1,
  cardKeyVersion: 1,
  revision: 30,
  blacklistSeq: 1,
  blacklistCapacity: 1000,
  lastVisitAt: 1_700_000_000,
  ...over,
});

describe('lock keys', () => {
  it('derives a distinct 16-byte key per door and version from the master key', () => {
    const a = lockKey(master, SITE_ID, 3, 1);
    expect(a).toHaveLength(16);
    expect(lockKey(master, SITE_ID, 3, 1)).toEqual(a);
    expect(lockKey(master, SITE_ID, 4, 1)).not.toEqual(a);
    expect(lockKey(master, SITE_ID, 3, 2)).not.toEqual(a);
    expect(lockKey(Buffer.alloc(32, 8), SITE_ID, 3, 1)).not.toEqual(a);
    // The site id is case-insensitive (a UUID), as the card keys'.
    expect(lockKey(master, SITE_ID.toUpperCase(), 3, 1)).toEqual(a);
    expect(() => lockKey(master, SITE_ID, 3, 0)).toThrow(/factory/);
    expect(() => lockKey(Buffer.alloc(16), SITE_ID, 3, 1)).toThrow(/32 bytes/);
  });

  it('gives a lock the lock-level card keys only', () => {
    const k = lockCardKeys(master, SITE_ID);
    expect(Object.keys(k).sort()).toEqual(['keyVersion', 'lock', 'siteId', 'uidRead']);
    expect(k.lock).not.toEqual(k.uidRead);
  });

  it('tags the site for the PPD with 16 bytes that differ per site', () => {
    expect(ppdSiteTag(SITE_ID)).toHaveLength(16);
    expect(ppdSiteTag(SITE_ID)).not.toEqual(ppdSiteTag('3f1c9a0e-8d4b-4c39-9e57-0d6f3b2a1c55'));
  });
});

describe('building a lock task', () => {
  it('initialises a factory lock: factory key, new lock key and card keys, the whole blacklist', () => {
    const { task, carried } = buildLockTask(
      { doorId: 5, doorName: 'Store', lock: factoryLock(5), tables: tables(5) },
      site,
    );
    LockTask.parse(task);
    expect(task.authKey).toBe(FACTORY_LOCK_KEY);
    expect(task.authKeyVersion).toBe(0);
    expect(task.update?.newLockKey).toEqual({
      key: lockKey(master, SITE_ID, 5, 1).toString('hex'),
      version: 1,
    });
    expect(task.update?.cardKeys).toEqual(site.cardKeys);
    expect(task.update?.blacklist).toEqual({ latestSeq: 3, entries: site.blacklist.entries });
    expect(task.update?.timeZone).toBe('Europe/Madrid');
    expect(task.update?.revision).toBe(40);
    expect(task.emergency).toBeUndefined();
    expect(carried).toMatchObject({
      doorId: 5,
      revision: 40,
      blacklistSeq: 3,
      newKeyVersion: 1,
      cardKeyVersion: 1,
    });
    expect(carried.configDigest).toEqual(configDigest(tables(5), 'Europe/Madrid'));
  });

  it('authenticates an initialised lock with its own key and sends no keys it already holds', () => {
    const { task, carried } = buildLockTask(
      { doorId: 5, doorName: 'Store', lock: initialised(5), tables: tables(5) },
      site,
    );
    expect(task.authKey).toBe(lockKey(master, SITE_ID, 5, 1).toString('hex'));
    expect(task.authKeyVersion).toBe(1);
    expect(task.update?.newLockKey).toBeUndefined();
    expect(task.update?.cardKeys).toBeUndefined();
    expect(task.update?.blacklist.entries).toHaveLength(2);
    expect(carried).toMatchObject({ newKeyVersion: null, cardKeyVersion: null });
  });

  it('sends the card keys again when the site card key version moved', () => {
    const { task } = buildLockTask(
      { doorId: 5, doorName: 'Store', lock: initialised(5, { cardKeyVersion: 0 }), tables: tables(5) },
      site,
    );
    expect(task.update?.cardKeys).toEqual(site.cardKeys);
    expect(task.update?.newLockKey).toBeUndefined();
  });

  it('gives a lock the blacklist no longer fits no update: the visit only collects', () => {
    const lock = initialised(5, { blacklistCapacity: 1 });
    expect(blacklistFits(lock, site.blacklist)).toBe(false);
    const { task, carried } = buildLockTask({ doorId: 5, doorName: 'Store', lock, tables: tables(5) }, site);
    expect(task.update).toBeUndefined();
    expect(carried.revision).toBeNull();
    expect(blacklistFits(initialised(5, { blacklistCapacity: 2 }), site.blacklist)).toBe(true);
    expect(blacklistFits(initialised(5, { blacklistCapacity: null }), site.blacklist)).toBe(true);
  });

  it('builds a round the PPD schema accepts, with one emergency opening valid 24 h', () => {
    const opening = emergencyOpening({ operatorId: 1, operatorName: 'Ada' }, 'fire drill', 1_800_000_000);
    expect(opening.validUntil - 1_800_000_000).toBe(EMERGENCY_VALID_SECONDS);
    const { round, carried } = buildRound({
      roundId: '6d1f7a52-3c4e-4b8a-9f10-2a3b4c5d6e7f',
      siteId: SITE_ID,
      createdAt: 1_800_000_000,
      createdBy: 'ada',
      site,
      doors: [
        { doorId: 5, doorName: 'Store', lock: factoryLock(5), tables: tables(5) },
        { doorId: 6, doorName: 'Lab', lock: initialised(6), tables: tables(6) },
      ],
      emergency: { doorId: 6, opening },
    });
    expect(Round.parse(round)).toEqual(round);
    expect(round.tasks.map((t) => t.doorId)).toEqual([5, 6]);
    expect(round.tasks[0]!.emergency).toBeUndefined();
    expect(round.tasks[1]!.emergency).toEqual(opening);
    expect(carried.map((c) => [c.doorId, c.position])).toEqual([
      [5, 0],
      [6, 1],
    ]);
  });

  it('gives the same bytes for the same round however its object was built (resume needs them)', () => {
    const args = {
      roundId: '6d1f7a52-3c4e-4b8a-9f10-2a3b4c5d6e7f',
      siteId: SITE_ID,
      createdAt: 1_800_000_000,
      createdBy: 'ada',
      site,
      doors: [{ doorId: 5, doorName: 'Store', lock: factoryLock(5), tables: tables(5) }],
    };
    const a = roundBytes(buildRound(args).round);
    const reread = Round.parse(JSON.parse(a.bytes.toString('utf8')));
    const b = roundBytes(reread);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(b.digest.equals(a.digest)).toBe(true);
  });

  it('names a request by its doors (any order, repeats) and emergency', () => {
    expect(roundRequest([3, 1, 3])).toBe(roundRequest([1, 3]));
    expect(roundRequest([1, 3])).not.toBe(roundRequest([1, 3, 4]));
    expect(roundRequest([1, 3], { doorId: 3, reason: 'x' })).not.toBe(roundRequest([1, 3]));
    expect(roundRequest([1, 3], { doorId: 3, reason: 'x' })).not.toBe(
      roundRequest([1, 3], { doorId: 3, reason: 'y' }),
    );
  });
});
