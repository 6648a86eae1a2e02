import { randomBytes } from 'node:crypto';
import type { RfLock, rfMethods } from '../contract/methods/rf.js';
import { formatJoinCode } from '../rf/rf-messages.js';
import type { CallContext } from '../rpc/context.js';
import { invalidParams, RpcError } from '../rpc/rpc-error.js';
import { currentRevision } from '../store/access-compiler.js';
import { DeviceRepo } from '../store/device-repo.js';
import { idsInside } from '../store/partition-sql.js';
import { joinKeySecret, RfLockRepo, type RfLockRecord } from '../store/rf-lock-repo.js';
import type { Db } from '../store/sqlite.js';
import { blacklistLatestSeq } from './device-sync.js';
import { areaOf } from './grants.js';
import { existing, notFound, type HandlerGroup, type ServiceKit } from './handler-kit.js';
import { FIRST_RF_NETWORK_VERSION } from './rf-keys.js';
import type { RfStatusIntake } from './rf-status-intake.js';

/** A lock its unit heard within this long is online. */
export const RF_ONLINE_WINDOW_MS = 90_000;

/** The one-time join key's length (AES-128, CCM* key index 2). */
const JOIN_KEY_BYTES = 16;

/** What the RF handlers need of the device side: the latest reports, and telling the console. */
export interface RfDeviceSide {
  rfStatus: Pick<RfStatusIntake, 'latestOf' | 'forget'>;
  publish(deviceId: number): void;
}

/** The RF locks (all, or those of `doorIds`), as the console lists them. One read transaction. */
export function rfLocks(
  db: Db,
  now: Date,
  latest: RfDeviceSide['rfStatus'],
  doorIds?: readonly number[],
): RfLock[] {
  return db.transaction(() => {
    const wanted = doorIds && new Set(doorIds);
    const revision = currentRevision(db);
    const blacklistSeq = blacklistLatestSeq(db);
    return new RfLockRepo(db)
      .list()
      .filter((l) => !wanted || wanted.has(l.doorId))
      .map((l) => view(l, latest.latestOf(l.doorId) ?? l.status, now, revision, blacklistSeq));
  })();
}

function view(
  l: RfLockRecord,
  s: RfLockRecord['status'],
  now: Date,
  revision: number,
  blacklistSeq: number,
): RfLock {
  const joined = l.joinIssuedAt === null;
  return {
    doorId: l.doorId,
    doorName: l.doorName,
    unitId: l.unitId,
    unitName: l.unitName,
    eui64: l.eui64,
    state: joined ? 'joined' : 'waiting-to-join',
    online: s?.lastHeard != null && now.getTime() - s.lastHeard < RF_ONLINE_WINDOW_MS,
    lastHeard: s?.lastHeard != null ? new Date(s.lastHeard).toISOString() : null,
    lqi: s?.lqi ?? null,
    battery: s?.battery ?? null,
    revision: s?.revision ?? 0,
    blacklistSeq: s?.blacklistSeq ?? 0,
    // The unit pushes each change to its locks as it syncs: a lock behind the site's revision or
    // blacklist has yet to take it (or cannot be reached).
    upToDate: joined && !!s?.joined && s.revision >= revision && s.blacklistSeq >= blacklistSeq,
    publicKey: l.publicKey,
  };
}

/**
 * rf.locks.*: put an RF lock on an rf door with its control unit and issue its one-time join code,
 * issue a new one, forget it; list them. The join key is a sealed site secret until the lock joined
 * (never logged or audited); every change is audited in its transaction, lands in the change feed (the
 * unit resyncs) and is announced as `devices.changed` of the unit after the commit.
 */
export function rfHandlers(kit: ServiceKit, devices: RfDeviceSide): HandlerGroup<keyof typeof rfMethods> {
  const db = kit.site.db;
  const repo = new RfLockRepo(db);
  const deviceRepo = new DeviceRepo(db);

  /** The caller may manage RF locks at this door (settings:admin held for it). */
  function assertDoorWithin(ctx: CallContext, doorId: number): void {
    const area = areaOf(ctx.caller?.grants, 'settings:admin');
    if (area && !idsInside(db, 'door', [doorId], area).has(doorId))
      throw new RpcError('FORBIDDEN', `Door ${doorId} is outside your settings:admin partition`, {
        permission: 'settings:admin',
        outside: [`door:${doorId}`],
      });
  }

  const lockOf = (doorId: number): RfLockRecord => {
    const l = repo.byDoor(doorId);
    if (!l)
      throw new RpcError('NOT_FOUND', `Door ${doorId} has no RF lock: add one with rf.locks.add`, {
        reason: 'no rf lock',
      });
    return l;
  };

  /** A fresh join key, sealed, noted with the revision that carries it; returns the code to show. */
  function issueJoinKey(doorId: number): string {
    const key = randomBytes(JOIN_KEY_BYTES);
    try {
      kit.site.secrets.replace(joinKeySecret(doorId), 1, key, kit.clock());
      repo.setJoinRevision(doorId, currentRevision(db));
      return formatJoinCode(key);
    } finally {
      key.fill(0);
    }
  }

  return {
    'rf.locks.list': (_p, ctx) => {
      const locks = rfLocks(db, kit.clock(), devices.rfStatus);
      const area = areaOf(ctx.caller?.grants, 'doors:read');
      if (!area) return { locks };
      const inside = idsInside(
        db,
        'door',
        locks.map((l) => l.doorId),
        area,
      );
      return { locks: locks.filter((l) => inside.has(l.doorId)) };
    },

    'rf.locks.add': (p, ctx) => {
      const joinCode = db.transaction(() => {
        ctx.audit!.target = `door:${p.doorId}`;
        const door = db.prepare('SELECT name, kind FROM door WHERE id = ?').get(p.doorId) as
          { name: string; kind: string } | undefined;
        if (!door) throw notFound('door', p.doorId);
        assertDoorWithin(ctx, p.doorId);
        if (door.kind !== 'rf')
          throw invalidParams([
            {
              path: 'doorId',
              message: `${door.name} is an ${door.kind} door: an RF lock goes on a door of kind rf`,
            },
          ]);
        const unit = existing(deviceRepo.byId(p.unitId), 'device', p.unitId);
        if (unit.kind !== 'control-unit')
          throw invalidParams([
            {
              path: 'unitId',
              message: `${unit.name} is a ${unit.kind}: an RF lock talks to the RF node of a control unit`,
            },
          ]);
        const onDoor = repo.byDoor(p.doorId);
        if (onDoor)
          throw new RpcError(
            'CONFLICT',
            `${door.name} already has the RF lock ${onDoor.eui64}: remove it first, or rejoin it`,
            { reason: 'door taken', eui64: onDoor.eui64 },
          );
        const sameEui = repo.byEui(p.eui64);
        if (sameEui)
          throw new RpcError(
            'CONFLICT',
            `The RF lock ${p.eui64} is already on ${sameEui.doorName}: remove it there first`,
            { reason: 'eui64 taken', doorId: sameEui.doorId },
          );
        const now = kit.clock();
        const network = repo.ensureNetwork(p.unitId, FIRST_RF_NETWORK_VERSION, now);
        repo.add({ doorId: p.doorId, unitId: p.unitId, eui64: p.eui64 }, now);
        const code = issueJoinKey(p.doorId);
        kit.record(ctx, {
          action: 'rf.locks.add',
          target: `door:${p.doorId}`,
          detail: { unitId: p.unitId, eui64: p.eui64, panId: network.panId },
        });
        return code;
      })();
      devices.rfStatus.forget(p.doorId);
      devices.publish(p.unitId);
      return { joinCode };
    },

    'rf.locks.rejoin': (p, ctx) => {
      const { joinCode, unitId } = db.transaction(() => {
        ctx.audit!.target = `door:${p.doorId}`;
        assertDoorWithin(ctx, p.doorId);
        const l = lockOf(p.doorId);
        repo.rejoin(p.doorId, kit.clock());
        const code = issueJoinKey(p.doorId);
        kit.record(ctx, {
          action: 'rf.locks.rejoin',
          target: `door:${p.doorId}`,
          detail: { unitId: l.unitId, eui64: l.eui64, wasJoined: l.joinIssuedAt === null },
        });
        return { joinCode: code, unitId: l.unitId };
      })();
      devices.rfStatus.forget(p.doorId);
      devices.publish(unitId);
      return { joinCode };
    },

    'rf.locks.remove': (p, ctx) => {
      const unitId = db.transaction(() => {
        ctx.audit!.target = `door:${p.doorId}`;
        assertDoorWithin(ctx, p.doorId);
        const l = lockOf(p.doorId);
        repo.remove(p.doorId);
        kit.record(ctx, {
          action: 'rf.locks.remove',
          target: `door:${p.doorId}`,
          detail: { unitId: l.unitId, eui64: l.eui64, joined: l.joinIssuedAt === null },
        });
        return l.unitId;
      })();
      devices.rfStatus.forget(p.doorId);
      devices.publish(unitId);
      return { removed: true as const };
    },
  };
}
