import { BLACKLIST_CAPACITY, COMPACTION_MARGIN_SECONDS } from '../access/blacklist.js';
import { RpcError, invalidParams } from '../rpc/rpc-error.js';
import { CardholderRepo } from '../store/cardholder-repo.js';
import { CredentialRepo, workingUntil } from '../store/credential-repo.js';
import type { CallContext } from '../rpc/context.js';
import type { NewAccessEvent } from '../store/event-repo.js';
import { EventLog } from './event-log.js';
import { areaOf } from './grants.js';
import { notFound, stale, type HandlerGroup, type ServiceKit } from './handler-kit.js';
import { hiddenFrom } from './user-partition.js';

/** How far back the blacklist forecast looks. */
const FORECAST_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The `configuration` event an operator's change to a key leaves in the event history, beside the
 * key's other events: no door, the key and its holder, what happened (`reason`) and who did it.
 */
function keyEvent(
  ctx: CallContext,
  key: { id: number; userId: number | null; uid: string },
  reason: 'key-cancelled' | 'key-revalidated',
  now: Date,
  detail: Record<string, unknown>,
): NewAccessEvent {
  return {
    at: now.toISOString(),
    kind: 'configuration',
    doorId: null,
    userId: key.userId,
    credentialId: key.id,
    reason,
    source: 'console',
    detail: { operator: ctx.caller?.username ?? null, uid: key.uid, ...detail },
  };
}

/** What a new key needs. */
export interface NewKey {
  userId: number;
  /** Upper-case hex. */
  uid: string;
  expiresAt?: string | undefined;
  revalidationHours?: number | undefined;
}

/**
 * Issues a key inside the caller's transaction, with its audit entry: refuses a user outside the
 * caller's partition (as missing), an expiry in the past, and a card UID that already holds a live key.
 * Used by keys.issue and by the encoder (which issues the key it is about to write).
 */
export function issueKey(
  kit: ServiceKit,
  ctx: CallContext,
  k: NewKey,
  now: Date,
  /** Whether to write the audit entry now (the encoder writes it once the card holds the key). */
  record = true,
): number {
  const db = kit.site.db;
  const keys = new CredentialRepo(db);
  ctx.audit!.target = `user:${k.userId}`;
  if (
    !new CardholderRepo(db).byId(k.userId, now) ||
    hiddenFrom(db, ctx, 'keys:encode', 'cardholder', [k.userId]).length
  )
    throw notFound('user', k.userId);
  const expiresAt = k.expiresAt === undefined ? null : new Date(k.expiresAt).toISOString();
  if (expiresAt !== null && expiresAt <= now.toISOString())
    throw invalidParams([{ path: 'expiresAt', message: 'must be in the future' }]);
  const holder = keys.liveByUid(k.uid, now);
  if (holder !== undefined)
    throw new RpcError('CONFLICT', `Card ${k.uid} is already key ${holder}: cancel that key first`, {
      reason: 'uid in use',
      keyId: holder,
    });
  const revalidationHours = k.revalidationHours ?? null;
  const id = keys.issue({ userId: k.userId, uid: k.uid, expiresAt, revalidationHours }, now);
  const detail = { userId: k.userId, uid: k.uid, expiresAt, revalidationHours };
  if (record) kit.record(ctx, { action: 'keys.issue', target: `key:${id}`, detail });
  else ctx.audit!.detail = { ...ctx.audit!.detail, keyId: id, ...detail };
  return id;
}

/**
 * Keys: issue, cancel (onto the blacklist), revalidate; and the blacklist's state and compaction. A
 * partitioned operator sees and handles only the keys of the users inside their partition (a key is
 * where its holder is; one whose holder was deleted, only site-wide operators).
 */
export function userKeyHandlers(
  kit: ServiceKit,
): HandlerGroup<
  'keys.list' | 'keys.issue' | 'keys.cancel' | 'keys.revalidate' | 'blacklist.status' | 'blacklist.compact'
> {
  const db = kit.site.db;
  const keys = new CredentialRepo(db);
  const eventLog = new EventLog(db, kit.events);
  const compactionCutoff = (now: Date) => new Date(now.getTime() - COMPACTION_MARGIN_SECONDS * 1000);

  return {
    'keys.list': (p, ctx) => keys.list(p, kit.clock(), areaOf(ctx.caller?.grants, 'users:read')),

    'keys.issue': (p, ctx) =>
      db.transaction(() => {
        const now = kit.clock();
        const id = issueKey(kit, ctx, { ...p, uid: p.uid.toUpperCase() }, now);
        return keys.byId(id, now)!;
      })(),

    'keys.cancel': (p, ctx) => {
      const { key, stored } = db.transaction(() => {
        const now = kit.clock();
        ctx.audit!.target = `key:${p.id}`;
        const before = keys.byId(p.id, now);
        // Outside the caller's partition answers as missing, before the version check tells otherwise.
        if (!before || hiddenFrom(db, ctx, 'keys:encode', 'credential', [p.id]).length)
          throw notFound('key', p.id);
        if (before.version !== p.version) throw stale('key', p.version, before.version);
        if (before.status === 'cancelled')
          throw new RpcError('CONFLICT', `Key ${p.id} is already cancelled`, { reason: 'cancelled' });
        // A key that stopped working longer ago than any lock clock can lag needs no entry: every door
        // refuses it already (the same rule compaction applies).
        const until = workingUntil(before);
        const needsEntry = until > compactionCutoff(now);
        if (needsEntry) {
          const entries = keys.blacklistSize();
          if (entries >= BLACKLIST_CAPACITY) {
            const compactable = keys.expiredEntries(compactionCutoff(now));
            throw new RpcError(
              'CONFLICT',
              `The blacklist is full (${entries} of ${BLACKLIST_CAPACITY} entries): run blacklist.compact` +
                (compactable
                  ? ` (it would free ${compactable}), then cancel again`
                  : ', though no entry is old enough to go yet: keys with shorter expiry dates fill it more slowly'),
              { reason: 'blacklist full', entries, capacity: BLACKLIST_CAPACITY, compactable },
            );
          }
        }
        if (!keys.cancel(p.id, p.version, now)) throw stale('key', p.version, before.version);
        const seq = needsEntry ? keys.blacklist(p.id, until, now) : null;
        kit.record(ctx, {
          action: 'keys.cancel',
          target: `key:${p.id}`,
          detail: {
            userId: before.userId,
            uid: before.uid,
            blacklistSeq: seq,
            workingUntil: until.toISOString(),
          },
        });
        // In the event history too, committed with the cancellation, and live once committed.
        const stored = eventLog.store([
          keyEvent(ctx, before, 'key-cancelled', now, {
            blacklistSeq: seq,
            workingUntil: until.toISOString(),
          }),
        ]);
        return { key: keys.byId(p.id, now)!, stored };
      })();
      eventLog.publish(stored);
      return key;
    },

    'keys.revalidate': (p, ctx) => {
      const { key, stored } = db.transaction(() => {
        const now = kit.clock();
        ctx.audit!.target = `key:${p.id}`;
        const before = keys.byId(p.id, now);
        if (!before || hiddenFrom(db, ctx, 'keys:encode', 'credential', [p.id]).length)
          throw notFound('key', p.id);
        if (before.status === 'cancelled' || before.status === 'expired')
          throw new RpcError('CONFLICT', `Key ${p.id} is ${before.status}: issue a new one`, {
            reason: before.status,
          });
        keys.revalidate(p.id, now);
        kit.record(ctx, {
          action: 'keys.revalidate',
          target: `key:${p.id}`,
          detail: { from: before.status, revalidatedAt: now.toISOString() },
        });
        const stored = eventLog.store([
          keyEvent(ctx, before, 'key-revalidated', now, { from: before.status }),
        ]);
        return { key: keys.byId(p.id, now)!, stored };
      })();
      eventLog.publish(stored);
      return key;
    },

    'blacklist.status': () => {
      const now = kit.clock();
      const entries = keys.blacklistSize();
      const perDay = keys.cancelledSince(new Date(now.getTime() - FORECAST_DAYS * DAY_MS)) / FORECAST_DAYS;
      return {
        entries,
        capacity: BLACKLIST_CAPACITY,
        latestSeq: keys.latestSeq(),
        compactable: keys.expiredEntries(compactionCutoff(now)),
        forecast: {
          perDay,
          fullInDays: perDay > 0 ? Math.max(0, Math.floor((BLACKLIST_CAPACITY - entries) / perDay)) : null,
        },
      };
    },

    'blacklist.compact': (_p, ctx) =>
      db.transaction(() => {
        const now = kit.clock();
        ctx.audit!.target = 'blacklist';
        const removed = keys.removeExpiredEntries(compactionCutoff(now));
        const entries = keys.blacklistSize();
        kit.record(ctx, {
          action: 'blacklist.compact',
          target: 'blacklist',
          detail: { removed, entries, cutoff: compactionCutoff(now).toISOString() },
        });
        return { removed, entries };
      })(),
  };
}
