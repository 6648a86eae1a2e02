import type { Permission } from '../contract/permissions.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError } from '../rpc/rpc-error.js';
import type { CardholderRepo } from '../store/cardholder-repo.js';
import { idsInside } from '../store/partition-sql.js';
import type { Db } from '../store/sqlite.js';
import { areaOf } from './grants.js';

/** What an access level reaches outside a partition. */
export interface OutsideScope {
  doors: number[];
  zones: number[];
}

/**
 * The access levels (of `levelIds`) that reach outside the caller's `users:write` partition, with the
 * doors and zones that do. A door right is inside when the door, or one of its zones, is in the
 * partition; a zone right only when the zone is (a zone may gain doors later). An operator whose
 * users:write covers the whole site is never limited.
 */
export function levelsOutsideScope(
  repo: CardholderRepo,
  ctx: CallContext,
  levelIds: readonly number[],
): Map<number, OutsideScope> {
  const out = new Map<number, OutsideScope>();
  const scope = ctx.caller?.grants.scope('users:write');
  if (scope === undefined || scope === 'site' || levelIds.length === 0) return out;
  const rights = repo.rightsOf(levelIds);
  const doorZones = repo.zonesOfDoors([
    ...new Set(rights.flatMap((r) => (r.doorId === null ? [] : [r.doorId]))),
  ]);
  for (const r of rights) {
    const inside =
      r.doorId !== null
        ? scope.doors.has(r.doorId) || (doorZones.get(r.doorId) ?? []).some((z) => scope.zones.has(z))
        : scope.zones.has(r.zoneId!);
    if (inside) continue;
    const o = out.get(r.levelId) ?? { doors: [], zones: [] };
    if (r.doorId !== null) o.doors.push(r.doorId);
    else o.zones.push(r.zoneId!);
    out.set(r.levelId, o);
  }
  return out;
}

/** How an access level's reach outside a partition is said. */
export function describeOutside(levelId: number, o: OutsideScope): string {
  const parts = [
    ...(o.doors.length ? [`door${o.doors.length > 1 ? 's' : ''} ${o.doors.join(', ')}`] : []),
    ...(o.zones.length ? [`zone${o.zones.length > 1 ? 's' : ''} ${o.zones.join(', ')}`] : []),
  ];
  return `access level ${levelId} reaches ${parts.join(' and ')} outside your partition`;
}

/**
 * Refuses with FORBIDDEN, naming the doors and zones, when a caller limited to part of the site would
 * give or take access levels reaching beyond it.
 */
export function assertLevelsInScope(
  repo: CardholderRepo,
  ctx: CallContext,
  levelIds: readonly number[],
): void {
  const outside = levelsOutsideScope(repo, ctx, levelIds);
  if (outside.size === 0) return;
  const what = [...outside].map(([id, o]) => describeOutside(id, o));
  throw new RpcError(
    'FORBIDDEN',
    `Your users:write partition does not cover this: ${what.join('; ')}. Ask an operator whose partition covers them.`,
    {
      reason: 'partition',
      accessLevelIds: [...outside.keys()],
      doors: [...new Set([...outside.values()].flatMap((o) => o.doors))],
      zones: [...new Set([...outside.values()].flatMap((o) => o.zones))],
    },
  );
}

const WHAT = { cardholder: 'user', credential: 'key' } as const;

/**
 * The users (or keys, by their holder) among `ids` outside the caller's `permission` partition: the
 * handler answers NOT_FOUND for them exactly as for ids that do not exist, so a partition does not
 * reveal who lies beyond it. One the caller's users:read does show (a wider read partition) is refused
 * with FORBIDDEN instead: the caller knows it exists, and "not found" would mislead. Empty for a
 * site-wide caller, without a query.
 */
export function hiddenFrom(
  db: Db,
  ctx: CallContext,
  permission: Permission,
  table: 'cardholder' | 'credential',
  ids: readonly number[],
): number[] {
  const area = areaOf(ctx.caller?.grants, permission);
  if (!area || ids.length === 0) return [];
  const inside = idsInside(db, table, ids, area);
  const hidden = ids.filter((id) => !inside.has(id));
  if (hidden.length === 0 || permission === 'users:read') return hidden;
  const readArea = areaOf(ctx.caller?.grants, 'users:read');
  const seen = readArea ? idsInside(db, table, hidden, readArea) : new Set(hidden);
  if (seen.size === 0) return hidden;
  const what = WHAT[table];
  throw new RpcError(
    'FORBIDDEN',
    `Your ${permission} partition does not cover ${what}${seen.size > 1 ? 's' : ''} ${[...seen].join(', ')}. Ask an operator whose partition covers them.`,
    { reason: 'partition', permission, [`${what}Ids`]: [...seen] },
  );
}
