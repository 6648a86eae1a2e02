import { randomBytes, randomUUID } from 'node:crypto';
import type { PpdStatus, RoundSummary } from '../contract/methods/locks.js';
import { PpdHost, type PpdInfo } from '../ppd/ppd-host.js';
import { MAX_PAYLOAD_JSON } from '../ppd/ppd-payloads.js';
import { Round } from '../ppd/round.js';
import type { SerialPorts } from '../ports/serial.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError } from '../rpc/rpc-error.js';
import { compileDoor, currentRevision } from '../store/access-compiler.js';
import { LockRepo, ppdPairingSecret, roundSecret, type RoundRecord } from '../store/lock-repo.js';
import { idsInside } from '../store/partition-sql.js';
import { SiteRepo } from '../store/site-repo.js';
import { blacklistAfter, blacklistLatestSeq, withMaster } from './device-sync.js';
import type { EventLog } from './event-log.js';
import { areaOf } from './grants.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';
import { publishLocks } from './lock-handlers.js';
import { importResults } from './lock-import.js';
import { LOCK_KEY_VERSION, lockCardKeys, lockKey, ppdSiteTag } from './lock-keys.js';
import { buildRound, emergencyOpening, roundBytes, roundRequest, type DoorToVisit } from './lock-round.js';
import { wrappedGroupKeyFor } from '../store/mobile-repo.js';
import type { Operation } from './operations.js';
import { ppdFailure, ppdUnavailable, syncFirst } from './ppd-errors.js';

/**
 * The PPD methods: the ports, a PPD's status, pairing, loading a round (with progress, cancellable until
 * the PPD commits it, resumed when cut short) and syncing what it brought back. Each call opens the
 * port, talks, and closes it again: the technician unplugs the PPD between calls, and a call never
 * leaves a port held. One call at a time per port.
 */

/** What the handlers need besides the kit. */
export interface PpdDeps {
  /** The machine's serial ports; undefined: the host gave none (`lintel serve --no-serial`). */
  serial: SerialPorts | undefined;
  eventLog: EventLog;
}

/** A PPD's pairing key: 16 random bytes (the session's shared key). */
const PAIRING_KEY_BYTES = 16;

const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** A generous size of one task's JSON besides the blacklist (keys, names, door tables). */
const TASK_OVERHEAD_BYTES = 4 * 1024;

/** The error for a round larger than a PPD takes, saying how many locks fit. */
function roundTooLarge(doors: number, entries: number, perTask: number): RpcError {
  const fit = Math.max(1, Math.floor(MAX_PAYLOAD_JSON / perTask));
  return new RpcError(
    'CONFLICT',
    `A round of ${doors} locks, each loaded with the whole blacklist (${entries} entries), is more than a PPD holds: load at most ${fit} locks per round, or compact the blacklist`,
    { reason: 'round-too-large', fit },
  );
}

/** A round as the console sees it. */
function summary(repo: LockRepo, r: RoundRecord): RoundSummary {
  return {
    roundId: r.roundId,
    ppdSerial: r.ppdSerial,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    doorIds: r.doors.map((d) => d.doorId),
    emergencyDoorId: r.emergencyDoorId,
    state: r.state,
    visits: repo.visitsOf(r.roundId).map((v) => ({
      doorId: v.doorId,
      doorName: v.doorName,
      outcome: v.outcome,
      error: v.error,
      visitedAt: v.visitedAt,
      auditImported: v.auditImported,
    })),
  };
}

export function ppdHandlers(
  kit: ServiceKit,
  deps: PpdDeps,
): HandlerGroup<'ppd.ports' | 'ppd.status' | 'ppd.pair' | 'ppd.loadRound' | 'ppd.sync' | 'ppd.rounds'> {
  const db = kit.site.db;
  const repo = new LockRepo(db);
  const tag = ppdSiteTag(kit.site.siteId);
  const busy = new Set<string>();

  /** Runs `work` with the PPD on `path` open; the port is closed however it ends. */
  async function withPpd<T>(path: string, method: string, work: (ppd: PpdHost) => Promise<T>): Promise<T> {
    const serial = deps.serial;
    if (!serial)
      throw ppdUnavailable(
        'no-serial',
        'This Lintel was started without serial ports (--no-serial): restart it without that option to use a PPD',
      );
    if (busy.has(path))
      throw ppdUnavailable('busy', `The PPD on ${path} is busy with another call: wait for it to finish`);
    busy.add(path);
    let ppd: PpdHost | undefined;
    try {
      ppd = await PpdHost.open(serial, path);
      return await work(ppd);
    } catch (err) {
      throw ppdFailure(err, method);
    } finally {
      await ppd?.close().catch(() => undefined);
      busy.delete(path);
    }
  }

  /** A PPD paired with another site: it cannot be used here until it is reset. */
  function otherSite(serial: string): RpcError {
    return ppdUnavailable(
      'other-site',
      `PPD ${serial} is paired with another site: reset it (on the PPD: Settings → Reset), then pair it here`,
    );
  }

  /** Who the PPD is, refused unless it is paired with this site; then the session under its key. */
  async function authenticated(ppd: PpdHost, signal?: AbortSignal): Promise<PpdInfo> {
    const info = await ppd.info(tag);
    if (info.paired === 'other-site') throw otherSite(info.serial);
    if (info.paired === 'unpaired')
      throw ppdUnavailable('unpaired', `PPD ${info.serial} is not paired with this site: pair it first`);
    const key = kit.site.secrets.get(ppdPairingSecret(info.serial));
    if (!key)
      throw ppdUnavailable(
        'unpaired',
        `PPD ${info.serial} was paired with this site, but the site holds no key for it (restored from an older backup?): reset the PPD and pair it again`,
      );
    try {
      await ppd.authenticate(key.value, signal);
    } finally {
      key.value.fill(0);
    }
    return info;
  }

  /** The status the console shows; the round and pending results only for a PPD of this site. */
  async function status(ppd: PpdHost, path: string, info: PpdInfo, authed: boolean): Promise<PpdStatus> {
    const state = authed ? await ppd.state() : { round: null, resultsPending: 0 };
    return {
      path,
      serial: info.serial,
      firmware: info.firmware,
      paired: info.paired,
      round: state.round,
      resultsPending: state.resultsPending,
      battery: info.battery,
    };
  }

  /** The offline doors asked for, refusing unknown ones and those outside the caller's ppd:use part. */
  function doorsToVisit(ctx: CallContext, doorIds: readonly number[]) {
    const doors = doorIds.map((id) => {
      const door = repo.offlineDoor(id);
      if (!door) throw new RpcError('NOT_FOUND', `No offline door ${id}: reload the list`);
      return door;
    });
    const area = areaOf(ctx.caller?.grants, 'ppd:use');
    if (area) {
      const inside = idsInside(db, 'door', doorIds, area);
      const outside = doorIds.find((id) => !inside.has(id));
      if (outside !== undefined) {
        // A door the caller cannot even see is not there for them; one they see is refused by name.
        const readArea = areaOf(ctx.caller?.grants, 'doors:read');
        if (readArea && !idsInside(db, 'door', [outside], readArea).has(outside))
          throw new RpcError('NOT_FOUND', `No offline door ${outside}: reload the list`);
        throw new RpcError('FORBIDDEN', `Door ${outside} is outside your part of the site for the PPD`, {
          permission: 'ppd:use',
        });
      }
    }
    return doors;
  }

  /**
   * The round to load: the one whose load was cut short, when it was asked for the same way and the
   * site has not changed since (its sealed bytes give the PPD the very bytes it holds part of); else a
   * new one, stored with its bytes sealed before anything travels.
   */
  function roundToLoad(
    ctx: CallContext,
    ppdSerial: string,
    p: { doorIds: number[]; emergency?: { doorId: number; reason: string } },
  ): { round: Round; record: RoundRecord } {
    const now = kit.clock();
    const doorIds = [...new Set([...p.doorIds, ...(p.emergency ? [p.emergency.doorId] : [])])];
    const request = roundRequest(doorIds, p.emergency);
    return db.transaction(() => {
      const doors = doorsToVisit(ctx, doorIds);
      const revision = currentRevision(db);
      const latestSeq = blacklistLatestSeq(db);
      const cut = repo.loadingRound(ppdSerial, request);
      if (cut && cut.revision === revision && cut.blacklistSeq === latestSeq) {
        const sealed = kit.site.secrets.get(roundSecret(cut.roundId));
        if (sealed) {
          try {
            const round = Round.parse(JSON.parse(sealed.value.toString('utf8')));
            const expired = round.tasks.some(
              (t) => t.emergency && t.emergency.validUntil <= epochSeconds(now),
            );
            if (!expired) return { round, record: cut };
          } finally {
            sealed.value.fill(0);
          }
        }
      }
      // Whatever was loading into this PPD before is given up: this round replaces it.
      for (const r of repo.roundsOf(ppdSerial, ['loading'])) repo.setRoundState(r.roundId, 'replaced');

      const caller = ctx.caller!;
      const opening =
        p.emergency &&
        emergencyOpening(
          { operatorId: caller.operatorId, operatorName: caller.displayName },
          p.emergency.reason,
          epochSeconds(now),
        );
      const timeZone = new SiteRepo(db).get().timeZone;
      const blacklist = { latestSeq, entries: blacklistAfter(db, 0) };
      // Every task carries the whole blacklist: refuse a round the PPD could not take before building it.
      const perTask = JSON.stringify(blacklist).length + TASK_OVERHEAD_BYTES;
      if (perTask * doors.length > MAX_PAYLOAD_JSON)
        throw roundTooLarge(doors.length, blacklist.entries.length, perTask);
      const { round, carried } = withMaster(kit.site, (master) =>
        buildRound({
          roundId: randomUUID(),
          siteId: kit.site.siteId,
          createdAt: epochSeconds(now),
          createdBy: caller.username,
          doors: doors.map((d): DoorToVisit => ({
            doorId: d.doorId,
            doorName: d.doorName,
            lock: d.lock,
            tables: compileDoor(db, d.doorId)!,
          })),
          site: {
            siteId: kit.site.siteId,
            timeZone,
            blacklist,
            cardKeys: lockCardKeys(master, kit.site.siteId),
            lockKeyVersion: LOCK_KEY_VERSION,
            lockKey: (doorId, version) => lockKey(master, kit.site.siteId, doorId, version).toString('hex'),
            mobileKey: (doorId) => wrappedGroupKeyFor(db, doorId),
          },
          ...(p.emergency
            ? {
                emergency: {
                  doorId: p.emergency.doorId,
                  opening: opening!,
                },
              }
            : {}),
        }),
      );
      const { bytes, digest } = roundBytes(round);
      if (bytes.length > MAX_PAYLOAD_JSON)
        throw roundTooLarge(doors.length, blacklist.entries.length, perTask);
      const record: Omit<RoundRecord, 'state'> = {
        roundId: round.roundId,
        ppdSerial,
        createdAt: now.toISOString(),
        createdBy: caller.username,
        operatorId: caller.operatorId,
        emergencyDoorId: p.emergency?.doorId ?? null,
        request,
        revision,
        blacklistSeq: latestSeq,
        digest,
        totalBytes: bytes.length,
        doors: carried,
      };
      repo.createRound(record);
      kit.site.secrets.put(roundSecret(round.roundId), 1, bytes, now);
      bytes.fill(0);
      if (p.emergency) {
        kit.record(ctx, {
          action: 'ppd.emergency',
          target: `door:${p.emergency.doorId}`,
          detail: {
            reason: p.emergency.reason,
            ppd: ppdSerial,
            roundId: round.roundId,
            validUntil: new Date(opening!.validUntil * 1000).toISOString(),
          },
        });
        // The call's own entry (ok or failed) is still written: this one only adds the emergency.
        if (ctx.audit) ctx.audit.recorded = false;
      }
      return { round, record: { ...record, state: 'loading' as const } };
    })();
  }

  /** Reports a byte count as progress; the last chunk sent is where cancelling stops (the PPD commits next). */
  function loadProgress(op: Operation) {
    return (done: number, total: number) => {
      if (done >= total && op.cancellable) {
        try {
          op.beginWriting(total);
        } catch {
          // Cancelled first: the signal stops the load before the commit.
        }
      } else op.report(done, total);
    };
  }

  return {
    'ppd.ports': async () => {
      if (!deps.serial) return { ports: [] };
      const ports = await deps.serial.list();
      return {
        ports: ports.map((p) => ({
          path: p.path,
          ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
          ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
          ...(p.vendorId ? { vendorId: p.vendorId } : {}),
          ...(p.productId ? { productId: p.productId } : {}),
        })),
      };
    },

    'ppd.status': (p) =>
      withPpd(p.path, 'ppd.status', async (ppd) => {
        const info = await ppd.info(tag);
        const ours = info.paired === 'this-site' && kit.site.secrets.get(ppdPairingSecret(info.serial));
        if (ours) ours.value.fill(0);
        if (ours) await authenticated(ppd);
        return status(ppd, p.path, info, Boolean(ours));
      }),

    'ppd.pair': (p, ctx) =>
      withPpd(p.path, 'ppd.pair', async (ppd) => {
        const info = await ppd.info(tag);
        if (info.paired === 'other-site') throw otherSite(info.serial);
        if (info.paired === 'this-site')
          throw new RpcError(
            'CONFLICT',
            `PPD ${info.serial} is already paired with this site: only a reset of the PPD pairs it again`,
            { reason: 'already paired' },
          );
        const key = randomBytes(PAIRING_KEY_BYTES);
        try {
          // Stored before the PPD takes it, so a PPD never holds a key the site lost.
          db.transaction(() => {
            const now = kit.clock();
            kit.site.secrets.replace(ppdPairingSecret(info.serial), 1, key, now);
            repo.savePpd(info.serial, ctx.caller?.username ?? 'unknown', now);
            kit.record(ctx, { action: 'ppd.pair', target: `ppd:${info.serial}` });
          })();
          await ppd.pair(key, tag);
        } finally {
          key.fill(0);
        }
        const after = await ppd.info(tag);
        if (after.paired !== 'this-site')
          throw ppdUnavailable('refused', `PPD ${info.serial} did not keep the pairing: try again`);
        await authenticated(ppd);
        return status(ppd, p.path, after, true);
      }),

    'ppd.loadRound': async (p, ctx) => {
      // The permission and the doors are checked before the port is opened.
      if (p.emergency && !ctx.caller?.permissions.has('ppd:emergency'))
        throw new RpcError('FORBIDDEN', 'An emergency opening needs the ppd:emergency permission', {
          permission: 'ppd:emergency',
        });
      doorsToVisit(ctx, [...p.doorIds, ...(p.emergency ? [p.emergency.doorId] : [])]);
      return kit.operations.run(ctx, 'ppd.loadRound', p.operationId, (op) =>
        withPpd(p.path, 'ppd.loadRound', async (ppd) => {
          const info = await authenticated(ppd, op.signal);
          const state = await ppd.state();
          if (state.resultsPending > 0) throw syncFirst(state.resultsPending);
          const { round, record } = roundToLoad(ctx, info.serial, p);
          op.report(0, record.totalBytes);
          await ppd.loadRound(round, { signal: op.signal, onProgress: loadProgress(op) });
          const loaded = db.transaction(() => {
            // The PPD holds this round now: the one it carried before is gone from it.
            for (const r of repo.roundsOf(info.serial, ['loading', 'loaded']))
              if (r.roundId !== round.roundId) repo.setRoundState(r.roundId, 'replaced');
            repo.setRoundState(round.roundId, 'loaded');
            kit.record(ctx, {
              action: 'ppd.loadRound',
              target: `ppd:${info.serial}`,
              detail: {
                roundId: round.roundId,
                doorIds: record.doors.map((d) => d.doorId),
                emergencyDoorId: record.emergencyDoorId,
              },
            });
            return summary(repo, repo.round(round.roundId)!);
          })();
          op.end(record.totalBytes);
          publishLocks(kit, loaded.doorIds);
          return loaded;
        }),
      );
    },

    'ppd.sync': (p, ctx) =>
      kit.operations.run(ctx, 'ppd.sync', p.operationId, (op) =>
        withPpd(p.path, 'ppd.sync', async (ppd) => {
          const info = await authenticated(ppd, op.signal);
          // Everything is read before anything is stored: a PPD pulled mid-read imports nothing.
          const results = await ppd.readResults({ signal: op.signal, onProgress: (d, t) => op.report(d, t) });
          op.beginWriting(results.length);
          const imported = importResults(db, deps.eventLog, results, {
            ppdSerial: info.serial,
            now: kit.clock(),
          });
          deps.eventLog.publish(imported.events);
          publishLocks(kit, imported.doors);
          try {
            await ppd.ackResults(results.length);
          } catch (err) {
            const failure = ppdFailure(err, 'ppd.sync');
            throw failure instanceof RpcError
              ? new RpcError(
                  failure.errorName,
                  `${imported.visits.length} visits were imported, but the PPD could not be told (${failure.message}): sync it again (nothing is imported twice)`,
                  failure.data,
                )
              : failure;
          }
          // Rounds the PPD finished (or no longer carries) are synced once their results are in.
          const state = await ppd.state();
          const touched = new Set(imported.rounds);
          db.transaction(() => {
            for (const r of repo.roundsOf(info.serial, ['loaded'])) {
              const carried = state.round?.roundId === r.roundId ? state.round : null;
              if (state.resultsPending === 0 && (!carried || carried.visited >= carried.tasks)) {
                repo.setRoundState(r.roundId, 'synced');
                touched.add(r.roundId);
              }
            }
            kit.record(ctx, {
              action: 'ppd.sync',
              target: `ppd:${info.serial}`,
              detail: { visits: imported.visits.length, auditRecords: imported.auditImported },
            });
          })();
          op.end(results.length);
          const rounds = [...touched].flatMap((id) => {
            const r = repo.round(id);
            return r ? [summary(repo, r)] : [];
          });
          return { rounds, imported: imported.visits.length };
        }),
      ),

    'ppd.rounds': (p) => ({ rounds: repo.recentRounds(p.limit).map((r) => summary(repo, r)) }),
  };
}
