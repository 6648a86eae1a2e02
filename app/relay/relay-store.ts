import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { secretsEqual } from '../crypto/compare.js';
import { openPlain, tune, type Db } from '../store/sqlite.js';
import { RELAY_PAGE_LIMIT, hashRelaySecret, type Delivery, type Enrolment } from './relay-api.js';

/**
 * The relay's durable state, `<data dir>/relay.db`: a plain SQLite file (WAL, fsync at every commit),
 * 0600. SQLite rather than a JSON file because the enrolment and delivery logs only grow and are read
 * by sequence number: an append is one small transaction instead of rewriting the whole file, and
 * "invitation used" is a single UPDATE … WHERE used_at IS NULL, so a code cannot be used twice even if
 * two requests race. Not encrypted: nothing here is secret (SHA-256 hashes of 256-bit random secrets,
 * phones' public keys, token ids). Tokens themselves are never written here: see {@link WaitingTokens}.
 */

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS invitation (
    invitation_id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL, used_at INTEGER, phone_id TEXT) STRICT;
  CREATE TABLE IF NOT EXISTS phone (
    phone_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, device_public_key TEXT NOT NULL,
    label TEXT NOT NULL, invitation_id TEXT NOT NULL, enrolled_at INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS enrolment (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, invitation_id TEXT NOT NULL, phone_id TEXT NOT NULL,
    device_public_key TEXT NOT NULL, label TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
  -- Token ids posted by the Service and not yet delivered: what a restart reports lost (the tokens
  -- themselves lived only in memory).
  CREATE TABLE IF NOT EXISTS pending (
    token_id TEXT PRIMARY KEY, phone_id TEXT NOT NULL, posted_at INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS delivery (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, token_id TEXT NOT NULL, phone_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('delivered', 'lost')), at INTEGER NOT NULL) STRICT;
  -- Revoked tokens: until the phone acknowledges (acked_at), it is told to delete them; after, the row
  -- stays so the same token id is never posted again.
  CREATE TABLE IF NOT EXISTS revocation (
    phone_id TEXT NOT NULL, token_id TEXT NOT NULL, at INTEGER NOT NULL, acked_at INTEGER,
    PRIMARY KEY (phone_id, token_id)) STRICT;
`;

/** A phone as the relay knows it. */
export interface RelayPhone {
  phoneId: string;
  devicePublicKey: string;
  label: string;
}

/** Why an invitation code did not enrol a phone. */
export type EnrolRefusal = 'unknown' | 'used' | 'expired';

type Statement = Database.Statement<unknown[]>;

/** The relay's database file in a data folder. */
export function relayDbFile(dataDir: string): string {
  return path.join(dataDir, 'relay.db');
}

export class RelayStore {
  private readonly s: Record<string, Statement>;

  private constructor(readonly db: Db) {
    db.exec(SCHEMA);
    this.s = {
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      invitation: db.prepare(
        'SELECT code_hash AS codeHash, expires_at AS expiresAt FROM invitation WHERE invitation_id = ?',
      ),
      addInvitation: db.prepare(
        'INSERT INTO invitation (invitation_id, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?)',
      ),
      invitationByCode: db.prepare(
        'SELECT invitation_id AS invitationId, code_hash AS codeHash, expires_at AS expiresAt, used_at AS usedAt FROM invitation WHERE code_hash = ?',
      ),
      useInvitation: db.prepare(
        'UPDATE invitation SET used_at = ?, phone_id = ? WHERE invitation_id = ? AND used_at IS NULL',
      ),
      addPhone: db.prepare(
        'INSERT INTO phone (phone_id, secret_hash, device_public_key, label, invitation_id, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      addEnrolment: db.prepare(
        'INSERT INTO enrolment (invitation_id, phone_id, device_public_key, label, at) VALUES (?, ?, ?, ?, ?)',
      ),
      enrolments: db.prepare(
        'SELECT seq, invitation_id AS invitationId, phone_id AS phoneId, device_public_key AS devicePublicKey, label, at FROM enrolment WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      phoneBySecret: db.prepare(
        'SELECT phone_id AS phoneId, secret_hash AS secretHash, device_public_key AS devicePublicKey, label FROM phone WHERE secret_hash = ?',
      ),
      phone: db.prepare('SELECT phone_id FROM phone WHERE phone_id = ?').pluck(),
      removePhone: db.prepare('DELETE FROM phone WHERE phone_id = ?'),
      removePhoneRevocations: db.prepare('DELETE FROM revocation WHERE phone_id = ?'),
      removePhonePending: db.prepare('DELETE FROM pending WHERE phone_id = ?'),
      addPending: db.prepare(
        'INSERT INTO pending (token_id, phone_id, posted_at) VALUES (?, ?, ?) ON CONFLICT(token_id) DO UPDATE SET phone_id = excluded.phone_id, posted_at = excluded.posted_at',
      ),
      removePending: db.prepare('DELETE FROM pending WHERE token_id = ?'),
      allPending: db.prepare(
        'SELECT token_id AS tokenId, phone_id AS phoneId FROM pending ORDER BY posted_at',
      ),
      addDelivery: db.prepare('INSERT INTO delivery (token_id, phone_id, state, at) VALUES (?, ?, ?, ?)'),
      deliveries: db.prepare(
        'SELECT seq, token_id AS tokenId, phone_id AS phoneId, state, at FROM delivery WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      addRevocation: db.prepare(
        'INSERT INTO revocation (phone_id, token_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      revocations: db
        .prepare(
          'SELECT token_id FROM revocation WHERE phone_id = ? AND acked_at IS NULL ORDER BY at, token_id',
        )
        .pluck(),
      isRevoked: db.prepare('SELECT 1 FROM revocation WHERE token_id = ?').pluck(),
      ackRevocation: db.prepare(
        'UPDATE revocation SET acked_at = ? WHERE phone_id = ? AND token_id = ? AND acked_at IS NULL',
      ),
    };
  }

  /** Opens (or creates) the store in `dataDir`, made 0700, the file 0600. */
  static open(dataDir: string): RelayStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = relayDbFile(dataDir);
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
    const db = openPlain(file);
    tune(db);
    return new RelayStore(db);
  }

  close(): void {
    this.db.close();
  }

  // ---- Service secret ----

  /** The service secret's hash, or undefined before the first start made one. */
  serviceSecretHash(): string | undefined {
    return this.s.meta!.get('service_secret_hash') as string | undefined;
  }

  setServiceSecretHash(hash: string): void {
    this.s.setMeta!.run('service_secret_hash', hash);
  }

  /** Constant-time check of a presented service secret. */
  isServiceSecret(presented: string): boolean {
    const stored = this.serviceSecretHash();
    return stored !== undefined && secretsEqual(hashRelaySecret(presented), stored);
  }

  // ---- Invitations and enrolment ----

  /**
   * Records an invitation. The same id with the same code hash again is a repeat (the Service retrying)
   * and succeeds; the same id with another hash, or a code hash already used by another id, is a conflict.
   */
  addInvitation(
    inv: { invitationId: string; codeHash: string; expiresAt: number },
    now: number,
  ): 'added' | 'repeat' | 'conflict' {
    const existing = this.s.invitation!.get(inv.invitationId) as
      { codeHash: string; expiresAt: number } | undefined;
    if (existing) return secretsEqual(existing.codeHash, inv.codeHash) ? 'repeat' : 'conflict';
    if (this.s.invitationByCode!.get(inv.codeHash)) return 'conflict';
    this.s.addInvitation!.run(inv.invitationId, inv.codeHash, inv.expiresAt, now);
    return 'added';
  }

  /**
   * Enrols a phone with an invitation code, in one transaction: the invitation is marked used only if
   * it was unused, so a replayed or raced code is refused.
   */
  enrol(
    codeHash: string,
    phone: { phoneId: string; secretHash: string; devicePublicKey: string; label: string },
    now: number,
  ): { ok: true; enrolment: Enrolment } | { ok: false; refusal: EnrolRefusal } {
    return this.db.transaction(() => {
      const inv = this.s.invitationByCode!.get(codeHash) as
        { invitationId: string; codeHash: string; expiresAt: number; usedAt: number | null } | undefined;
      // The lookup is by hash (an index cannot be constant-time); the compare after it is, for form's sake:
      // a 256-bit code's SHA-256 reveals nothing by how fast it is found.
      if (!inv || !secretsEqual(inv.codeHash, codeHash))
        return { ok: false as const, refusal: 'unknown' as const };
      if (inv.usedAt !== null) return { ok: false as const, refusal: 'used' as const };
      if (inv.expiresAt <= now) return { ok: false as const, refusal: 'expired' as const };
      if (this.s.useInvitation!.run(now, phone.phoneId, inv.invitationId).changes !== 1)
        return { ok: false as const, refusal: 'used' as const };
      this.s.addPhone!.run(
        phone.phoneId,
        phone.secretHash,
        phone.devicePublicKey,
        phone.label,
        inv.invitationId,
        now,
      );
      const seq = Number(
        this.s.addEnrolment!.run(inv.invitationId, phone.phoneId, phone.devicePublicKey, phone.label, now)
          .lastInsertRowid,
      );
      return {
        ok: true as const,
        enrolment: {
          seq,
          invitationId: inv.invitationId,
          phoneId: phone.phoneId,
          devicePublicKey: phone.devicePublicKey,
          label: phone.label,
          at: now,
        },
      };
    })();
  }

  enrolments(after: number): Enrolment[] {
    return this.s.enrolments!.all(after, RELAY_PAGE_LIMIT) as Enrolment[];
  }

  // ---- Phones ----

  /** The phone whose secret this is (constant-time compare of the hashes), or undefined. */
  phoneBySecret(secret: string): RelayPhone | undefined {
    const hash = hashRelaySecret(secret);
    const row = this.s.phoneBySecret!.get(hash) as (RelayPhone & { secretHash: string }) | undefined;
    if (!row || !secretsEqual(row.secretHash, hash)) return undefined;
    return { phoneId: row.phoneId, devicePublicKey: row.devicePublicKey, label: row.label };
  }

  hasPhone(phoneId: string): boolean {
    return this.s.phone!.get(phoneId) !== undefined;
  }

  /** Forgets a phone, its pending token ids and revocation notices. */
  removePhone(phoneId: string): boolean {
    return this.db.transaction(() => {
      this.s.removePhoneRevocations!.run(phoneId);
      this.s.removePhonePending!.run(phoneId);
      return this.s.removePhone!.run(phoneId).changes === 1;
    })();
  }

  // ---- Tokens: only their ids ----

  /** Notes a token id as posted and not yet delivered (persisted before the post is answered). */
  addPending(tokenId: string, phoneId: string, now: number): void {
    this.s.addPending!.run(tokenId, phoneId, now);
  }

  /** Drops a pending id without a delivery record (revoked or phone removed: the Service knows). */
  removePending(tokenId: string): void {
    this.s.removePending!.run(tokenId);
  }

  /** Records what became of a pending token and forgets it as pending, in one transaction. */
  settle(tokenId: string, phoneId: string, state: 'delivered' | 'lost', now: number): void {
    this.db.transaction(() => {
      this.s.removePending!.run(tokenId);
      this.s.addDelivery!.run(tokenId, phoneId, state, now);
    })();
  }

  /**
   * At start: every token id still pending was in the memory of a relay that is gone, so it is lost.
   * Returns how many.
   */
  markPendingLost(now: number): number {
    return this.db.transaction(() => {
      const rows = this.s.allPending!.all() as { tokenId: string; phoneId: string }[];
      for (const r of rows) {
        this.s.removePending!.run(r.tokenId);
        this.s.addDelivery!.run(r.tokenId, r.phoneId, 'lost', now);
      }
      return rows.length;
    })();
  }

  deliveries(after: number): Delivery[] {
    return this.s.deliveries!.all(after, RELAY_PAGE_LIMIT) as Delivery[];
  }

  // ---- Revocations ----

  addRevocation(phoneId: string, tokenId: string, now: number): void {
    this.s.addRevocation!.run(phoneId, tokenId, now);
  }

  /** Revoked token ids the phone has not yet acknowledged deleting. */
  revocations(phoneId: string): string[] {
    return this.s.revocations!.all(phoneId) as string[];
  }

  /** Whether a token id was ever revoked (for any phone). */
  isRevoked(tokenId: string): boolean {
    return this.s.isRevoked!.get(tokenId) !== undefined;
  }

  /** Marks a revocation notice acknowledged by the phone; true if there was an open one. */
  ackRevocation(phoneId: string, tokenId: string, now: number): boolean {
    return this.s.ackRevocation!.run(now, phoneId, tokenId).changes === 1;
  }

  /** A digest of every row, so tests can check a refused request changed nothing. */
  snapshot(): string {
    const tables = ['meta', 'invitation', 'phone', 'enrolment', 'pending', 'delivery', 'revocation'];
    return JSON.stringify(tables.map((t) => this.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
  }
}
