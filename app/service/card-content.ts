import type { BlacklistEntry } from '../access/blacklist.js';
import type { CardAccessData } from '../card/access-data.js';
import { blacklistFragmentOf, type CardBlacklist } from '../card/blacklist-fragment.js';
import { MAX_CARD_BLACKLIST } from '../card/format-limits.js';
import { compileCard } from '../store/access-compiler.js';
import { CredentialRepo } from '../store/credential-repo.js';
import type { Db } from '../store/sqlite.js';

/** What the encoder writes onto a card in one transaction. */
export interface CardContent {
  access: CardAccessData;
  blacklist: CardBlacklist;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The newest blacklist entries a card carries to offline locks (the virtual network), with the site's
 * newest sequence number, which stays even after the entries behind it were compacted away.
 */
export function blacklistForCard(db: Db): CardBlacklist {
  const rows = db
    .prepare('SELECT seq, credential_id, expires_at FROM blacklist ORDER BY seq DESC LIMIT ?')
    .all(MAX_CARD_BLACKLIST) as { seq: number; credential_id: number; expires_at: string }[];
  const entries: BlacklistEntry[] = rows.map((r) => ({
    seq: r.seq,
    credentialId: r.credential_id,
    expiresAt: Math.min(Math.floor(Date.parse(r.expires_at) / 1000), 0xffff_ffff),
  }));
  return blacklistFragmentOf(entries, new CredentialRepo(db).latestSeq());
}

/**
 * What a key's card should hold now: its holder's rights and validity as the access compiler sees them
 * (the same data online doors get), the PIN flag (the holder has a PIN), the revalidation deadline and
 * window, and the newest blacklist entries. Undefined when the key or its holder is gone.
 */
export function cardContentFor(db: Db, credentialId: number, now: Date): CardContent | undefined {
  const data = compileCard(db, credentialId);
  if (!data) return undefined;
  const extra = db
    .prepare(
      `SELECT k.revalidation_hours, c.pin_hash IS NOT NULL AS pin
         FROM credential k JOIN cardholder c ON c.id = k.cardholder_id WHERE k.id = ?`,
    )
    .get(credentialId) as { revalidation_hours: number | null; pin: number };
  const access: CardAccessData = {
    credentialId: data.credentialId,
    userId: data.userId,
    validFrom: data.validFrom,
    validUntil: data.validUntil,
    revalidation:
      data.revalidateBy === null || extra.revalidation_hours === null
        ? null
        : { by: data.revalidateBy, windowSeconds: extra.revalidation_hours * 3600 },
    rights: data.rights,
    flags: { pinRequired: extra.pin === 1, ...data.privileges },
    issuedAt: seconds(now),
  };
  return { access, blacklist: blacklistForCard(db) };
}

/** A right's identity, for comparing sets. */
const rightKey = (r: CardAccessData['rights'][number]) => `${r.kind}:${r.id}:${r.periodId}`;

/**
 * Whether a card's access data says what the database would write now. The issue time is left out (it
 * is when it was written), and so is the revalidation deadline, which update points move on their own.
 */
export function sameAccess(onCard: CardAccessData, wanted: CardAccessData): boolean {
  const rights = (a: CardAccessData) => a.rights.map(rightKey).sort().join(',');
  return (
    onCard.credentialId === wanted.credentialId &&
    onCard.userId === wanted.userId &&
    onCard.validFrom === wanted.validFrom &&
    onCard.validUntil === wanted.validUntil &&
    (onCard.revalidation?.windowSeconds ?? null) === (wanted.revalidation?.windowSeconds ?? null) &&
    onCard.flags.pinRequired === wanted.flags.pinRequired &&
    onCard.flags.office === wanted.flags.office &&
    onCard.flags.privacyOverride === wanted.flags.privacyOverride &&
    onCard.flags.extendedOpening === wanted.flags.extendedOpening &&
    rights(onCard) === rights(wanted)
  );
}
