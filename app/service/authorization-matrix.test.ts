import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURE_PASSWORD,
  ok,
  serviceFixture,
  type ServiceFixture,
} from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';
import { contract, type MethodName } from '../contract/index.js';
import { builtinRoles, type BuiltinRoleName } from '../contract/permissions.js';
import type { RpcResponse } from '../contract/jsonrpc.js';
import type { Db } from '../store/sqlite.js';

/**
 * Every method of the contract × every built-in role, generated from the contract: a method added
 * tomorrow is covered by this test without touching it (its `example` params are what gets called).
 */
let f: ServiceFixture;
const tokens = {} as Record<BuiltinRoleName, string>;
const roleNames = Object.keys(builtinRoles) as BuiltinRoleName[];
const methods = Object.keys(contract) as MethodName[];

/** Everything in the database but the audit log and session bookkeeping, as comparable text. */
function snapshot(db: Db): string {
  const tables = (
    db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('audit_log', 'sqlite_sequence')",
      )
      .all() as { name: string }[]
  ).map((t) => t.name);
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const rows = db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[];
    out[t] = rows
      .map((r) => {
        if (t === 'session') {
          // Using a session moves its idle timeout; that is not a change the call made.
          delete r.last_seen_at;
          delete r.idle_expires_at;
        }
        return JSON.stringify(r, (_k, v: unknown) =>
          v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
            ? `hex:${Buffer.from((v as { data: number[] }).data).toString('hex')}`
            : v,
        );
      })
      .sort();
  }
  return JSON.stringify(out);
}

function auditCount(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
}

/** Runs `call` and undoes whatever it changed, so every cell starts from the same state. */
async function isolated(db: Db, run: () => Promise<RpcResponse>): Promise<RpcResponse> {
  db.exec('SAVEPOINT matrix_cell');
  try {
    return await run();
  } finally {
    db.exec('ROLLBACK TO matrix_cell');
    db.exec('RELEASE matrix_cell');
  }
}

beforeAll(async () => {
  f = await serviceFixture();
  // The objects the examples refer to: operator 2 and custom role 101.
  const target = await f.addOperator('target', [builtinRoles.operator.id]);
  expect(target).toBe(2);
  const role = ok<{ id: number }>(
    await f.call(
      'roles.create',
      { name: 'Matrix role', permissions: ['users:read'] },
      { caller: f.callerOf(f.admin.token) },
    ),
  );
  expect(role.id).toBe(101);
  for (const name of roleNames) {
    await f.addOperator(`as-${name}`, [builtinRoles[name].id]);
    tokens[name] = (await f.login(`as-${name}`, FIXTURE_PASSWORD)).token;
  }
});

afterAll(() => f.close());

describe('the contract', () => {
  it('gives every method an example its own params schema accepts', () => {
    for (const m of methods) {
      const parsed = contract[m].params.safeParse(contract[m].example);
      expect(parsed.success, `${m}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
    }
  });

  it('needs a session or a permission for every method but the few public ones', () => {
    const open = methods.filter((m) => contract[m].access.kind === 'public');
    expect(open.sort()).toEqual([
      'custody.unlock',
      'rpc.discover',
      'session.login',
      'setup.createAdmin',
      'setup.status',
    ]);
  });
});

describe.each(methods.filter((m) => contract[m].access.kind !== 'public'))('%s', (method) => {
  const spec = contract[method];
  const needed = spec.access.kind === 'permission' ? spec.access.permission : undefined;

  it('is refused without a session, changing nothing', async () => {
    const before = snapshot(f.site.db);
    const r = await isolated(f.site.db, async () => {
      const res = await f.call(method, spec.example);
      expect(snapshot(f.site.db)).toBe(before);
      return res;
    });
    expect('error' in r && r.error.code).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it.each(roleNames)('as %s: allowed only with the permission', async (roleName) => {
    const permitted =
      needed === undefined || (builtinRoles[roleName].permissions as readonly string[]).includes(needed);
    const caller = f.callerOf(tokens[roleName])!;
    const before = snapshot(f.site.db);
    const auditBefore = auditCount(f.site.db);
    const r = await isolated(f.site.db, async () => {
      const res = await f.call(method, spec.example, { caller });
      if (!permitted) {
        // Nothing changed but the one audit entry recording the refusal.
        expect(snapshot(f.site.db)).toBe(before);
        expect(auditCount(f.site.db)).toBe(auditBefore + 1);
      }
      return res;
    });
    if (permitted) {
      const code = 'error' in r ? r.error.code : undefined;
      expect(
        [ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED, ErrorCode.INVALID_PARAMS, ErrorCode.INTERNAL_ERROR],
        `${method} as ${roleName}: ${JSON.stringify(r).slice(0, 300)}`,
      ).not.toContain(code);
    } else {
      expect('error' in r && r.error).toEqual({
        code: ErrorCode.FORBIDDEN,
        message: `${method} needs the ${needed} permission`,
        data: { name: 'FORBIDDEN', permission: needed },
      });
    }
  });
});
