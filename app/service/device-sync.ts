import { hkdfSync } from 'node:crypto';
import { siteCardKey, siteUidKey } from '../card/card-keys.js';
import type {
  ReplicaCard,
  RfLockConfig,
  RfNetworkConfig,
  SyncParams,
  SyncReply,
} from '../devices/protocol.js';
import type { OpenSite } from '../site/site.js';
import { compileCard, compileDoor, currentRevision } from '../store/access-compiler.js';
import { DeviceRepo, devicePskSecret, type DeviceRecord } from '../store/device-repo.js';
import { wrappedGroupKeyFor } from '../store/mobile-repo.js';
import { joinKeySecret, RfLockRepo } from '../store/rf-lock-repo.js';
import { SiteRepo } from '../store/site-repo.js';
import type { Db } from '../store/sqlite.js';
import { CARD_KEY_VERSION } from './encoder-handlers.js';
import { LOCK_KEY_VERSION, lockKey } from './lock-keys.js';
import { rfNetworkKey } from './rf-keys.js';

/**
 * What the Service answers a device's `sync` (app/devices/protocol.ts): the small whole part (card
 * keys, time zone, the tables of the doors it serves, its readers with their OSDP keys, a gateway's
 * units) and the live keys and blacklist, as changes after what the device holds or whole.
 *
 * Incremental cards come from the change feed: a changed key or blacklist entry names the key; a
 * changed cardholder (a fingerprint template set or cleared too) or membership names that holder's keys; a changed access level's rights name the
 * keys of its holders. Each named key is compiled afresh and sent when live, or removed otherwise, so
 * applying the changes gives the same replica as a full reload (tested in device-sync.test.ts).
 *
 * RF locks (issue 10) ride along whole: a control unit's RF network and its locks (a gateway's: each
 * of its units'), with the lock keys and outstanding join keys its RF node needs (see {@link rfPart}).
 */

/** Key statuses a door still honours. */
const LIVE = ['issued', 'needs-update'] as const;

/** The Secure Channel base key of one OSDP reader: HKDF-SHA256 of the site master key, 16 bytes. */
export function readerScbk(master: Uint8Array, siteId: string, unitId: number, address: number): Buffer {
  const info = `lintel/osdp-scbk/v1|site=${siteId.toLowerCase()}|unit=${unitId}|address=${address}`;
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), Buffer.from(info, 'utf8'), 16));
}

/** Runs `use` with the site master key, wiped afterwards. */
export function withMaster<T>(site: OpenSite, use: (master: Buffer) => T): T {
  const master = site.secrets.get('site.master');
  if (!master) throw new Error('device sync: the site has no master key');
  try {
    return use(master.value);
  } finally {
    master.value.fill(0);
  }
}

/** A live key as the replica holds it, or undefined when the key is not live (or has no holder). */
function replicaCard(db: Db, credentialId: number): ReplicaCard | undefined {
  const extra = db
    .prepare(
      `SELECT k.status, k.revalidation_hours, c.pin_hash, c.finger_template
         FROM credential k JOIN cardholder c ON c.id = k.cardholder_id WHERE k.id = ?`,
    )
    .get(credentialId) as
    | {
        status: string;
        revalidation_hours: number | null;
        pin_hash: string | null;
        finger_template: Buffer | null;
      }
    | undefined;
  if (!extra || !(LIVE as readonly string[]).includes(extra.status)) return undefined;
  const data = compileCard(db, credentialId);
  if (!data) return undefined;
  return {
    ...data,
    rights: [...data.rights],
    pinHash: extra.pin_hash,
    revalidationWindowSeconds: extra.revalidation_hours === null ? null : extra.revalidation_hours * 3600,
    fingerTemplate: extra.finger_template === null ? null : extra.finger_template.toString('hex'),
  };
}

/** The keys the changes after `since` may have changed. */
function touchedCredentials(db: Db, since: number): number[] {
  return db
    .prepare(
      `WITH ch AS (SELECT DISTINCT entity, entity_id FROM change_log WHERE revision > ?)
       SELECT entity_id FROM ch WHERE entity IN ('credential', 'blacklist')
       UNION SELECT k.id FROM credential k JOIN ch
         ON ch.entity IN ('cardholder', 'cardholder_access_level') AND k.cardholder_id = ch.entity_id
       UNION SELECT k.id FROM credential k
         JOIN cardholder_access_level m ON m.cardholder_id = k.cardholder_id
         JOIN ch ON ch.entity IN ('access_level_right', 'access_level') AND m.access_level_id = ch.entity_id
       ORDER BY 1`,
    )
    .pluck()
    .all(since) as number[];
}

/**
 * The site's newest blacklist sequence number: the AUTOINCREMENT counter, so entries compacted away
 * (or every entry) still leave it where it was and no door mistakes an older list for a newer one.
 */
export function blacklistLatestSeq(db: Db): number {
  return (
    (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'blacklist'").pluck().get() as
      number | undefined) ?? 0
  );
}

/** The blacklist entries after `seq`, oldest first, as doors hold them. */
export function blacklistAfter(
  db: Db,
  seq: number,
): { seq: number; credentialId: number; expiresAt: number }[] {
  return (
    db
      .prepare('SELECT seq, credential_id, expires_at FROM blacklist WHERE seq > ? ORDER BY seq')
      .all(seq) as {
      seq: number;
      credential_id: number;
      expires_at: string;
    }[]
  ).map((r) => ({
    seq: r.seq,
    credentialId: r.credential_id,
    expiresAt: Math.max(0, Math.floor(Date.parse(r.expires_at) / 1000)),
  }));
}

/**
 * The RF part of a sync reply: the RF networks of the units (a control unit's own as `rf`, a gateway's
 * units' as `rfNetworks`) and their RF locks, each with its door's lock key and, until it joined, its
 * one-time join key. Inside the caller's transaction, with the master key it holds.
 */
function rfPart(
  db: Db,
  site: OpenSite,
  master: Buffer,
  device: DeviceRecord,
  units: readonly DeviceRecord[],
): Pick<SyncReply, 'rf' | 'rfNetworks' | 'rfLocks'> {
  const repo = new RfLockRepo(db);
  const networks = units.flatMap((u) => {
    const n = repo.network(u.id);
    if (!n) return [];
    const config: RfNetworkConfig = {
      networkKey: rfNetworkKey(master, site.siteId, u.id, n.keyVersion).toString('hex'),
      keyVersion: n.keyVersion,
      panId: n.panId,
    };
    return [{ unitId: u.id, ...config }];
  });
  const rfLocks = units.flatMap((u) =>
    repo.ofUnit(u.id).map((l): RfLockConfig => {
      const join = l.joinIssuedAt === null ? undefined : site.secrets.get(joinKeySecret(l.doorId));
      const joinKey = join ? join.value.toString('hex') : null;
      join?.value.fill(0);
      return {
        unitId: u.id,
        doorId: l.doorId,
        eui64: l.eui64,
        lockKey: lockKey(master, site.siteId, l.doorId, LOCK_KEY_VERSION).toString('hex'),
        joinKey,
        mobileKey: wrappedGroupKeyFor(db, l.doorId),
      };
    }),
  );
  if (device.kind === 'gateway') return { rf: null, rfNetworks: networks, rfLocks };
  const own = networks[0];
  return {
    rf: own ? { networkKey: own.networkKey, keyVersion: own.keyVersion, panId: own.panId } : null,
    rfLocks,
  };
}

/** The sync reply for one device; throws when the device does not exist. One read transaction. */
export function syncReplyFor(db: Db, site: OpenSite, deviceId: number, held: SyncParams): SyncReply {
  return db.transaction((): SyncReply => {
    const repo = new DeviceRepo(db);
    const device = repo.byId(deviceId);
    if (!device) throw new Error(`device ${deviceId} no longer exists`);
    const revision = currentRevision(db);
    const units = device.kind === 'gateway' ? repo.unitsOf(deviceId) : [device];
    const readers = units.flatMap((u) => repo.readers(u.id));

    const { keys, readerConfigs, rf } = withMaster(site, (master) => ({
      rf: rfPart(db, site, master, device, units),
      keys: {
        siteId: site.siteId,
        keyVersion: CARD_KEY_VERSION,
        lock: siteCardKey(master, site.siteId, 'lock', CARD_KEY_VERSION).toString('hex'),
        update: siteCardKey(master, site.siteId, 'update', CARD_KEY_VERSION).toString('hex'),
        uidRead: siteUidKey(master, site.siteId, CARD_KEY_VERSION).toString('hex'),
      },
      readerConfigs: readers.map((r) => ({
        unitId: r.deviceId,
        address: r.address,
        doorId: r.doorId,
        scbk: readerScbk(master, site.siteId, r.deviceId, r.address).toString('hex'),
      })),
    }));

    // The doors it serves: by wall reader, and by RF lock (the RF node builds their locks' updates).
    const doorIds = [
      ...new Set([...readers.map((r) => r.doorId), ...(rf.rfLocks ?? []).map((l) => l.doorId)]),
    ];
    const doors = doorIds.flatMap((doorId) => {
      const d = compileDoor(db, doorId);
      return d ? [{ ...d, door: { ...d.door, zoneIds: [...d.door.zoneIds] } }] : [];
    });

    const unitConfigs =
      device.kind !== 'gateway'
        ? []
        : units.flatMap((u) => {
            const psk = site.secrets.get(devicePskSecret(u.id));
            if (!u.publicKey || !psk) return [];
            const config = {
              deviceId: u.id,
              name: u.name,
              publicKey: u.publicKey.toString('hex'),
              psk: psk.value.toString('hex'),
            };
            psk.value.fill(0);
            return [config];
          });

    const fullCards = held.revision === 0 || held.revision > revision;
    const upsert: ReplicaCard[] = [];
    const remove: number[] = [];
    const ids = fullCards
      ? (db
          .prepare(
            `SELECT id FROM credential WHERE status IN (${LIVE.map((s) => `'${s}'`).join(', ')}) ORDER BY id`,
          )
          .pluck()
          .all() as number[])
      : touchedCredentials(db, held.revision);
    for (const id of ids) {
      const card = replicaCard(db, id);
      if (card) upsert.push(card);
      else if (!fullCards) remove.push(id);
    }

    const latestSeq = blacklistLatestSeq(db);
    const fullBlacklist = held.blacklistSeq === 0 || held.blacklistSeq > latestSeq;
    const entries = blacklistAfter(db, fullBlacklist ? 0 : held.blacklistSeq);

    return {
      revision,
      timeZone: new SiteRepo(db).get().timeZone,
      keys,
      doors,
      readers: readerConfigs,
      units: unitConfigs,
      cards: { full: fullCards, upsert, remove },
      blacklist: { full: fullBlacklist, entries, latestSeq },
      ...rf,
    };
  })();
}
