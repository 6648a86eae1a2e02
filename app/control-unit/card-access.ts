import type { CredentialData } from '../access/engine.js';
import { revalidated, type CardAccessData } from '../card/access-data.js';
import type { ReplicaCard } from '../devices/protocol.js';
import { sameAccess } from '../service/card-content.js';

/**
 * What an update point writes onto a card: the access data as the Service compiled it for the key
 * (the replica's copy), built the way the encoder builds it, and when a card's own copy is stale.
 */

/**
 * The access data file for a key's compiled data: its rights, validity and privileges, the PIN flag
 * (the holder has a PIN) and the revalidation deadline with its window (none when either is missing).
 * Pure, so the encoder's `cardContentFor` (app/service/card-content.ts) and the update point build a
 * card the same way.
 */
export function cardAccessDataOf(
  data: CredentialData,
  extra: { pinRequired: boolean; revalidationWindowSeconds: number | null },
  issuedAt: number,
): CardAccessData {
  return {
    credentialId: data.credentialId,
    userId: data.userId,
    validFrom: data.validFrom,
    validUntil: data.validUntil,
    revalidation:
      data.revalidateBy === null || extra.revalidationWindowSeconds === null
        ? null
        : { by: data.revalidateBy, windowSeconds: extra.revalidationWindowSeconds },
    rights: data.rights,
    flags: { pinRequired: extra.pinRequired, ...data.privileges },
    issuedAt,
  };
}

/** The access data of a live key as the replica holds it. */
export function replicaAccessData(card: ReplicaCard, issuedAt: number): CardAccessData {
  return cardAccessDataOf(
    card,
    { pinRequired: card.pinHash !== null, revalidationWindowSeconds: card.revalidationWindowSeconds },
    issuedAt,
  );
}

/**
 * Whether a card's revalidation deadline is due for a refresh at `now` (epoch seconds): once a quarter
 * of its window has passed (less than three quarters left). Refreshing at every presentation would
 * rewrite the card each time for a few seconds' gain; waiting for the deadline would let a card lapse
 * between two visits.
 */
export function revalidationDue(access: CardAccessData, now: number): boolean {
  const r = access.revalidation;
  if (r === null) return false;
  return r.by - now < (r.windowSeconds * 3) / 4;
}

/**
 * The access data to write at an update point, or null when the card's copy is current: the
 * replica's (rights, validity, flags or window changed), or the card's own refreshed (revalidation
 * due). Either way the deadline moves to now + window. A key the replica does not hold (cancelled,
 * expired, unknown) is never refreshed.
 */
export function accessUpdate(
  onCard: CardAccessData,
  replica: ReplicaCard | undefined,
  now: number,
): { access: CardAccessData; why: 'changed' | 'revalidated' } | null {
  if (!replica || replica.credentialId !== onCard.credentialId) return null;
  const wanted = replicaAccessData(replica, now);
  if (!sameAccess(onCard, wanted)) return { access: revalidated(wanted, now), why: 'changed' };
  if (revalidationDue(onCard, now)) return { access: revalidated(wanted, now), why: 'revalidated' };
  return null;
}
