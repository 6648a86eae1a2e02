import {
  builtinRoles,
  type BuiltinRoleName,
  type Partition,
  type Permission,
} from '../contract/permissions.js';
import type { Db } from './sqlite.js';

/** A role as the service uses it: permissions resolved (built-ins from code) and its partition. */
export interface RoleRecord {
  id: number;
  name: string;
  description: string;
  builtin: boolean;
  permissions: Permission[];
  partition: Partition;
  operatorCount: number;
  version: number;
}

interface RoleRow {
  id: number;
  name: string;
  description: string;
  builtin: 0 | 1;
  permissions: string;
  partitioned: 0 | 1;
  version: number;
  operator_count: number;
}

/** What a custom role is made of. */
export interface RoleFields {
  name: string;
  description: string;
  permissions: readonly Permission[];
  partition: Partition;
}

/** Roles (operator groups) and their partitions. */
export class RoleRepo {
  constructor(private readonly db: Db) {}

  private static readonly SELECT = `
    SELECT role.*, (SELECT count(*) FROM operator_role WHERE role_id = role.id) AS operator_count FROM role`;

  private record(row: RoleRow): RoleRecord {
    const builtin = row.builtin === 1;
    const permissions = builtin
      ? [...builtinRoles[row.name as BuiltinRoleName].permissions]
      : (JSON.parse(row.permissions) as Permission[]);
    return {
      id: row.id,
      name: row.name,
      description: builtin ? builtinRoles[row.name as BuiltinRoleName].description : row.description,
      builtin,
      permissions,
      partition: row.partitioned ? this.partitionOf(row.id) : null,
      operatorCount: row.operator_count,
      version: row.version,
    };
  }

  private partitionOf(roleId: number): NonNullable<Partition> {
    const rows = this.db
      .prepare('SELECT kind, target_id FROM role_partition WHERE role_id = ? ORDER BY kind, target_id')
      .all(roleId) as { kind: 'zone' | 'door'; target_id: number }[];
    return {
      zoneIds: rows.filter((r) => r.kind === 'zone').map((r) => r.target_id),
      doorIds: rows.filter((r) => r.kind === 'door').map((r) => r.target_id),
    };
  }

  /** Every role, built-ins first. */
  list(): RoleRecord[] {
    return (this.db.prepare(`${RoleRepo.SELECT} ORDER BY builtin DESC, name`).all() as RoleRow[]).map((r) =>
      this.record(r),
    );
  }

  /** One role. */
  byId(id: number): RoleRecord | undefined {
    const row = this.db.prepare(`${RoleRepo.SELECT} WHERE id = ?`).get(id) as RoleRow | undefined;
    return row && this.record(row);
  }

  /** Several roles; ids that do not exist are left out. */
  byIds(ids: readonly number[]): RoleRecord[] {
    return ids.map((id) => this.byId(id)).filter((r): r is RoleRecord => r !== undefined);
  }

  /** The id of the built-in role of that name. */
  builtinId(name: BuiltinRoleName): number {
    return builtinRoles[name].id;
  }

  private writePartition(roleId: number, partition: Partition): void {
    this.db.prepare('DELETE FROM role_partition WHERE role_id = ?').run(roleId);
    if (!partition) return;
    const add = this.db.prepare('INSERT INTO role_partition (role_id, kind, target_id) VALUES (?, ?, ?)');
    for (const id of new Set(partition.zoneIds)) add.run(roleId, 'zone', id);
    for (const id of new Set(partition.doorIds)) add.run(roleId, 'door', id);
  }

  /** Adds a custom role; returns its id. */
  create(f: RoleFields, now: Date): number {
    const at = now.toISOString();
    return this.db.transaction(() => {
      const r = this.db
        .prepare(
          'INSERT INTO role (name, description, permissions, partitioned, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(f.name, f.description, JSON.stringify([...new Set(f.permissions)]), f.partition ? 1 : 0, at, at);
      const id = Number(r.lastInsertRowid);
      this.writePartition(id, f.partition);
      return id;
    })();
  }

  /** Changes a custom role still at `version`; false if stale, gone or built-in. */
  update(id: number, version: number, f: RoleFields, now: Date): boolean {
    return this.db.transaction(() => {
      const r = this.db
        .prepare(
          `UPDATE role SET name = ?, description = ?, permissions = ?, partitioned = ?, updated_at = ?,
             version = version + 1 WHERE id = ? AND version = ? AND builtin = 0`,
        )
        .run(
          f.name,
          f.description,
          JSON.stringify([...new Set(f.permissions)]),
          f.partition ? 1 : 0,
          now.toISOString(),
          id,
          version,
        );
      if (r.changes !== 1) return false;
      this.writePartition(id, f.partition);
      return true;
    })();
  }

  /** Deletes a custom role still at `version`; false if stale, gone or built-in. */
  delete(id: number, version: number): boolean {
    return (
      this.db.prepare('DELETE FROM role WHERE id = ? AND version = ? AND builtin = 0').run(id, version)
        .changes === 1
    );
  }
}
