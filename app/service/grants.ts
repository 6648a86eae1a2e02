import type { Partition, Permission } from '../contract/permissions.js';
import type { Area } from '../store/partition-sql.js';

export type { Area };

/** Where one permission applies: the whole site, or some zones and doors. */
export type Scope = 'site' | Area;

/** Where nothing is visible: the area of a permission not held (filters fail closed). */
const NOWHERE: Area = { zones: new Set(), doors: new Set() };

/**
 * The part of the site `p` lets a caller read or change, for filtering: undefined for the whole site
 * (the caller keeps the unfiltered queries), nowhere when the permission is not held at all.
 */
export function areaOf(grants: Grants | undefined, p: Permission): Area | undefined {
  const scope = grants?.scope(p);
  return scope === 'site' ? undefined : (scope ?? NOWHERE);
}

/** What a role contributes: its permissions and its partition. */
export interface RoleGrant {
  permissions: readonly Permission[];
  partition: Partition;
}

function union(a: Scope, b: Scope): Scope {
  if (a === 'site' || b === 'site') return 'site';
  return { zones: new Set([...a.zones, ...b.zones]), doors: new Set([...a.doors, ...b.doors]) };
}

function scopeOf(partition: Partition): Scope {
  return partition ? { zones: new Set(partition.zoneIds), doors: new Set(partition.doorIds) } : 'site';
}

function covers(mine: Scope, theirs: Scope): boolean {
  if (mine === 'site') return true;
  if (theirs === 'site') return false;
  return (
    [...theirs.zones].every((z) => mine.zones.has(z)) && [...theirs.doors].every((d) => mine.doors.has(d))
  );
}

/**
 * What an operator may do and where: the union over their roles of (permission, scope). A permission
 * held by one role for zone 3 and by another for the whole site applies to the whole site.
 */
export class Grants {
  private constructor(private readonly scopes: ReadonlyMap<Permission, Scope>) {}

  /** The grants of a set of roles. */
  static of(roles: readonly RoleGrant[]): Grants {
    const scopes = new Map<Permission, Scope>();
    for (const role of roles) {
      const scope = scopeOf(role.partition);
      for (const p of role.permissions) {
        const held = scopes.get(p);
        scopes.set(p, held ? union(held, scope) : scope);
      }
    }
    return new Grants(scopes);
  }

  /** The permissions held anywhere. */
  get permissions(): ReadonlySet<Permission> {
    return new Set(this.scopes.keys());
  }

  /** Whether the permission is held at all (somewhere). */
  has(p: Permission): boolean {
    return this.scopes.has(p);
  }

  /** Where the permission applies, or undefined when it is not held. */
  scope(p: Permission): Scope | undefined {
    return this.scopes.get(p);
  }

  /**
   * The permissions of `other` that these grants do not cover (held nowhere, or only for a smaller
   * part of the site): empty when granting `other` gives nobody more than the holder of these has.
   */
  missing(other: Grants): Permission[] {
    const out: Permission[] = [];
    for (const [p, scope] of other.scopes) {
      const mine = this.scopes.get(p);
      if (!mine || !covers(mine, scope)) out.push(p);
    }
    return out;
  }
}
