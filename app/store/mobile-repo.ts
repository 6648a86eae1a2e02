import type { MobileKeyState } from '../contract/methods/mobile.js';
import type { SecretPurpose } from './secrets.js';
import type { Db } from './sqlite.js';

/**
 * Mobile keys as the Service keeps them (migration 12): the relay it talks to, the invitations and
 * phones of users, where each key's token is on its way, and the mobile group key wrapped for each
 * lock. Never a token nor the group key itself: the NCoder seals, the relay carries.
 */

/** The secret holding the relay's service secret (Bearer). */
export const RELAY_SECRET: SecretPurpose = 'mobile.relay-secret';

/** The relay as configured, and how far the poller read it. */
export interface RelayConfigRecord {
  url: string;
  fingerprint: string;
  enrolmentSeq: number;
  deliverySeq: number;
  lastContactAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** An invitation handed to a user. */
export interface InvitationRecord {
  invitationId: string;
  userId: number;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** A phone that enrolled. */
export interface PhoneRecord {
  phoneId: string;
  userId: number;
  invitationId: string;
  devicePublicKey: string;
  label: string;
  enrolledAt: string;
}

/** A mobile key's delivery record, with its holder and its phone's label (null once removed). */
export interface MobileKeyRecord {
  credentialId: number;
  userId: number | null;
  phoneId: string;
  phoneLabel: string | null;
  tokenId: string;
  groupKeyId: string;
  notAfter: string;
  state: MobileKeyState;
  issuedAt: string;
  sentAt: string;
  deliveredAt: string | null;
  revokedAt: string | null;
  revokeToldAt: string | null;
}

/** A wrapped group key as a lock receives it. */
export interface WrappedGroupKey {
  groupKeyId: string;
  wrapped: string;
}

/** A lock that reported an X25519 identity (RF or offline), with the door it is on. */
export interface LockIdentity {
  doorId: number;
  publicKey: string;
}

const KEY_SELECT = `SELECT m.*, k.cardholder_id, k.issued_at, p.label AS phone_label
  FROM mobile_key m JOIN credential k ON k.id = m.credential_id
  LEFT JOIN mobile_phone p ON p.phone_id = m.phone_id`;

interface KeyRow {
  credential_id: number;
  cardholder_id: number | null;
  phone_id: string;
  phone_label: string | null;
  token_id: string;
  group_key_id: string;
  not_after: string;
  state: MobileKeyState;
  issued_at: string;
  sent_at: string;
  delivered_at: string | null;
  revoked_at: string | null;
  revoke_told_at: string | null;
}

function keyRecord(r: KeyRow): MobileKeyRecord {
  return {
    credentialId: r.credential_id,
    userId: r.cardholder_id,
    phoneId: r.phone_id,
    phoneLabel: r.phone_label,
    tokenId: r.token_id,
    groupKeyId: r.group_key_id,
    notAfter: r.not_after,
    state: r.state,
    issuedAt: r.issued_at,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    revokedAt: r.revoked_at,
    revokeToldAt: r.revoke_told_at,
  };
}

/**
 * The mobile group key wrapped for the lock on a door, if it was wrapped for the lock there now (a lock
 * swapped on the door reports another public key and needs a new wrap). RF sync (SyncReply.rfLocks[]
 * .mobileKey) and PPD rounds (LockUpdate.mobileKey) carry it.
 */
export function wrappedGroupKeyFor(db: Db, doorId: number): WrappedGroupKey | null {
  const row = db
    .prepare(
      `SELECT g.group_key_id, g.wrapped FROM lock_group_key g
        WHERE g.door_id = ? AND g.public_key IN (
          SELECT public_key FROM rf_lock WHERE door_id = g.door_id AND public_key IS NOT NULL
          UNION SELECT public_key FROM offline_lock WHERE door_id = g.door_id AND public_key IS NOT NULL)`,
    )
    .get(doorId) as { group_key_id: string; wrapped: string } | undefined;
  return row ? { groupKeyId: row.group_key_id, wrapped: row.wrapped } : null;
}

/** Records the X25519 identity an offline lock reported to the PPD (lower-case hex). */
export function saveOfflineLockPublicKey(db: Db, doorId: number, publicKey: string): void {
  db.prepare('UPDATE offline_lock SET public_key = ? WHERE door_id = ?').run(publicKey.toLowerCase(), doorId);
}

/** Mobile keys, phones, invitations and the relay settings. */
export class MobileRepo {
  constructor(private readonly db: Db) {}

  // ---- relay -------------------------------------------------------------------------------------

  relay(): RelayConfigRecord | undefined {
    const r = this.db.prepare('SELECT * FROM relay_config WHERE id = 1').get() as
      | {
          url: string;
          fingerprint: string;
          enrolment_seq: number;
          delivery_seq: number;
          last_contact_at: string | null;
          last_error: string | null;
          last_error_at: string | null;
        }
      | undefined;
    return (
      r && {
        url: r.url,
        fingerprint: r.fingerprint,
        enrolmentSeq: r.enrolment_seq,
        deliverySeq: r.delivery_seq,
        lastContactAt: r.last_contact_at,
        lastError: r.last_error,
        lastErrorAt: r.last_error_at,
      }
    );
  }

  /**
   * Points at a relay. Another relay (URL or certificate) numbers its enrolments and deliveries afresh,
   * so the read marks start again; the same relay with a new secret keeps them.
   */
  setRelay(url: string, fingerprint: string, now: Date): void {
    const at = now.toISOString();
    this.db
      .prepare(
        `INSERT INTO relay_config (id, url, fingerprint, updated_at) VALUES (1, @url, @fingerprint, @at)
         ON CONFLICT (id) DO UPDATE SET
           enrolment_seq = CASE WHEN url = @url AND fingerprint = @fingerprint THEN enrolment_seq ELSE 0 END,
           delivery_seq = CASE WHEN url = @url AND fingerprint = @fingerprint THEN delivery_seq ELSE 0 END,
           url = @url, fingerprint = @fingerprint, last_error = NULL, last_error_at = NULL, updated_at = @at`,
      )
      .run({ url, fingerprint, at });
  }

  /** The relay answered. */
  relayContact(now: Date): void {
    this.db
      .prepare(
        'UPDATE relay_config SET last_contact_at = ?, last_error = NULL, last_error_at = NULL WHERE id = 1',
      )
      .run(now.toISOString());
  }

  /** A call to the relay failed (the message never holds a secret). */
  relayError(message: string, now: Date): void {
    this.db
      .prepare('UPDATE relay_config SET last_error = ?, last_error_at = ? WHERE id = 1')
      .run(message.slice(0, 500), now.toISOString());
  }

  setEnrolmentSeq(seq: number): void {
    this.db.prepare('UPDATE relay_config SET enrolment_seq = max(enrolment_seq, ?) WHERE id = 1').run(seq);
  }

  setDeliverySeq(seq: number): void {
    this.db.prepare('UPDATE relay_config SET delivery_seq = max(delivery_seq, ?) WHERE id = 1').run(seq);
  }

  // ---- invitations and phones --------------------------------------------------------------------

  addInvitation(i: Omit<InvitationRecord, 'usedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO mobile_invitation (invitation_id, cardholder_id, created_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(i.invitationId, i.userId, i.createdBy, i.createdAt, i.expiresAt);
  }

  invitation(invitationId: string): InvitationRecord | undefined {
    const r = this.db.prepare('SELECT * FROM mobile_invitation WHERE invitation_id = ?').get(invitationId) as
      InvitationRow | undefined;
    return r && invitationRecord(r);
  }

  /** A user's invitations neither used nor expired, newest first. */
  pendingInvitations(userId: number, now: Date): InvitationRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM mobile_invitation WHERE cardholder_id = ? AND used_at IS NULL AND expires_at > ?
           ORDER BY created_at DESC, invitation_id`,
        )
        .all(userId, now.toISOString()) as InvitationRow[]
    ).map(invitationRecord);
  }

  /** Records a phone's enrolment and marks its invitation used; false when it is known already. */
  addPhone(p: PhoneRecord): boolean {
    const added =
      this.db
        .prepare(
          `INSERT INTO mobile_phone (phone_id, cardholder_id, invitation_id, device_public_key, label, enrolled_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(p.phoneId, p.userId, p.invitationId, p.devicePublicKey, p.label, p.enrolledAt).changes === 1;
    this.db
      .prepare('UPDATE mobile_invitation SET used_at = coalesce(used_at, ?) WHERE invitation_id = ?')
      .run(p.enrolledAt, p.invitationId);
    return added;
  }

  phone(phoneId: string): PhoneRecord | undefined {
    const r = this.db.prepare('SELECT * FROM mobile_phone WHERE phone_id = ?').get(phoneId) as
      PhoneRow | undefined;
    return r && phoneRecord(r);
  }

  phonesOf(userId: number): PhoneRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM mobile_phone WHERE cardholder_id = ? ORDER BY enrolled_at, phone_id')
        .all(userId) as PhoneRow[]
    ).map(phoneRecord);
  }

  removePhone(phoneId: string): void {
    this.db.prepare('DELETE FROM mobile_phone WHERE phone_id = ?').run(phoneId);
  }

  // ---- keys ----------------------------------------------------------------------------------------

  /** Marks a credential as a mobile key. */
  markMobile(credentialId: number): void {
    this.db.prepare("UPDATE credential SET medium = 'mobile' WHERE id = ?").run(credentialId);
  }

  /** Records a key's token as handed to the relay (state sent), replacing an earlier token of the key. */
  sent(
    k: { credentialId: number; phoneId: string; tokenId: string; groupKeyId: string; notAfter: string },
    now: Date,
  ) {
    this.db
      .prepare(
        `INSERT INTO mobile_key (credential_id, phone_id, token_id, group_key_id, not_after, state, sent_at)
         VALUES (@credentialId, @phoneId, @tokenId, @groupKeyId, @notAfter, 'sent', @at)
         ON CONFLICT (credential_id) DO UPDATE SET token_id = @tokenId, group_key_id = @groupKeyId,
           not_after = @notAfter, state = 'sent', sent_at = @at, delivered_at = NULL`,
      )
      .run({ ...k, at: now.toISOString() });
  }

  /** A token the relay could not be told about: kept as lost, for mobile.keys.resend. */
  lost(credentialId: number): void {
    this.db
      .prepare("UPDATE mobile_key SET state = 'lost' WHERE credential_id = ? AND state <> 'revoked'")
      .run(credentialId);
  }

  key(credentialId: number): MobileKeyRecord | undefined {
    const r = this.db.prepare(`${KEY_SELECT} WHERE m.credential_id = ?`).get(credentialId) as
      KeyRow | undefined;
    return r && keyRecord(r);
  }

  /** Mobile keys, newest first; of one user with `userId`. */
  keys(userId?: number): MobileKeyRecord[] {
    const rows =
      userId === undefined
        ? this.db.prepare(`${KEY_SELECT} ORDER BY k.issued_at DESC, m.credential_id DESC`).all()
        : this.db
            .prepare(
              `${KEY_SELECT} WHERE k.cardholder_id = ? ORDER BY k.issued_at DESC, m.credential_id DESC`,
            )
            .all(userId);
    return (rows as KeyRow[]).map(keyRecord);
  }

  /** The keys of a phone not revoked. */
  liveKeysOf(phoneId: string): MobileKeyRecord[] {
    return (
      this.db
        .prepare(`${KEY_SELECT} WHERE m.phone_id = ? AND m.state <> 'revoked' ORDER BY m.credential_id`)
        .all(phoneId) as KeyRow[]
    ).map(keyRecord);
  }

  /**
   * Applies a delivery report to the key whose current token it names (a report about a token a
   * resend replaced, or a revoked key, changes nothing). Returns the key's holder when it changed.
   */
  delivery(tokenId: string, state: 'delivered' | 'lost', at: Date): { userId: number | null } | undefined {
    const row = this.db
      .prepare(
        `UPDATE mobile_key SET state = @state,
           delivered_at = CASE WHEN @state = 'delivered' THEN @at ELSE delivered_at END
         WHERE token_id = @tokenId
           AND ((@state = 'delivered' AND state IN ('sent', 'lost')) OR (@state = 'lost' AND state = 'sent'))
         RETURNING credential_id`,
      )
      .get({ tokenId, state, at: at.toISOString() }) as { credential_id: number } | undefined;
    if (!row) return undefined;
    const userId = this.db
      .prepare('SELECT cardholder_id FROM credential WHERE id = ?')
      .pluck()
      .get(row.credential_id) as number | null;
    return { userId };
  }

  revoked(credentialId: number, now: Date): void {
    this.db
      .prepare(
        "UPDATE mobile_key SET state = 'revoked', revoked_at = coalesce(revoked_at, ?) WHERE credential_id = ?",
      )
      .run(now.toISOString(), credentialId);
  }

  /** The relay confirmed a revocation. */
  revokeTold(credentialId: number, now: Date): void {
    this.db
      .prepare('UPDATE mobile_key SET revoke_told_at = ? WHERE credential_id = ?')
      .run(now.toISOString(), credentialId);
  }

  /** Revoked keys the relay has not confirmed yet (the poller tells it again). */
  untoldRevocations(): MobileKeyRecord[] {
    return (
      this.db
        .prepare(
          `${KEY_SELECT} WHERE m.state = 'revoked' AND m.revoke_told_at IS NULL ORDER BY m.credential_id`,
        )
        .all() as KeyRow[]
    ).map(keyRecord);
  }

  /**
   * Keys whose credential was cancelled some other way (keys.cancel, the holder deleted) but whose
   * token was not revoked yet: the poller revokes them at the relay too.
   */
  cancelledNotRevoked(): number[] {
    return this.db
      .prepare(
        `SELECT m.credential_id FROM mobile_key m JOIN credential k ON k.id = m.credential_id
          WHERE k.status = 'cancelled' AND m.state <> 'revoked'`,
      )
      .pluck()
      .all() as number[];
  }

  // ---- group key -----------------------------------------------------------------------------------

  /** Locks (RF or offline) with a known public key lacking the group key `groupKeyId` wrapped for it. */
  locksLacking(groupKeyId: string): LockIdentity[] {
    return (
      this.db
        .prepare(
          `SELECT door_id, public_key FROM (
             SELECT door_id, public_key FROM rf_lock WHERE public_key IS NOT NULL
             UNION SELECT door_id, public_key FROM offline_lock WHERE public_key IS NOT NULL) l
           WHERE NOT EXISTS (SELECT 1 FROM lock_group_key g WHERE g.door_id = l.door_id
             AND g.group_key_id = ? AND g.public_key = l.public_key)
           ORDER BY door_id`,
        )
        .all(groupKeyId) as { door_id: number; public_key: string }[]
    ).map((r) => ({ doorId: r.door_id, publicKey: r.public_key }));
  }

  /** The group key the latest mobile key was sealed under; undefined before the first. */
  currentGroupKeyId(): string | undefined {
    return this.db
      .prepare('SELECT group_key_id FROM mobile_key ORDER BY sent_at DESC, credential_id DESC LIMIT 1')
      .pluck()
      .get() as string | undefined;
  }

  saveWrapped(doorId: number, publicKey: string, key: WrappedGroupKey, now: Date): void {
    this.db
      .prepare(
        `INSERT INTO lock_group_key (door_id, group_key_id, wrapped, public_key, created_at)
         VALUES (@doorId, @groupKeyId, @wrapped, @publicKey, @at)
         ON CONFLICT (door_id) DO UPDATE SET group_key_id = @groupKeyId, wrapped = @wrapped,
           public_key = @publicKey, created_at = @at`,
      )
      .run({ doorId, publicKey, ...key, at: now.toISOString() });
  }
}

interface InvitationRow {
  invitation_id: string;
  cardholder_id: number;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

function invitationRecord(r: InvitationRow): InvitationRecord {
  return {
    invitationId: r.invitation_id,
    userId: r.cardholder_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
  };
}

interface PhoneRow {
  phone_id: string;
  cardholder_id: number;
  invitation_id: string;
  device_public_key: string;
  label: string;
  enrolled_at: string;
}

function phoneRecord(r: PhoneRow): PhoneRecord {
  return {
    phoneId: r.phone_id,
    userId: r.cardholder_id,
    invitationId: r.invitation_id,
    devicePublicKey: r.device_public_key,
    label: r.label,
    enrolledAt: r.enrolled_at,
  };
}
