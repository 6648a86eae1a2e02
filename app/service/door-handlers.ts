import { CredentialRepo } from '../store/credential-repo.js';
import { doorFieldProblems, type doorMethods } from '../contract/methods/doors.js';
import type { ParamIssue } from '../contract/errors.js';
import type { Permission } from '../contract/permissions.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError, invalidParams } from '../rpc/rpc-error.js';
import {
  DoorRepo,
  type DoorFields,
  type DoorRecord,
  type LevelRef,
  type RefTable,
  type RightRecord,
} from '../store/door-repo.js';
import { sqliteCode } from '../store/errors.js';
import { areaOf, type Area } from './grants.js';
import { stale, type HandlerGroup, type ServiceKit, existing } from './handler-kit.js';

/** A reference to check: where in the params it was given, what it names. */
interface Ref {
  path: string;
  table: RefTable;
  id: number;
}

const REF_NAMES: Record<RefTable, string> = {
  zone: 'zone',
  door: 'door',
  time_period: 'time period',
  calendar: 'calendar',
  access_level: 'access level',
};

function summary(issues: readonly ParamIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}

function nameTaken(what: string, name: string): RpcError {
  return new RpcError('CONFLICT', `A ${what} named ${name} already exists`, { reason: 'name taken' });
}

function inUse(what: string, levels: readonly LevelRef[]): RpcError {
  const names = levels.slice(0, 10).map((l) => l.name);
  const more = levels.length > names.length ? ` and ${levels.length - names.length} more` : '';
  return new RpcError(
    'CONFLICT',
    `The ${what} is granted by access level${levels.length > 1 ? 's' : ''} ${names.join(', ')}${more}: remove it from them first`,
    { reason: 'in use', accessLevels: levels.slice(0, 100) },
  );
}

/** Fails with NOT_FOUND naming every path whose id does not exist; checks all at once, one query a table. */
function assertRefs(repo: DoorRepo, refs: readonly Ref[]): void {
  const found = new Map<RefTable, Set<number>>();
  for (const table of new Set(refs.map((r) => r.table)))
    found.set(
      table,
      repo.existing(
        table,
        refs.filter((r) => r.table === table).map((r) => r.id),
      ),
    );
  const issues = refs
    .filter((r) => !found.get(r.table)!.has(r.id))
    .map((r) => ({ path: r.path, message: `no ${REF_NAMES[r.table]} ${r.id}` }));
  if (issues.length) throw new RpcError('NOT_FOUND', `Not found: ${summary(issues)}`, { issues });
}

function doorRefs(d: DoorFields): Ref[] {
  const refs: Ref[] = [];
  if (d.officePeriodId !== undefined)
    refs.push({ path: 'officePeriodId', table: 'time_period', id: d.officePeriodId });
  if (d.auth.scheduled)
    refs.push({ path: 'auth.scheduled.periodId', table: 'time_period', id: d.auth.scheduled.periodId });
  refs.push({ path: 'calendarId', table: 'calendar', id: d.calendarId });
  d.zoneIds.forEach((id, i) => refs.push({ path: `zoneIds.${i}`, table: 'zone', id }));
  return refs;
}

function rightRefs(rights: readonly RightRecord[]): Ref[] {
  return rights.flatMap((r, i): Ref[] => [
    r.doorId !== undefined
      ? { path: `rights.${i}.doorId`, table: 'door', id: r.doorId }
      : { path: `rights.${i}.zoneId`, table: 'zone', id: r.zoneId! },
    { path: `rights.${i}.periodId`, table: 'time_period', id: r.periodId },
  ]);
}

/** Only the fields whose value changed, as { from, to }. */
function changes<T extends object>(before: T, after: T, keys: readonly (keyof T)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys)
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      out[k as string] = { from: before[k], to: after[k] };
  return out;
}

const DOOR_KEYS = [
  'name',
  'kind',
  'openSeconds',
  'extendedOpenSeconds',
  'openMode',
  'officePeriodId',
  'auth',
  'calendarId',
  'zoneIds',
] as const satisfies readonly (keyof DoorFields)[];

function doorFields(d: DoorFields): DoorFields {
  return Object.fromEntries(DOOR_KEYS.map((k) => [k, d[k]])) as unknown as DoorFields;
}

const rightKey = (r: RightRecord): string => `${r.doorId ?? ''}/${r.zoneId ?? ''}/${r.periodId}`;

/**
 * Runs a write, answering a constraint the store refused with a clear error instead of INTERNAL_ERROR.
 * The handlers check every rule first; this is the backstop for a rule the checks missed (or a table
 * added later that refers to these rows).
 */
function storeRules<T>(what: string, op: 'write' | 'delete', run: () => T): T {
  try {
    return run();
  } catch (err) {
    const code = sqliteCode(err);
    if (err instanceof RpcError || !code?.startsWith('SQLITE_CONSTRAINT')) throw err;
    const message = (err as Error).message;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' && message.endsWith('.name'))
      throw new RpcError('CONFLICT', `A ${what} of that name already exists`, { reason: 'name taken' });
    // An ON DELETE RESTRICT refusal comes as SQLITE_CONSTRAINT_TRIGGER, hence the message test too.
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || message.startsWith('FOREIGN KEY constraint failed'))
      throw op === 'delete'
        ? new RpcError('CONFLICT', `Other records still refer to this ${what}: remove them first`, {
            reason: 'in use',
          })
        : new RpcError(
            'NOT_FOUND',
            `Something this ${what} refers to no longer exists: reload and try again`,
          );
    throw invalidParams([{ path: '', message: `breaks a rule of the store (${message})` }]);
  }
}

/** Zones, doors and access levels: validated, versioned, audited, and held to the caller's partition. */
export function doorHandlers(kit: ServiceKit): HandlerGroup<keyof typeof doorMethods> {
  const db = kit.site.db;
  const repo = new DoorRepo(db);

  /** The caller's part of the site for a permission; undefined when it is the whole site. */
  function area(ctx: CallContext, permission: Permission): Area | undefined {
    const scope = ctx.caller!.grants.scope(permission);
    if (scope === undefined)
      throw new RpcError('FORBIDDEN', `This needs the ${permission} permission`, { permission });
    return scope === 'site' ? undefined : scope;
  }

  function beyond(permission: Permission, what: string, outside: readonly string[]): RpcError {
    return new RpcError(
      'FORBIDDEN',
      `${what} reaches outside your ${permission} partition: ${outside.map((o) => o.replace(':', ' ')).join(', ')}`,
      { permission, outside },
    );
  }

  const doorInside = (a: Area, id: number | undefined, zoneIds: readonly number[]): boolean =>
    (id !== undefined && a.doors.has(id)) || zoneIds.some((z) => a.zones.has(z));

  /**
   * A partitioned caller changes only doors inside their part (before and after the change) and only
   * the memberships of their own zones: adding a door to someone else's zone would hand it to them.
   */
  function assertDoorWithin(
    ctx: CallContext,
    permission: Permission,
    before: DoorRecord | undefined,
    after: DoorFields | undefined,
  ): void {
    const a = area(ctx, permission);
    if (!a) return;
    const outside = new Set<string>();
    if (before && !doorInside(a, before.id, before.zoneIds)) outside.add(`door:${before.id}`);
    if (after && !doorInside(a, before?.id, after.zoneIds)) {
      if (!before)
        throw new RpcError(
          'FORBIDDEN',
          `A door you create must be in one of your zones (${[...a.zones].join(', ') || 'you have none'})`,
          { permission, outside: ['door:new'] },
        );
      outside.add(`door:${before.id}`);
    }
    const was = before?.zoneIds ?? [];
    const will = after?.zoneIds ?? was;
    for (const z of [...was.filter((z) => !will.includes(z)), ...will.filter((z) => !was.includes(z))])
      if (!a.zones.has(z)) outside.add(`zone:${z}`);
    if (outside.size) throw beyond(permission, before ? `Door ${before.name}` : 'The new door', [...outside]);
  }

  /** A partitioned caller touches only access levels whose every right is inside their part. */
  function assertRightsWithin(ctx: CallContext, what: string, rights: readonly RightRecord[]): void {
    const a = area(ctx, 'doors:write');
    if (!a) return;
    const zonesOf = repo.zonesOfDoors(rights.flatMap((r) => (r.doorId !== undefined ? [r.doorId] : [])));
    const outside = new Set<string>();
    for (const r of rights) {
      if (r.zoneId !== undefined && !a.zones.has(r.zoneId)) outside.add(`zone:${r.zoneId}`);
      if (r.doorId !== undefined && !doorInside(a, r.doorId, zonesOf.get(r.doorId) ?? []))
        outside.add(`door:${r.doorId}`);
    }
    if (outside.size) throw beyond('doors:write', what, [...outside]);
  }

  function assertZoneWithin(ctx: CallContext, zone: { id: number; name: string }): void {
    const a = area(ctx, 'doors:write');
    if (a && !a.zones.has(zone.id)) throw beyond('doors:write', `Zone ${zone.name}`, [`zone:${zone.id}`]);
  }

  /**
   * Where the caller reads zones, doors and access levels (their doors:read scope; undefined for the
   * whole site). Outside it a list leaves the object out and a get answers NOT_FOUND, as for an id
   * that does not exist, so a partition does not reveal what lies beyond it. Writes keep their own
   * checks above (FORBIDDEN, naming what is outside).
   */
  const readArea = (ctx: CallContext) => areaOf(ctx.caller?.grants, 'doors:read');

  function assertDoorFields(d: DoorFields): void {
    const problems = doorFieldProblems(d);
    if (problems.length) throw invalidParams(problems);
  }

  return {
    'zones.list': (p, ctx) => repo.listZones(p, readArea(ctx)),

    'zones.get': (p, ctx) => existing(repo.zoneById(p.id, readArea(ctx)), 'zone', p.id),

    'zones.create': (p, ctx) =>
      storeRules('zone', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `zone-name:${p.name}`;
          // A new zone is inside nobody's partition yet: only a site-wide operator can draw a new one.
          if (area(ctx, 'doors:write'))
            throw new RpcError('FORBIDDEN', 'Creating a zone needs doors:write for the whole site', {
              permission: 'doors:write',
              outside: ['zone:new'],
            });
          if (repo.nameTaken('zone', p.name)) throw nameTaken('zone', p.name);
          const id = repo.createZone(p, kit.clock());
          kit.record(ctx, {
            action: 'zones.create',
            target: `zone:${id}`,
            detail: { name: p.name, description: p.description },
          });
          return repo.zoneById(id)!;
        })(),
      ),

    'zones.update': (p, ctx) =>
      storeRules('zone', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `zone:${p.id}`;
          const before = existing(repo.zoneById(p.id), 'zone', p.id);
          assertZoneWithin(ctx, before);
          if (before.version !== p.version) throw stale('zone', p.version, before.version);
          const after = { name: p.name ?? before.name, description: p.description ?? before.description };
          if (repo.nameTaken('zone', after.name, p.id)) throw nameTaken('zone', after.name);
          if (!repo.updateZone(p.id, p.version, after, kit.clock()))
            throw stale('zone', p.version, before.version);
          kit.record(ctx, {
            action: 'zones.update',
            target: `zone:${p.id}`,
            detail: { changes: changes(before, after, ['name', 'description']) },
          });
          return repo.zoneById(p.id)!;
        })(),
      ),

    'zones.delete': (p, ctx) => {
      storeRules('zone', 'delete', () =>
        db.transaction(() => {
          ctx.audit!.target = `zone:${p.id}`;
          const before = existing(repo.zoneById(p.id), 'zone', p.id);
          assertZoneWithin(ctx, before);
          if (before.version !== p.version) throw stale('zone', p.version, before.version);
          const levels = repo.levelsReferring({ zoneId: p.id });
          if (levels.length) throw inUse(`zone ${before.name}`, levels);
          const doors = repo.doorsInZone(p.id);
          if (!repo.deleteZone(p.id, p.version, kit.clock())) throw stale('zone', p.version, before.version);
          kit.record(ctx, {
            action: 'zones.delete',
            target: `zone:${p.id}`,
            detail: { name: before.name, doorsLeft: doors },
          });
        })(),
      );
      return { deleted: true as const };
    },

    'doors.list': (p, ctx) => repo.listDoors(p, readArea(ctx)),

    'doors.get': (p, ctx) => existing(repo.doorById(p.id, readArea(ctx)), 'door', p.id),

    'doors.create': (p, ctx) =>
      storeRules('door', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `door-name:${p.name}`;
          const fields = doorFields(p);
          assertRefs(repo, doorRefs(fields));
          assertDoorWithin(ctx, 'doors:write', undefined, fields);
          if (repo.nameTaken('door', p.name)) throw nameTaken('door', p.name);
          const id = repo.createDoor(fields, kit.clock());
          kit.record(ctx, { action: 'doors.create', target: `door:${id}`, detail: { ...fields } });
          return repo.doorById(id)!;
        })(),
      ),

    'doors.update': (p, ctx) =>
      storeRules('door', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `door:${p.id}`;
          const before = existing(repo.doorById(p.id), 'door', p.id);
          assertDoorWithin(ctx, 'doors:write', before, undefined);
          if (before.version !== p.version) throw stale('door', p.version, before.version);
          const openMode = p.openMode ?? before.openMode;
          const after: DoorFields = {
            name: p.name ?? before.name,
            kind: p.kind ?? before.kind,
            openSeconds: p.openSeconds ?? before.openSeconds,
            extendedOpenSeconds: p.extendedOpenSeconds ?? before.extendedOpenSeconds,
            openMode,
            // Leaving timed-office drops the office period; staying in it keeps the one stored.
            officePeriodId:
              openMode === 'timed-office' ? (p.officePeriodId ?? before.officePeriodId) : p.officePeriodId,
            auth: p.auth ?? before.auth,
            calendarId: p.calendarId ?? before.calendarId,
            zoneIds: p.zoneIds ?? before.zoneIds,
          };
          assertDoorFields(after);
          assertRefs(repo, doorRefs(after));
          assertDoorWithin(ctx, 'doors:write', before, after);
          if (repo.nameTaken('door', after.name, p.id)) throw nameTaken('door', after.name);
          if (!repo.updateDoor(p.id, p.version, after, kit.clock()))
            throw stale('door', p.version, before.version);
          kit.record(ctx, {
            action: 'doors.update',
            target: `door:${p.id}`,
            detail: { changes: changes(doorFields(before), doorFields(after), DOOR_KEYS) },
          });
          return repo.doorById(p.id)!;
        })(),
      ),

    'doors.delete': (p, ctx) => {
      storeRules('door', 'delete', () =>
        db.transaction(() => {
          ctx.audit!.target = `door:${p.id}`;
          const before = existing(repo.doorById(p.id), 'door', p.id);
          assertDoorWithin(ctx, 'doors:write', before, undefined);
          if (before.version !== p.version) throw stale('door', p.version, before.version);
          const levels = repo.levelsReferring({ doorId: p.id });
          if (levels.length) throw inUse(`door ${before.name}`, levels);
          if (!repo.deleteDoor(p.id, p.version)) throw stale('door', p.version, before.version);
          kit.record(ctx, {
            action: 'doors.delete',
            target: `door:${p.id}`,
            detail: { name: before.name, zoneIds: before.zoneIds },
          });
        })(),
      );
      return { deleted: true as const };
    },

    'doors.setOpenMode': (p, ctx) =>
      storeRules('door', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `door:${p.id}`;
          const before = existing(repo.doorById(p.id), 'door', p.id);
          assertDoorWithin(ctx, 'doors:command', before, undefined);
          if (p.officePeriodId !== undefined)
            assertRefs(repo, [{ path: 'officePeriodId', table: 'time_period', id: p.officePeriodId }]);
          const unchanged = before.openMode === p.openMode && before.officePeriodId === p.officePeriodId;
          // Pressing lockdown twice changes nothing: no new version, nothing for the devices to fetch.
          if (!unchanged) repo.setOpenMode(p.id, p.openMode, p.officePeriodId, kit.clock());
          kit.record(ctx, {
            action: 'doors.setOpenMode',
            target: `door:${p.id}`,
            detail: {
              from: before.openMode,
              to: p.openMode,
              // Leaving timed-office drops the period: on record, so it can be set again.
              ...(before.officePeriodId !== undefined && before.officePeriodId !== p.officePeriodId
                ? { previousOfficePeriodId: before.officePeriodId }
                : {}),
              ...(p.officePeriodId !== undefined ? { officePeriodId: p.officePeriodId } : {}),
              ...(unchanged ? { unchanged: true } : {}),
            },
          });
          return repo.doorById(p.id)!;
        })(),
      ),

    'accessLevels.list': (p, ctx) => repo.listLevels(p, readArea(ctx)),

    'accessLevels.get': (p, ctx) => existing(repo.levelById(p.id, readArea(ctx)), 'access level', p.id),

    'accessLevels.create': (p, ctx) =>
      storeRules('access level', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `access-level-name:${p.name}`;
          assertRefs(repo, rightRefs(p.rights));
          assertRightsWithin(ctx, 'This access level', p.rights);
          if (repo.nameTaken('access_level', p.name)) throw nameTaken('access level', p.name);
          const id = repo.createLevel(p, kit.clock());
          kit.record(ctx, {
            action: 'accessLevels.create',
            target: `access-level:${id}`,
            detail: { name: p.name, description: p.description, rights: p.rights },
          });
          return repo.levelById(id)!;
        })(),
      ),

    'accessLevels.update': (p, ctx) =>
      storeRules('access level', 'write', () =>
        db.transaction(() => {
          ctx.audit!.target = `access-level:${p.id}`;
          const before = existing(repo.levelById(p.id), 'access level', p.id);
          assertRightsWithin(ctx, `Access level ${before.name}`, before.rights);
          if (before.version !== p.version) throw stale('access level', p.version, before.version);
          const after = {
            name: p.name ?? before.name,
            description: p.description ?? before.description,
            rights: p.rights,
          };
          if (p.rights) {
            assertRefs(repo, rightRefs(p.rights));
            assertRightsWithin(ctx, `Access level ${after.name}`, p.rights);
          }
          if (repo.nameTaken('access_level', after.name, p.id)) throw nameTaken('access level', after.name);
          if (!repo.updateLevel(p.id, p.version, after, kit.clock()))
            throw stale('access level', p.version, before.version);
          const was = new Set(before.rights.map(rightKey));
          const will = new Set((p.rights ?? before.rights).map(rightKey));
          const rightsAdded = (p.rights ?? []).filter((r) => !was.has(rightKey(r)));
          const rightsRemoved = before.rights.filter((r) => !will.has(rightKey(r)));
          // Cards carry their holders' rights: new rights mean the cards must be rewritten.
          const keysMarked =
            rightsAdded.length || rightsRemoved.length
              ? new CredentialRepo(db).markNeedsUpdateForLevel(p.id, kit.clock())
              : 0;
          kit.record(ctx, {
            action: 'accessLevels.update',
            target: `access-level:${p.id}`,
            detail: {
              changes: changes(before, after, ['name', 'description']),
              rightsAdded,
              rightsRemoved,
              keysMarked,
            },
          });
          return repo.levelById(p.id)!;
        })(),
      ),

    'accessLevels.delete': (p, ctx) => {
      storeRules('access level', 'delete', () =>
        db.transaction(() => {
          ctx.audit!.target = `access-level:${p.id}`;
          const before = existing(repo.levelById(p.id), 'access level', p.id);
          assertRightsWithin(ctx, `Access level ${before.name}`, before.rights);
          if (before.version !== p.version) throw stale('access level', p.version, before.version);
          if (before.cardholderCount > 0)
            throw new RpcError(
              'CONFLICT',
              `${before.cardholderCount} cardholder(s) hold access level ${before.name}: take it from them first`,
              { reason: 'in use', cardholders: before.cardholderCount },
            );
          if (!repo.deleteLevel(p.id, p.version)) throw stale('access level', p.version, before.version);
          kit.record(ctx, {
            action: 'accessLevels.delete',
            target: `access-level:${p.id}`,
            detail: { name: before.name, rights: before.rights },
          });
        })(),
      );
      return { deleted: true as const };
    },
  };
}
