import {
  MAX_CSV_BYTES,
  type ImportError,
  type Privileges,
  type userMethods,
} from '../contract/methods/users.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError, invalidParams } from '../rpc/rpc-error.js';
import { CardholderRepo, type CardholderFields, type CardholderRecord } from '../store/cardholder-repo.js';
import { CredentialRepo } from '../store/credential-repo.js';
import { usersCsv } from './csv-export.js';
import { readUsersCsv, type GoodRow } from './csv-import.js';
import { asciiFold } from './csv-users.js';
import { areaOf } from './grants.js';
import { notFound, stale, type HandlerGroup, type ServiceKit } from './handler-kit.js';
import { HasherBusyError } from './passwords.js';
import { userKeyHandlers } from './user-key-handlers.js';
import { assertLevelsInScope, describeOutside, hiddenFrom, levelsOutsideScope } from './user-partition.js';

type Changes = Record<string, { from: unknown; to: unknown }>;

/** A timestamp as stored: toISOString's form, so text order is time order. */
function iso(t: string): string {
  return new Date(t).toISOString();
}

function isoOrNull(t: string | null): string | null {
  return t === null ? null : iso(t);
}

/** The fields that changed between two versions of a user (for the audit entry). */
function diff(before: CardholderFields, after: CardholderFields): Changes {
  const out: Changes = {};
  for (const k of Object.keys(after) as (keyof CardholderFields)[]) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = { from: before[k], to: after[k] };
  }
  return out;
}

function fieldsOf(u: CardholderRecord): CardholderFields {
  return {
    firstName: u.firstName,
    lastName: u.lastName,
    identifier: u.identifier,
    department: u.department,
    validFrom: u.validFrom,
    validUntil: u.validUntil,
    privileges: u.privileges,
    notes: u.notes,
  };
}

function identifierTaken(identifier: string): RpcError {
  return new RpcError('CONFLICT', `Another user already has the identifier ${identifier}`, {
    reason: 'identifier taken',
    field: 'identifier',
  });
}

/** The text of a CSV param, refusing files over the size limit and base64 that is not. */
function csvText(p: { csv: string; encoding: 'text' | 'base64' }): string {
  if (p.encoding === 'text') {
    if (Buffer.byteLength(p.csv, 'utf8') > MAX_CSV_BYTES)
      throw invalidParams([{ path: 'csv', message: `must be at most ${MAX_CSV_BYTES} bytes` }]);
    return p.csv;
  }
  const compact = p.csv.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw invalidParams([{ path: 'csv', message: 'is not base64' }]);
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_CSV_BYTES)
    throw invalidParams([{ path: 'csv', message: `must be at most ${MAX_CSV_BYTES} bytes` }]);
  // Bytes that are not UTF-8 become U+FFFD here; the reader reports them with their row and column.
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Cardholders ("users"), their keys, the blacklist and CSV import/export. Every write runs in one
 * transaction with its audit entry. A user's issued keys turn `needs-update` whenever what their card
 * carries changes: access levels, validity or privileges.
 */
export function userHandlers(kit: ServiceKit): HandlerGroup<keyof typeof userMethods> {
  const db = kit.site.db;
  const repo = new CardholderRepo(db);
  const keys = new CredentialRepo(db);

  const detail = (id: number, now: Date) => ({ ...repo.byId(id, now)!, keys: keys.forUser(id, now) });

  /** Where the caller reads users (users:read; undefined for the whole site): see user-partition.ts. */
  const readArea = (ctx: CallContext) => areaOf(ctx.caller?.grants, 'users:read');

  /** Refuses access level ids that do not exist, naming each by its place in the param. */
  const assertLevelsExist = (ids: readonly number[], path: string) => {
    const found = repo.existingLevels(ids);
    const issues = ids.flatMap((id, i) =>
      found.has(id) ? [] : [{ path: `${path}.${i}`, message: `no access level ${id}` }],
    );
    if (issues.length) throw invalidParams(issues);
  };

  /** A PIN's Argon2id hash, made before the transaction (hashing takes a worker thread a while). */
  const hashPin = async (pin: string) => {
    try {
      return await kit.passwords.hash(pin);
    } catch (err) {
      if (err instanceof HasherBusyError)
        throw new RpcError(
          'UNAVAILABLE',
          'Too many PINs and passwords are being hashed: try again in a few seconds',
          {
            reason: 'busy',
            retryAfterSeconds: 2,
          },
        );
      throw err;
    }
  };

  /** Writes checked CSV rows, re-checking what another call may have changed meanwhile. */
  const writeRows = (rows: readonly GoodRow[], allOrNothing: boolean, at: string) => {
    const levels = new Set(repo.allLevels().map((l) => l.id));
    const late: ImportError[] = [];
    const fresh = rows.filter((r) => {
      const id = r.fields.identifier;
      if (id !== null && repo.identifierOwner(id) !== undefined) {
        late.push({ row: r.row, field: 'identifier', message: `${id} already belongs to a user` });
        return false;
      }
      if (r.accessLevelIds.some((l) => !levels.has(l))) {
        late.push({ row: r.row, field: 'accessLevels', message: 'an access level was deleted meanwhile' });
        return false;
      }
      return true;
    });
    if (allOrNothing && late.length) return { ids: [] as number[], late };
    const create = repo.creator();
    const ids = repo.withDeferredSearchIndex(() =>
      fresh.map((r) => {
        const id = create(r.fields, at);
        repo.addLevels(id, r.accessLevelIds);
        return id;
      }),
    );
    return { ids, late };
  };

  return {
    ...userKeyHandlers(kit),

    'users.list': (p, ctx) => repo.list(p, kit.clock(), readArea(ctx)),

    'users.get': (p, ctx) => {
      const now = kit.clock();
      if (!repo.byId(p.id, now) || hiddenFrom(db, ctx, 'users:read', 'cardholder', [p.id]).length)
        throw notFound('user', p.id);
      return detail(p.id, now);
    },

    'users.create': async (p, ctx) => {
      ctx.audit!.target = `user-name:${`${p.firstName} ${p.lastName}`.trim()}`;
      const pinHash = p.pin === undefined ? null : await hashPin(p.pin);
      return db.transaction(() => {
        const now = kit.clock();
        assertLevelsExist(p.accessLevelIds, 'accessLevelIds');
        assertLevelsInScope(repo, ctx, p.accessLevelIds);
        const identifier = p.identifier ?? null;
        if (identifier !== null && repo.identifierOwner(identifier) !== undefined)
          throw identifierTaken(identifier);
        const fields: CardholderFields = {
          firstName: p.firstName,
          lastName: p.lastName,
          identifier,
          department: p.department,
          validFrom: isoOrNull(p.validFrom),
          validUntil: isoOrNull(p.validUntil),
          privileges: p.privileges,
          notes: p.notes,
        };
        const id = repo.create(fields, pinHash, now);
        repo.addLevels(id, p.accessLevelIds);
        kit.record(ctx, {
          action: 'users.create',
          target: `user:${id}`,
          detail: { ...fields, accessLevelIds: p.accessLevelIds, pinSet: pinHash !== null },
        });
        return detail(id, now);
      })();
    },

    'users.update': async (p, ctx) => {
      ctx.audit!.target = `user:${p.id}`;
      const pinHash = p.pin === undefined || p.pin === null ? p.pin : await hashPin(p.pin);
      return db.transaction(() => {
        const now = kit.clock();
        const before = repo.byId(p.id, now);
        // A user outside the caller's partition answers as one that does not exist (before the version
        // check: a CONFLICT would tell that it does).
        if (!before || hiddenFrom(db, ctx, 'users:write', 'cardholder', [p.id]).length)
          throw notFound('user', p.id);
        if (before.version !== p.version) throw stale('user', p.version, before.version);
        const privileges: Privileges = { ...before.privileges };
        for (const k of Object.keys(privileges) as (keyof Privileges)[])
          privileges[k] = p.privileges?.[k] ?? privileges[k];
        const after: CardholderFields = {
          firstName: p.firstName ?? before.firstName,
          lastName: p.lastName ?? before.lastName,
          identifier: p.identifier === undefined ? before.identifier : p.identifier,
          department: p.department ?? before.department,
          validFrom: p.validFrom === undefined ? before.validFrom : isoOrNull(p.validFrom),
          validUntil: p.validUntil === undefined ? before.validUntil : isoOrNull(p.validUntil),
          privileges,
          notes: p.notes ?? before.notes,
        };
        if (after.validFrom && after.validUntil && after.validFrom >= after.validUntil)
          throw invalidParams([
            {
              path: p.validUntil !== undefined ? 'validUntil' : 'validFrom',
              message:
                p.validUntil !== undefined
                  ? `must be after validFrom (${after.validFrom})`
                  : `must be before validUntil (${after.validUntil})`,
            },
          ]);
        const added = (p.accessLevelIds ?? []).filter((l) => !before.accessLevelIds.includes(l));
        const removed = p.accessLevelIds
          ? before.accessLevelIds.filter((l) => !p.accessLevelIds!.includes(l))
          : [];
        if (p.accessLevelIds) assertLevelsExist(p.accessLevelIds, 'accessLevelIds');
        assertLevelsInScope(repo, ctx, [...added, ...removed]);
        if (
          after.identifier !== null &&
          after.identifier !== before.identifier &&
          repo.identifierOwner(after.identifier, p.id) !== undefined
        )
          throw identifierTaken(after.identifier);
        const pin = pinHash === undefined ? repo.pinHash(p.id) : pinHash;
        if (!repo.update(p.id, p.version, after, pin, now)) throw stale('user', p.version, before.version);
        repo.addLevels(p.id, added);
        repo.removeLevels(p.id, removed);
        const changed = diff(fieldsOf(before), after);
        const accessChanged =
          added.length > 0 ||
          removed.length > 0 ||
          'validFrom' in changed ||
          'validUntil' in changed ||
          'privileges' in changed;
        const keysMarked = accessChanged ? keys.markNeedsUpdate([p.id], now) : 0;
        kit.record(ctx, {
          action: 'users.update',
          target: `user:${p.id}`,
          detail: {
            changed,
            ...(added.length || removed.length ? { accessLevels: { added, removed } } : {}),
            ...(pinHash === undefined ? {} : { pin: pinHash === null ? 'cleared' : 'set' }),
            keysMarked,
          },
        });
        return detail(p.id, now);
      })();
    },

    'users.delete': (p, ctx) => {
      db.transaction(() => {
        const now = kit.clock();
        ctx.audit!.target = `user:${p.id}`;
        const before = repo.byId(p.id, now);
        if (!before || hiddenFrom(db, ctx, 'users:write', 'cardholder', [p.id]).length)
          throw notFound('user', p.id);
        if (before.version !== p.version) throw stale('user', p.version, before.version);
        // Deleting takes the user's access levels away: the same partition rule as removing them.
        assertLevelsInScope(repo, ctx, before.accessLevelIds);
        const live = keys.liveCount(p.id, now);
        if (live > 0)
          throw new RpcError(
            'CONFLICT',
            `User ${p.id} still holds ${live} key${live > 1 ? 's' : ''} that can open doors: cancel ${live > 1 ? 'them' : 'it'} first`,
            { reason: 'has keys', keys: live },
          );
        if (!repo.delete(p.id, p.version)) throw stale('user', p.version, before.version);
        kit.record(ctx, {
          action: 'users.delete',
          target: `user:${p.id}`,
          detail: { firstName: before.firstName, lastName: before.lastName, identifier: before.identifier },
        });
      })();
      return { deleted: true as const };
    },

    'users.bulkUpdate': (p, ctx) =>
      db.transaction(() => {
        const now = kit.clock();
        ctx.audit!.target = 'users';
        const c = p.changes;
        const before = new Map(repo.byIds(p.ids, now).map((u) => [u.id, u]));
        // Users outside the caller's partition are missing as far as the caller can tell.
        const hidden = new Set(hiddenFrom(db, ctx, 'users:write', 'cardholder', [...before.keys()]));
        const missing = p.ids.filter((id) => !before.has(id) || hidden.has(id));
        if (missing.length)
          throw new RpcError('NOT_FOUND', `No user ${missing.slice(0, 20).join(', ')}: reload the list`, {
            missing,
          });
        const add = c.addAccessLevelIds ?? [];
        const remove = c.removeAccessLevelIds ?? [];
        assertLevelsExist(add, 'changes.addAccessLevelIds');
        assertLevelsExist(remove, 'changes.removeAccessLevelIds');
        assertLevelsInScope(repo, ctx, [...add, ...remove]);
        const validUntil = c.validUntil === undefined ? undefined : isoOrNull(c.validUntil);
        if (validUntil) {
          const clash = p.ids.filter((id) => {
            const from = before.get(id)!.validFrom;
            return from !== null && from >= validUntil;
          });
          if (clash.length)
            throw invalidParams([
              {
                path: 'changes.validUntil',
                message: `must be after the validFrom of user ${clash.slice(0, 20).join(', ')}`,
              },
            ]);
        }
        const accessChanged: number[] = [];
        for (const id of p.ids) {
          const u = before.get(id)!;
          const set: { department?: string; validUntil?: string | null } = {};
          if (c.department !== undefined) set.department = c.department;
          if (validUntil !== undefined) set.validUntil = validUntil;
          repo.bulkSet(id, set, now);
          const adds = add.filter((l) => !u.accessLevelIds.includes(l));
          const removes = remove.filter((l) => u.accessLevelIds.includes(l));
          repo.addLevels(id, adds);
          repo.removeLevels(id, removes);
          if (adds.length || removes.length || (validUntil !== undefined && validUntil !== u.validUntil))
            accessChanged.push(id);
        }
        const keysMarked = keys.markNeedsUpdate(accessChanged, now);
        kit.record(ctx, {
          action: 'users.bulkUpdate',
          target: 'users',
          detail: {
            ids: p.ids,
            changes: { ...c, ...(validUntil === undefined ? {} : { validUntil }) },
            keysMarked,
          },
        });
        return { updated: p.ids.length };
      })(),

    'users.importCsv': (p, ctx) =>
      kit.operations.run(ctx, 'users.importCsv', p.operationId, async (op) => {
        ctx.audit!.target = 'users';
        const text = csvText(p);
        const levels = new Map(repo.allLevels().map((l) => [asciiFold(l.name), l.id]));
        const outside = levelsOutsideScope(repo, ctx, [...levels.values()]);
        const read = await readUsersCsv(
          text,
          {
            levelByName: (name) => levels.get(asciiFold(name)),
            levelProblem: (id) => {
              const o = outside.get(id);
              return o && describeOutside(id, o);
            },
            identifierTaken: (identifier) => repo.identifierOwner(identifier) !== undefined,
          },
          { signal: op.signal, progress: (done, total, rows) => op.report(done, total, rows) },
        );
        const allOrNothing = p.mode === 'all-or-nothing';
        const rows = allOrNothing && read.errorCount > 0 ? [] : read.good;
        const summary = { mode: p.mode, dryRun: p.dryRun, rows: read.rows, errorCount: read.errorCount };
        if (p.dryRun || rows.length === 0) {
          kit.record(ctx, {
            action: 'users.importCsv',
            target: 'users',
            detail: { ...summary, imported: 0, wouldImport: rows.length },
          });
          op.end(text.length, read.rows);
          return {
            rows: read.rows,
            imported: rows.length,
            dryRun: p.dryRun,
            errors: read.errors,
            errorCount: read.errorCount,
          };
        }
        // Past this point the import completes: a cancel that came first answers CANCELLED instead.
        op.beginWriting(text.length, read.rows);
        // Checking ran with the event loop free; the writing is one synchronous transaction, so nothing
        // else can interleave with it and a failure leaves nothing behind.
        const result = db.transaction(() => {
          const at = kit.clock().toISOString();
          const { ids, late } = writeRows(rows, allOrNothing, at);
          const errors = [...read.errors, ...late].sort((a, b) => a.row - b.row);
          const errorCount = read.errorCount + late.length;
          kit.record(ctx, {
            action: 'users.importCsv',
            target: 'users',
            detail: {
              ...summary,
              errorCount,
              imported: ids.length,
              ids: ids.length ? { from: ids[0], to: ids[ids.length - 1] } : null,
            },
          });
          return { rows: read.rows, imported: ids.length, dryRun: false, errors, errorCount };
        })();
        op.end(text.length, read.rows);
        return result;
      }),

    'users.exportCsv': async (p, ctx) => {
      const now = kit.clock();
      const ids = repo.matchingIds(p, now, readArea(ctx));
      const csv = await usersCsv(repo, ids, now);
      // A bulk copy of personal data: recorded although it changes nothing.
      kit.record(ctx, {
        action: 'users.exportCsv',
        target: 'users',
        detail: { rows: ids.length, filters: p },
      });
      return { csv, rows: ids.length };
    },
  };
}
