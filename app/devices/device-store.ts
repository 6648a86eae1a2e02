import fs from 'node:fs';
import path from 'node:path';
import { openEncrypted, tune, type Db } from '../store/sqlite.js';
import { freshInOrder } from './event-sequence.js';
import type Database from 'better-sqlite3-multiple-ciphers';
import type { DoorTablesData } from '../store/access-compiler.js';
import type {
  CardKeySet,
  ReaderConfig,
  ReplicaCard,
  RfLockConfig,
  RfNetworkConfig,
  SyncParams,
  DeviceKind,
  SyncReply,
  UnitConfig,
  UnitStatus,
  WireEvent,
} from './protocol.js';

/**
 * A gateway's or control unit's encrypted store (`<data dir>/device.db`, sqlite3mc ChaCha20-Poly1305
 * pages like the site database, keyed from the device identity file): the replica of what its doors
 * need, as the sync replies brought it, and the outbox of events not yet acknowledged upstream. Every
 * write commits with synchronous=FULL, so a device that answered "stored" has it on disk even if it is
 * killed the next instant.
 */

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  -- revision: when this row last changed, so a gateway can give each unit only what changed for it.
  CREATE TABLE IF NOT EXISTS card (
    credential_id INTEGER PRIMARY KEY, revision INTEGER NOT NULL, data TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS card_removed (
    credential_id INTEGER PRIMARY KEY, revision INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS blacklist (
    seq INTEGER PRIMARY KEY, credential_id INTEGER NOT NULL, expires_at INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL) STRICT;
  -- Per sender (a unit behind a gateway), the highest event number stored: see event-sequence.ts.
  CREATE TABLE IF NOT EXISTS receipt (sender_id INTEGER PRIMARY KEY, high_water INTEGER NOT NULL) STRICT;
  -- Per RF lock (its EUI-64 and its memory's serial: a lock whose memory starts again numbers its audit
  -- records from 1 again), the highest audit record seq turned into an event.
  CREATE TABLE IF NOT EXISTS rf_receipt (
    eui64 TEXT NOT NULL, serial TEXT NOT NULL, high_water INTEGER NOT NULL,
    PRIMARY KEY (eui64, serial)) STRICT;
`;

/** The small, always-whole part of the replica. */
export interface ReplicaState {
  revision: number;
  timeZone: string;
  keys: CardKeySet;
  doors: DoorTablesData[];
  readers: ReaderConfig[];
  units: UnitConfig[];
  blacklistSeq: number;
  /** The revision of the last full reload of the cards: a unit holding less needs them whole. */
  cardsBase: number;
  /** This control unit's RF network (null: no RF node); absent in a replica from before RF locks. */
  rf?: RfNetworkConfig | null;
  /** A gateway's: its units' RF networks. */
  rfNetworks?: (RfNetworkConfig & { unitId: number })[];
  /** The RF locks (a gateway's: of all its units). */
  rfLocks?: RfLockConfig[];
}

/** An event before it is numbered for the hop upstream. */
export type OutgoingEvent = Omit<WireEvent, 'seq'>;

type Statement = Database.Statement<unknown[]>;

/** The device's store; one connection, used from one process. */
export class DeviceStore {
  private readonly s: Record<string, Statement>;

  private constructor(readonly db: Db) {
    db.exec(SCHEMA);
    this.s = {
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      card: db.prepare('SELECT data FROM card WHERE credential_id = ?').pluck(),
      upsertCard: db.prepare(
        'INSERT INTO card (credential_id, revision, data) VALUES (?, ?, ?) ON CONFLICT(credential_id) DO UPDATE SET revision = excluded.revision, data = excluded.data',
      ),
      removeCard: db.prepare('DELETE FROM card WHERE credential_id = ?'),
      markRemoved: db.prepare(
        'INSERT INTO card_removed (credential_id, revision) VALUES (?, ?) ON CONFLICT(credential_id) DO UPDATE SET revision = excluded.revision',
      ),
      unmarkRemoved: db.prepare('DELETE FROM card_removed WHERE credential_id = ?'),
      addBlacklist: db.prepare(
        'INSERT OR REPLACE INTO blacklist (seq, credential_id, expires_at) VALUES (?, ?, ?)',
      ),
      enqueue: db.prepare('INSERT INTO outbox (event) VALUES (?)'),
      pending: db.prepare('SELECT seq, event FROM outbox ORDER BY seq LIMIT ?'),
      pendingCount: db.prepare('SELECT count(*) FROM outbox').pluck(),
      acknowledge: db.prepare('DELETE FROM outbox WHERE seq <= ?'),
      receipt: db.prepare('SELECT high_water FROM receipt WHERE sender_id = ?').pluck(),
      setReceipt: db.prepare(
        'INSERT INTO receipt (sender_id, high_water) VALUES (?, ?) ON CONFLICT(sender_id) DO UPDATE SET high_water = excluded.high_water',
      ),
    };
  }

  /** Opens (creating) the store in `dataDir` with the identity's store key. */
  static open(dataDir: string, key: Buffer): DeviceStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = openEncrypted(path.join(dataDir, 'device.db'), key, { create: true });
    tune(db);
    return new DeviceStore(db);
  }

  close(): void {
    this.db.close();
  }

  private getMeta<T>(key: string): T | undefined {
    const v = this.s.meta!.get(key) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  private setMeta(key: string, value: unknown): void {
    this.s.setMeta!.run(key, JSON.stringify(value));
  }

  /** The replica's whole part, or undefined before the first sync. */
  replica(): ReplicaState | undefined {
    return this.getMeta<ReplicaState>('replica');
  }

  /** What to ask the upstream for: the revision and blacklist sequence held (zeros before the first sync). */
  syncParams(): SyncParams {
    const r = this.replica();
    return { revision: r?.revision ?? 0, blacklistSeq: r?.blacklistSeq ?? 0 };
  }

  /** Applies a sync reply in one transaction: afterwards the replica is at its revision, or unchanged. */
  applySync(reply: SyncReply): void {
    this.db.transaction(() => {
      const before = this.replica();
      if (reply.cards.full) {
        this.db.exec('DELETE FROM card; DELETE FROM card_removed');
      }
      for (const c of reply.cards.upsert) {
        this.s.upsertCard!.run(c.credentialId, reply.revision, JSON.stringify(c));
        this.s.unmarkRemoved!.run(c.credentialId);
      }
      for (const id of reply.cards.remove) {
        this.s.removeCard!.run(id);
        this.s.markRemoved!.run(id, reply.revision);
      }
      if (reply.blacklist.full) this.db.exec('DELETE FROM blacklist');
      for (const e of reply.blacklist.entries) this.s.addBlacklist!.run(e.seq, e.credentialId, e.expiresAt);
      const state: ReplicaState = {
        revision: reply.revision,
        timeZone: reply.timeZone,
        keys: reply.keys,
        doors: reply.doors,
        readers: reply.readers,
        units: reply.units,
        blacklistSeq: reply.blacklist.latestSeq,
        cardsBase: reply.cards.full ? reply.revision : (before?.cardsBase ?? 0),
        rf: reply.rf ?? null,
        rfNetworks: reply.rfNetworks ?? [],
        rfLocks: reply.rfLocks ?? [],
      };
      this.setMeta('replica', state);
    })();
  }

  /** A live key's record, or undefined when the replica does not hold it (unknown, cancelled, expired). */
  card(credentialId: number): ReplicaCard | undefined {
    const v = this.s.card!.get(credentialId) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as ReplicaCard);
  }

  /** Every blacklist entry held, oldest first. */
  blacklistEntries(): { seq: number; credentialId: number; expiresAt: number }[] {
    return (
      this.db.prepare('SELECT seq, credential_id, expires_at FROM blacklist ORDER BY seq').all() as {
        seq: number;
        credential_id: number;
        expires_at: number;
      }[]
    ).map((r) => ({ seq: r.seq, credentialId: r.credential_id, expiresAt: r.expires_at }));
  }

  /**
   * A gateway's answer to one of its units: the doors and readers of that unit, and the cards and
   * blacklist entries that changed after what the unit holds (whole, when it holds less than the last
   * full reload). Undefined before the gateway's own first sync: it has nothing to give yet.
   */
  syncFor(unitId: number, held: SyncParams): SyncReply | undefined {
    const r = this.replica();
    if (!r) return undefined;
    const readers = r.readers.filter((x) => x.unitId === unitId);
    const rfLocks = (r.rfLocks ?? []).filter((x) => x.unitId === unitId);
    const network = (r.rfNetworks ?? []).find((x) => x.unitId === unitId);
    // An RF door has no reader: its tables go to the unit whose RF node serves its lock.
    const doorIds = new Set([...readers.map((x) => x.doorId), ...rfLocks.map((x) => x.doorId)]);
    const fullCards = held.revision < r.cardsBase || held.revision > r.revision;
    const cards = (
      fullCards
        ? this.db.prepare('SELECT data FROM card ORDER BY credential_id').pluck().all()
        : this.db
            .prepare('SELECT data FROM card WHERE revision > ? ORDER BY credential_id')
            .pluck()
            .all(held.revision)
    ).map((d) => JSON.parse(d as string) as ReplicaCard);
    const removed = fullCards
      ? []
      : (this.db
          .prepare('SELECT credential_id FROM card_removed WHERE revision > ?')
          .pluck()
          .all(held.revision) as number[]);
    const fullBlacklist = held.blacklistSeq === 0 || held.blacklistSeq > r.blacklistSeq;
    const entries = this.blacklistEntries().filter((e) => fullBlacklist || e.seq > held.blacklistSeq);
    return {
      revision: r.revision,
      timeZone: r.timeZone,
      keys: r.keys,
      doors: r.doors.filter((d) => doorIds.has(d.door.doorId)),
      readers,
      units: [],
      cards: { full: fullCards, upsert: cards, remove: removed },
      blacklist: { full: fullBlacklist, entries, latestSeq: r.blacklistSeq },
      rf: network
        ? { networkKey: network.networkKey, keyVersion: network.keyVersion, panId: network.panId }
        : null,
      rfLocks,
    };
  }

  /**
   * A device's report about itself from what the store holds (revision, blacklist sequence, pending
   * events); the device adds its readers, doors and link counters.
   */
  ownStatus(
    own: { deviceId: number; kind: DeviceKind; version: string; clock: number; online: boolean },
    extra: Partial<Pick<UnitStatus, 'readers' | 'doors' | 'refused' | 'rfLocks'>> = {},
  ): UnitStatus {
    const held = this.syncParams();
    return {
      ...own,
      version: own.version.slice(0, 40),
      revision: held.revision,
      blacklistSeq: held.blacklistSeq,
      pendingEvents: this.pendingCount(),
      lastSeen: null,
      readers: extra.readers ?? [],
      doors: extra.doors ?? [],
      refused: extra.refused ?? {},
      rfLocks: extra.rfLocks ?? [],
    };
  }

  /** Appends events to the outbox, numbered; durable when this returns. */
  enqueue(events: readonly OutgoingEvent[]): void {
    this.db.transaction(() => {
      for (const e of events) this.s.enqueue!.run(JSON.stringify(e));
    })();
  }

  /** The oldest unacknowledged events, with their numbers. */
  pending(limit: number): WireEvent[] {
    return (this.s.pending!.all(limit) as { seq: number; event: string }[]).map((r) => ({
      ...(JSON.parse(r.event) as OutgoingEvent),
      seq: r.seq,
    }));
  }

  pendingCount(): number {
    return this.s.pendingCount!.get() as number;
  }

  /** Forgets the events up to `seq`: the upstream committed them. */
  acknowledge(seq: number): void {
    this.s.acknowledge!.run(seq);
  }

  /**
   * Takes a batch from a unit (a gateway's inbox): stores the fresh events in the outbox and the unit's
   * new mark in one transaction, and returns the mark to acknowledge. See event-sequence.ts.
   */
  receiveFrom(senderId: number, batch: readonly WireEvent[]): number {
    return this.db.transaction(() => {
      const mark = (this.s.receipt!.get(senderId) as number | undefined) ?? 0;
      const { fresh, highWater } = freshInOrder(mark, batch);
      for (const e of fresh) {
        const { seq: _seq, ...rest } = e;
        this.s.enqueue!.run(JSON.stringify(rest));
      }
      if (highWater !== mark) this.s.setReceipt!.run(senderId, highWater);
      return highWater;
    })();
  }

  /**
   * Takes an RF lock's audit records (its node's inbox): turns those after the lock's mark into events
   * in the outbox and moves the mark, in one transaction, and returns the mark to acknowledge. A batch
   * sent again (its acknowledgement lost on the air) is stored once.
   */
  receiveRfRecords<R extends { seq: number }>(
    eui64: string,
    serial: string,
    records: readonly R[],
    toEvent: (record: R) => OutgoingEvent,
  ): number {
    return this.db.transaction(() => {
      const mark =
        (this.db
          .prepare('SELECT high_water FROM rf_receipt WHERE eui64 = ? AND serial = ?')
          .pluck()
          .get(eui64, serial) as number | undefined) ?? 0;
      let high = mark;
      for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
        if (r.seq <= high) continue;
        this.s.enqueue!.run(JSON.stringify(toEvent(r)));
        high = r.seq;
      }
      if (high !== mark)
        this.db
          .prepare(
            'INSERT INTO rf_receipt (eui64, serial, high_water) VALUES (?, ?, ?) ON CONFLICT(eui64, serial) DO UPDATE SET high_water = excluded.high_water',
          )
          .run(eui64, serial, high);
      return high;
    })();
  }

  /** The fingerprint of the join key an RF lock last joined with (the node answered its join). */
  rfJoinedWith(eui64: string): string | undefined {
    return this.getMeta<Record<string, string>>('rfJoined')?.[eui64];
  }

  /** Records that an RF lock joined with the join key of this fingerprint. */
  setRfJoinedWith(eui64: string, fingerprint: string): void {
    this.setMeta('rfJoined', { ...this.getMeta<Record<string, string>>('rfJoined'), [eui64]: fingerprint });
  }
}
