import {
  decide,
  type CredentialData,
  type Decision,
  type DenyReason,
  type Presented,
} from '../access/engine.js';
import { credentialDataOf } from '../card/access-data.js';
import type { CardAuditRecord } from '../card/audit-record.js';
import { CardError } from '../card/card-error.js';
import { CARD_UID_BYTES, type CardKeys } from '../card/card-keys.js';
import { appendAudit, readForLock, revealUid, type LockReading } from '../card/lintel-card.js';
import { CARD_DENIAL_OF } from '../control-unit/card-presentation.js';
import { doorEntryOf, zoneTableFor } from '../control-unit/tables.js';
import { deviceCardKeys, wipeUpdatePointKeys } from '../control-unit/update-point-keys.js';
import type { DesfireClient } from '../desfire/index.js';
import { mergeCardFragment, type CardMerge } from './card-blacklist.js';
import type { LockMemory } from './lock-memory.js';

/**
 * A card presented at an offline lock. The lock never talks to the Service: it decides from the card
 * and its own memory with the shared access engine, on its own clock, and learns from the card:
 *
 * 1. the card's real UID (random-ID cards show a fresh one each time: GetCardUID with the UID-read key);
 * 2. the lock key diversified for that UID, which reads the access data and the blacklist fragment;
 * 3. the fragment merged FIRST (the virtual network: a card cancelled a minute ago at an update point
 *    is refused by this lock once any other card brought the news); a full lock records it, goes on
 *    and says 'blacklist-full' (only a PPD visit with a compacted list helps);
 * 4. the decision; office mode toggled by a card with the office privilege at an office door;
 * 5. an audit record on the card (the lock key may append, never read or clear) and in the ring.
 *
 * PIN: an offline lock holds no PIN hashes (the card carries only a "PIN required" flag), so a door
 * that wants card + PIN refuses every card with 'pin-required' (docs/lock.md).
 */

/** What one presentation did. */
export interface Presentation {
  granted: boolean;
  /** A denial reason of the engine, a card problem ('unknown-card', 'other-site', …) or 'door-not-configured'. */
  reason: string | null;
  /** What the door did when it granted. */
  action: 'open' | 'office-on' | 'office-off' | null;
  credentialId: number | null;
  /** Blacklist entries taken from the card. */
  merged: number;
  /** The card had news the lock could not take: it is full. */
  blacklistFull: boolean;
  /** The record reached the card (a card pulled early keeps none). */
  cardAudited: boolean;
}

/** One line about a presentation, as `lintel sim lock` prints it. */
export function describePresentation(p: Presentation): string {
  const what = p.granted
    ? `granted${p.action === 'office-on' ? ' (office mode on)' : p.action === 'office-off' ? ' (office mode off)' : ''}`
    : `denied (${p.reason})`;
  const parts = [what];
  if (p.credentialId !== null) parts.push(`credential ${p.credentialId}`);
  if (p.merged > 0) parts.push(`merged ${p.merged} blacklist entries`);
  if (p.blacklistFull) parts.push('blacklist-full: the lock could not take the card’s blacklist entries');
  return parts.join(', ');
}

/** The lock's door side: card presentations on its memory. */
export class OfflineLock {
  constructor(readonly memory: LockMemory) {}

  /** The card keys this lock holds, diversified for one card. */
  private keysFor(uid: Uint8Array): CardKeys {
    const set = this.memory.state.cardKeys!;
    return deviceCardKeys(
      { siteId: set.siteId, keyVersion: set.keyVersion, lock: set.lock, uidRead: set.uidRead },
      uid,
    );
  }

  /**
   * Serves one card. `shownUid` is what the card showed at activation (a 4-byte random ID, or its
   * real 7-byte UID); without it the real UID is always asked for.
   */
  async present(client: DesfireClient, shownUid?: Uint8Array): Promise<Presentation> {
    const m = this.memory;
    const out: Presentation = {
      granted: false,
      reason: null,
      action: null,
      credentialId: null,
      merged: 0,
      blacklistFull: false,
      cardAudited: false,
    };
    if (!m.initialised) {
      out.reason = 'door-not-configured';
      m.audit({ event: 'denied', detail: 'door-not-configured: the lock was never initialised by a PPD' });
      return out;
    }
    const cardKeys = m.state.cardKeys!;
    let keys: CardKeys | undefined;
    let reading: LockReading;
    try {
      const uid =
        shownUid && shownUid.length === CARD_UID_BYTES
          ? Buffer.from(shownUid)
          : await revealUid(client, Buffer.from(cardKeys.uidRead, 'hex'));
      keys = this.keysFor(uid);
      reading = await readForLock(client, keys);
    } catch (err) {
      if (keys) wipeUpdatePointKeys(keys);
      if (!(err instanceof CardError)) throw err;
      out.reason = CARD_DENIAL_OF[err.code];
      m.audit({ event: 'denied', detail: `${out.reason}: ${err.code}` });
      return out;
    }
    try {
      const access = reading.access;
      if (!access) {
        out.reason = 'unknown-card';
        m.audit({ event: 'denied', detail: 'unknown-card: formatted but never given access data' });
        return out;
      }
      out.credentialId = access.credentialId;
      const records: CardAuditRecord[] = [];
      const at = m.nowSeconds();
      const doorId = m.state.doorId!;

      // 1. What the card knows of the blacklist, before anything is decided.
      if (reading.blacklist) {
        const before = m.blacklist.sequence;
        let merge: CardMerge | undefined;
        try {
          merge = mergeCardFragment(m.blacklist, reading.blacklist);
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          out.blacklistFull = true;
          m.audit({
            event: 'blacklist-merged',
            credentialId: access.credentialId,
            detail: `blacklist full (${m.state.blacklist.capacity} entries): the card's entries were not taken; a PPD visit with a compacted list is needed`,
          });
        }
        if (merge && (merge.added > 0 || merge.advanced)) {
          m.noteMerged(reading.blacklist.entries, before);
          out.merged = merge.added;
        }
        if (merge && merge.added > 0) {
          m.audit({
            event: 'blacklist-merged',
            credentialId: access.credentialId,
            detail: `${merge.added} entries${merge.gap ? ' (with a gap: more to come from other cards or the PPD)' : ''}`,
          });
          records.push({
            event: 'blacklist-merged',
            reason: null,
            doorId,
            at,
            credentialId: access.credentialId,
          });
        }
      }

      // 2. The decision, on the lock's clock (the same path as a phone's: app/mobile/opening.ts).
      const acted = this.act(
        access.credentialId,
        this.decideAt(credentialDataOf(access), { card: true }, at),
      );
      out.granted = acted.granted;
      out.action = acted.action;
      out.reason = acted.reason;
      const main: CardAuditRecord = acted.granted
        ? { event: acted.event, reason: null, doorId, at, credentialId: access.credentialId }
        : { event: 'denied', reason: acted.reason, doorId, at, credentialId: access.credentialId };
      records.push(main);

      // 3. The card's audit trail (the door has already acted: a card pulled now loses only its record).
      try {
        for (const r of records) await appendAudit(client, keys, r);
        out.cardAudited = true;
      } catch (err) {
        if (!(err instanceof CardError)) throw err;
      }
      return out;
    } finally {
      wipeUpdatePointKeys(keys);
    }
  }

  /**
   * The engine's answer for a credential at this door at `at` (the lock's clock, epoch seconds), with
   * what was presented: a card's access data or a phone token's, the same rules for both.
   */
  decideAt(credential: CredentialData, presented: Presented, at: number): Decision {
    const s = this.memory.state;
    const entry = doorEntryOf(s.tables!, zoneTableFor(s.timeZone!, at * 1000), this.memory.blacklist);
    return decide(credential, entry.policy, { privacy: false }, presented, entry.tables, at);
  }

  /**
   * Does what a decision says and records it in the lock's ring: opens (or toggles office mode for a
   * credential with the office privilege at an office door) or refuses. Card and phone both end here.
   */
  act(credentialId: number, decision: Judged, detail?: string): Acted {
    const m = this.memory;
    if (!decision.granted) {
      m.audit({ event: 'denied', credentialId, reason: decision.reason, ...(detail && { detail }) });
      return { granted: false, reason: decision.reason, action: null, event: 'denied' };
    }
    let action: Acted['action'] = 'open';
    if (decision.action === 'office-toggle') {
      const on = !m.state.office;
      m.update((s) => {
        s.office = on;
      });
      action = on ? 'office-on' : 'office-off';
    }
    const event =
      action === 'office-on' ? 'office-opened' : action === 'office-off' ? 'office-closed' : 'granted';
    m.audit({ event, credentialId, ...(detail && { detail }) });
    return { granted: true, reason: null, action, event };
  }
}

/** What {@link OfflineLock.act} carries out: an engine Decision, or a refusal decided before it. */
export type Judged =
  { granted: true; action: 'open' | 'office-toggle' } | { granted: false; reason: DenyReason };

/** What a decision did at the door. */
export type Acted =
  | {
      granted: true;
      reason: null;
      action: 'open' | 'office-on' | 'office-off';
      event: 'granted' | 'office-opened' | 'office-closed';
    }
  | { granted: false; reason: DenyReason; action: null; event: 'denied' };
