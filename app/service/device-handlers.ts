import type { deviceMethods } from '../contract/methods/devices.js';
import type { ParamIssue } from '../contract/errors.js';
import { humanToken } from '../crypto/index.js';
import type { CallContext } from '../rpc/context.js';
import { invalidParams, RpcError } from '../rpc/rpc-error.js';
import { currentRevision } from '../store/access-compiler.js';
import { CardholderRepo } from '../store/cardholder-repo.js';
import { DeviceRepo, pairingCodeSecret, type DeviceRecord } from '../store/device-repo.js';
import { idsInside } from '../store/partition-sql.js';
import type { DeviceHub } from './device-hub.js';
import { areaOf } from './grants.js';
import { existing, notFound, stale, type HandlerGroup, type ServiceKit } from './handler-kit.js';
import { hiddenFrom } from './user-partition.js';

/** How long a pairing code stays valid. */
export const PAIRING_TTL_MS = 24 * 3_600_000;

type Reader = { address: number; doorId: number };

/**
 * The device methods: register gateways and control units (with their readers), issue one-time
 * pairing codes, rename, re-wire or remove them, and send door commands. Pairing codes and keys are
 * never logged or audited; every change is audited in its transaction and announced as
 * `devices.changed` after the commit. A change of readers or pins is in the change feed, so the
 * devices concerned resync (the hub announces the new revision).
 */
export function deviceHandlers(kit: ServiceKit, hub: DeviceHub): HandlerGroup<keyof typeof deviceMethods> {
  const db = kit.site.db;
  const repo = new DeviceRepo(db);
  const holders = new CardholderRepo(db);

  /** A user the caller may write (one outside the caller's users:write partition answers as missing). */
  const writableUser = (id: number, ctx: CallContext) => {
    if (
      !db.prepare('SELECT 1 FROM cardholder WHERE id = ?').get(id) ||
      hiddenFrom(db, ctx, 'users:write', 'cardholder', [id]).length
    )
      throw notFound('user', id);
  };

  const fingerUnavailable = (reason: 'no-finger' | 'not-online' | 'unreachable', door: string) =>
    new RpcError(
      'UNAVAILABLE',
      reason === 'no-finger'
        ? `No fingerprint was read at ${door}: have the user place a finger on the reader and try again`
        : reason === 'not-online'
          ? `No paired control unit serves ${door}: a fingerprint is enrolled at an online door's reader`
          : `The control unit of ${door} did not answer: check that it is online and try again`,
      { reason },
    );

  const nameTaken = (name: string) =>
    new RpcError('CONFLICT', `A device named ${name} already exists`, { reason: 'name taken' });

  /** The readers are well formed, their doors exist, are online doors and are not another device's. */
  function checkReaders(readers: readonly Reader[], deviceId: number | null): void {
    const issues: ParamIssue[] = [];
    const addresses = new Set<number>();
    const doors = new Set<number>();
    readers.forEach((r, i) => {
      if (addresses.has(r.address))
        issues.push({ path: `readers.${i}.address`, message: `address ${r.address} is given twice` });
      if (doors.has(r.doorId))
        issues.push({
          path: `readers.${i}.doorId`,
          message: `door ${r.doorId} is given twice (a door has one reader)`,
        });
      addresses.add(r.address);
      doors.add(r.doorId);
    });
    if (issues.length) throw invalidParams(issues);
    if (readers.length === 0) return;
    const found = new Map(
      (
        db
          .prepare('SELECT id, kind, name FROM door WHERE id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify([...doors])) as { id: number; kind: string; name: string }[]
      ).map((d) => [d.id, d]),
    );
    const missing = readers
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => !found.has(r.doorId))
      .map(({ r, i }) => ({ path: `readers.${i}.doorId`, message: `no door ${r.doorId}` }));
    if (missing.length)
      throw new RpcError('NOT_FOUND', `Not found: ${missing.map((m) => m.message).join(', ')}`, {
        issues: missing,
      });
    const offline = readers
      .map((r, i) => ({ r, i, d: found.get(r.doorId)! }))
      .filter(({ d }) => d.kind !== 'online')
      .map(({ i, d }) => ({
        path: `readers.${i}.doorId`,
        message: `${d.name} is an ${d.kind} door: a wall reader drives an online door`,
      }));
    if (offline.length) throw invalidParams(offline);
    const taken = repo.doorsTaken([...doors], deviceId);
    if (taken.length)
      throw new RpcError(
        'CONFLICT',
        `Door${taken.length > 1 ? 's' : ''} ${taken.map((t) => found.get(t.doorId)!.name).join(', ')} already ha${taken.length > 1 ? 've' : 's'} a reader on another control unit`,
        { reason: 'door taken', doors: taken },
      );
  }

  /** A fresh pairing code for a device (inside the caller's transaction); returns what the console shows. */
  function issueCode(deviceId: number, bump: boolean) {
    const code = humanToken();
    const now = kit.clock();
    const expiresAt = new Date(now.getTime() + PAIRING_TTL_MS);
    kit.site.secrets.replace(pairingCodeSecret(deviceId), 1, Buffer.from(code, 'utf8'), now);
    repo.startPairing(deviceId, expiresAt, now, bump);
    return {
      code,
      expiresAt: expiresAt.toISOString(),
      service: { port: hub.port ?? 0, publicKey: hub.publicKeyHex() },
    };
  }

  const device = (id: number): DeviceRecord => existing(repo.byId(id), 'device', id);

  /** Door ids a command names: its doors (which must exist), or every door of its zone. */
  function commandDoors(
    p: { doorIds?: number[] | undefined; zoneId?: number | undefined },
    ctx: CallContext,
  ): number[] {
    let ids: number[];
    if (p.zoneId !== undefined) {
      if (!db.prepare('SELECT 1 FROM zone WHERE id = ?').get(p.zoneId))
        throw new RpcError('NOT_FOUND', `No zone ${p.zoneId}: reload the list`);
      ids = db
        .prepare('SELECT door_id FROM door_zone WHERE zone_id = ? ORDER BY door_id')
        .pluck()
        .all(p.zoneId) as number[];
    } else {
      ids = [...new Set(p.doorIds!)];
      const known = new Set(
        db
          .prepare('SELECT id FROM door WHERE id IN (SELECT value FROM json_each(?))')
          .pluck()
          .all(JSON.stringify(ids)) as number[],
      );
      const missing = ids.filter((id) => !known.has(id));
      if (missing.length)
        throw new RpcError('NOT_FOUND', `No door ${missing.join(', ')}: reload the list`, {
          issues: missing.map((id) => ({
            path: `doorIds.${p.doorIds!.indexOf(id)}`,
            message: `no door ${id}`,
          })),
        });
    }
    const area = areaOf(ctx.caller?.grants, 'doors:command');
    if (area) {
      const inside = idsInside(db, 'door', ids, area);
      const outside = ids.filter((id) => !inside.has(id));
      if (outside.length)
        throw new RpcError('FORBIDDEN', `Doors outside your doors:command partition: ${outside.join(', ')}`, {
          permission: 'doors:command',
          outside: outside.map((id) => `door:${id}`),
        });
    }
    return ids;
  }

  return {
    'devices.list': () => ({
      devices: hub.views(),
      link: {
        listening: hub.listening,
        host: hub.host,
        port: hub.port ?? null,
        publicKey: hub.publicKeyHex(),
        refused: hub.linkCounters(),
        revision: currentRevision(db),
      },
    }),

    'devices.create': (p, ctx) => {
      const result = db.transaction(() => {
        ctx.audit!.target = `device-name:${p.name}`;
        if (p.kind === 'gateway') {
          const issues: ParamIssue[] = [];
          if (p.gatewayId !== undefined)
            issues.push({
              path: 'gatewayId',
              message: 'a gateway reports to the Service, not to another gateway',
            });
          if (p.readers.length)
            issues.push({ path: 'readers', message: 'a gateway has no readers: its control units do' });
          if (issues.length) throw invalidParams(issues);
        }
        if (p.gatewayId !== undefined) {
          const gw = repo.byId(p.gatewayId);
          if (!gw || gw.kind !== 'gateway')
            throw new RpcError('NOT_FOUND', `No gateway ${p.gatewayId}: reload the list`);
        }
        if (repo.byName(p.name)) throw nameTaken(p.name);
        checkReaders(p.readers, null);
        const id = repo.create({ kind: p.kind, name: p.name, gatewayId: p.gatewayId ?? null }, kit.clock());
        repo.setReaders(id, p.readers);
        const pairing = issueCode(id, false);
        kit.record(ctx, {
          action: 'devices.create',
          target: `device:${id}`,
          detail: {
            kind: p.kind,
            name: p.name,
            gatewayId: p.gatewayId ?? null,
            readers: p.readers,
            pairingExpiresAt: pairing.expiresAt,
          },
        });
        return { id, pairing };
      })();
      hub.publish(result.id);
      return { device: hub.view(device(result.id)), pairing: result.pairing };
    },

    'devices.update': (p, ctx) => {
      db.transaction(() => {
        ctx.audit!.target = `device:${p.id}`;
        const before = device(p.id);
        if (before.version !== p.version) throw stale('device', p.version, before.version);
        const changes: Record<string, unknown> = {};
        if (p.name !== undefined && p.name !== before.name) {
          const other = repo.byName(p.name);
          if (other && other.id !== p.id) throw nameTaken(p.name);
          changes.name = { from: before.name, to: p.name };
        }
        if (p.readers !== undefined) {
          if (before.kind === 'gateway' && p.readers.length)
            throw invalidParams([
              { path: 'readers', message: 'a gateway has no readers: its control units do' },
            ]);
          checkReaders(p.readers, p.id);
          const was = repo.readers(p.id).map((r) => ({ address: r.address, doorId: r.doorId }));
          const sorted = [...p.readers].sort((a, b) => a.address - b.address);
          if (
            JSON.stringify(was) !==
            JSON.stringify(sorted.map((r) => ({ address: r.address, doorId: r.doorId })))
          )
            changes.readers = { from: was, to: sorted };
          repo.setReaders(p.id, p.readers);
        }
        if (!repo.update(p.id, p.version, { name: p.name }, kit.clock()))
          throw stale('device', p.version, repo.byId(p.id)?.version);
        kit.record(ctx, { action: 'devices.update', target: `device:${p.id}`, detail: { changes } });
      })();
      hub.publish(p.id);
      return hub.view(device(p.id));
    },

    'devices.pair': (p, ctx) => {
      const pairing = db.transaction(() => {
        ctx.audit!.target = `device:${p.id}`;
        const d = device(p.id);
        const pairing = issueCode(d.id, true);
        kit.record(ctx, {
          action: 'devices.pair',
          target: `device:${d.id}`,
          detail: { pairingExpiresAt: pairing.expiresAt, paired: d.publicKey !== null },
        });
        return pairing;
      })();
      hub.publish(p.id);
      return pairing;
    },

    'devices.remove': (p, ctx) => {
      const last = db.transaction(() => {
        ctx.audit!.target = `device:${p.id}`;
        const d = device(p.id);
        const units = repo.unitsOf(d.id);
        if (units.length)
          throw new RpcError(
            'CONFLICT',
            `Control units report through ${d.name} (${units.map((u) => u.name).join(', ')}): remove them first`,
            { reason: 'in use', units: units.map((u) => u.id) },
          );
        const view = hub.view(d);
        repo.remove(d.id);
        kit.record(ctx, {
          action: 'devices.remove',
          target: `device:${d.id}`,
          detail: { kind: d.kind, name: d.name, paired: d.publicKey !== null },
        });
        return view;
      })();
      hub.forget(p.id);
      hub.publishRemoved(last);
      return { removed: true as const };
    },

    'users.enrollFingerprint': async (p, ctx) => {
      ctx.audit!.target = `user:${p.userId}`;
      writableUser(p.userId, ctx);
      const door = db.prepare('SELECT name FROM door WHERE id = ?').get(p.doorId) as
        { name: string } | undefined;
      if (!door) throw notFound('door', p.doorId);
      const read = await hub.enrolFinger(p.doorId, p.timeoutSeconds * 1000);
      if (!read.ok) throw fingerUnavailable(read.reason, door.name);
      // The template goes to the store and the devices only: never into the audit trail or a log.
      db.transaction(() => {
        // The wait was long: the user may have been deleted, or the caller's partition changed, meanwhile.
        writableUser(p.userId, ctx);
        const replaced = holders.hasFingerTemplate(p.userId);
        holders.setFingerTemplate(p.userId, Buffer.from(read.template, 'hex'), kit.clock());
        kit.record(ctx, {
          action: 'users.enrollFingerprint',
          target: `user:${p.userId}`,
          detail: { doorId: p.doorId, quality: read.quality, replaced },
        });
      })();
      return { quality: read.quality };
    },

    'users.clearFingerprint': (p, ctx) =>
      db.transaction(() => {
        ctx.audit!.target = `user:${p.userId}`;
        writableUser(p.userId, ctx);
        const cleared = holders.hasFingerTemplate(p.userId);
        // Nothing to clear changes nothing (no version bump, no resync), but is audited like the rest.
        if (cleared) holders.setFingerTemplate(p.userId, null, kit.clock());
        kit.record(ctx, {
          action: 'users.clearFingerprint',
          target: `user:${p.userId}`,
          detail: { cleared },
        });
        return { cleared };
      })(),

    'doors.command': async (p, ctx) => {
      ctx.audit!.target =
        p.zoneId !== undefined ? `zone:${p.zoneId}` : `doors:${(p.doorIds ?? []).join(',')}`;
      const doorIds = commandDoors(p, ctx);
      const outcome =
        doorIds.length === 0
          ? { applied: [], unreachable: [], notOnline: [] }
          : await hub.command(p.command, doorIds, ctx.caller?.username ?? 'console');
      kit.record(ctx, {
        action: 'doors.command',
        target: ctx.audit!.target,
        detail: { command: p.command, ...outcome },
      });
      return outcome;
    },
  };
}
