import type { CallContext } from '../rpc/context.js';
import { RpcError } from '../rpc/rpc-error.js';
import type { CardholderRepo } from '../store/cardholder-repo.js';

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
