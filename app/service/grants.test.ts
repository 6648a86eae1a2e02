import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { permissions, type Partition, type Permission } from '../contract/permissions.js';
import { Grants, type RoleGrant } from './grants.js';

const role = (perms: Permission[], partition: Partition = null): RoleGrant => ({
  permissions: perms,
  partition,
});

describe('grants', () => {
  it('unions permissions and partitions over roles; the whole site absorbs a partition', () => {
    const g = Grants.of([
      role(['users:read'], { zoneIds: [1], doorIds: [] }),
      role(['users:read', 'doors:read'], { zoneIds: [2], doorIds: [9] }),
      role(['doors:read']),
    ]);
    expect([...g.permissions].sort()).toEqual(['doors:read', 'users:read']);
    expect(g.scope('doors:read')).toBe('site');
    const users = g.scope('users:read');
    expect(users !== 'site' && [...users!.zones].sort()).toEqual([1, 2]);
  });

  it('reports what a role would add beyond the holder: permissions, or reach', () => {
    const holder = Grants.of([role(['users:read', 'users:write'], { zoneIds: [3], doorIds: [7] })]);
    expect(holder.missing(Grants.of([role(['users:read'], { zoneIds: [3], doorIds: [] })]))).toEqual([]);
    expect(holder.missing(Grants.of([role(['users:read'])]))).toEqual(['users:read']);
    expect(holder.missing(Grants.of([role(['users:write'], { zoneIds: [4], doorIds: [] })]))).toEqual([
      'users:write',
    ]);
    expect(holder.missing(Grants.of([role(['audit:read'], { zoneIds: [3], doorIds: [] })]))).toEqual([
      'audit:read',
    ]);
  });

  it('never lets a set of roles exceed its own union, and a subset is always covered (property)', () => {
    const partition = fc.option(
      fc.record({
        zoneIds: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }),
        doorIds: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }),
      }),
      { nil: null },
    );
    const roleArb = fc.record({
      permissions: fc.uniqueArray(fc.constantFrom(...permissions), { maxLength: 5 }),
      partition,
    });
    fc.assert(
      fc.property(fc.array(roleArb, { minLength: 1, maxLength: 4 }), fc.nat(), (roles, pick) => {
        const all = Grants.of(roles);
        // Any one of the roles is covered by the union of all of them.
        expect(all.missing(Grants.of([roles[pick % roles.length]!]))).toEqual([]);
        // Covered both ways means the same reach.
        expect(all.missing(all)).toEqual([]);
      }),
    );
  });
});
