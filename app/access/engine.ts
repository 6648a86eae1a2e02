import type { DenialReason } from '../contract/deny-reasons.js';
import type { Blacklist } from './blacklist.js';
import { toLocal, type LocalTime, type ZoneTable } from './local-time.js';
import { periodAllows, type Calendar, type TimePeriodRules } from './schedule.js';

/**
 * The access decision, as pure code: the Service (to explain a decision and to test), the control unit
 * simulator and the offline lock simulator all call this one function with what they know, so a card
 * gets the same answer at every kind of door.
 */

/** Which factors a door wants. */
export const AUTH_MODES = ['card', 'card+pin', 'card+biometric', 'pin+biometric'] as const;
/** Which factors a door wants. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** How a door opens. `timed-office` stays open by itself during a time period (see {@link officeOpen}). */
export const OPEN_MODES = ['standard', 'office', 'timed-office', 'lockdown'] as const;
/** How a door opens. */
export type OpenMode = (typeof OPEN_MODES)[number];

/** One access right on a credential: a door or a zone, during a time period. */
export interface AccessRight {
  kind: 'door' | 'zone';
  id: number;
  periodId: number;
}

/** What the credential (the card, or the phone's token) carries for the decision. */
export interface CredentialData {
  credentialId: number;
  userId: number;
  /** Epoch seconds; null: no bound. */
  validFrom: number | null;
  validUntil: number | null;
  /** An update point must refresh the credential before this instant or it stops working (null: never). */
  revalidateBy: number | null;
  rights: readonly AccessRight[];
  privileges: {
    /** May toggle a door that allows office mode (it then stays open until toggled again). */
    office: boolean;
    /** Opens a door whose privacy latch is set from inside (a hotel room, a manager's office). */
    privacyOverride: boolean;
    /** Gets the door's extended opening time (wheelchair users, trolleys). */
    extendedOpening: boolean;
  };
}

/** What a door knows about itself. */
export interface DoorPolicy {
  doorId: number;
  zoneIds: readonly number[];
  openMode: OpenMode;
  /** Time period during which a `timed-office` door stays open by itself. */
  officePeriodId?: number;
  /** The factors wanted, and optionally other factors during a time period (card only by day, card + PIN at night). */
  auth: { mode: AuthMode; scheduled?: { periodId: number; mode: AuthMode } };
  openSeconds: number;
  extendedOpenSeconds: number;
}

/** What the door's runtime state adds. */
export interface DoorState {
  /** The privacy latch is set from inside. */
  privacy: boolean;
}

/** What was presented, as the reader or lock verified it (the engine decides policy, not cryptography). */
export interface Presented {
  card: boolean;
  pin?: 'match' | 'mismatch';
  biometric?: 'match' | 'mismatch';
}

/** The door's tables. */
export interface DoorTables {
  zone: ZoneTable;
  periods: ReadonlyMap<number, TimePeriodRules>;
  calendar: Calendar;
  blacklist: Blacklist;
}

/** Why a credential was refused, most fundamental first (the contract's list: events name them). */
export { DENIAL_REASONS as DENY_REASONS } from '../contract/deny-reasons.js';
/** Why a credential was refused. */
export type DenyReason = DenialReason;

/** What the door does. */
export type Decision =
  | { granted: true; action: 'open' | 'office-toggle'; openSeconds: number; local: LocalTime }
  | { granted: false; reason: DenyReason; local: LocalTime };

function covers(right: AccessRight, door: DoorPolicy): boolean {
  return right.kind === 'door' ? right.id === door.doorId : door.zoneIds.includes(right.id);
}

/**
 * The factor sets the door wants at this moment, every one of which must be satisfied: the scheduled
 * mode inside its period, the default outside it. A scheduled period missing from the door's tables
 * cannot say which applies, so both are asked for (fail closed).
 */
export function requiredAuth(door: DoorPolicy, tables: DoorTables, local: LocalTime): AuthMode[] {
  const s = door.auth.scheduled;
  if (!s) return [door.auth.mode];
  const rules = tables.periods.get(s.periodId);
  if (!rules) return [door.auth.mode, s.mode];
  return [periodAllows(rules, tables.calendar, local) ? s.mode : door.auth.mode];
}

/** The first factor missing or wrong for all of `modes` at once, in the order of the reasons. */
function factorProblem(modes: readonly AuthMode[], p: Presented): DenyReason | undefined {
  const needsCard = modes.some((m) => m !== 'pin+biometric');
  const needsPin = modes.some((m) => m === 'card+pin' || m === 'pin+biometric');
  const needsBio = modes.some((m) => m === 'card+biometric' || m === 'pin+biometric');
  if (needsCard && !p.card) return 'card-required';
  if (needsPin && p.pin === undefined) return 'pin-required';
  if (needsPin && p.pin !== 'match') return 'wrong-pin';
  if (needsBio && p.biometric === undefined) return 'biometric-required';
  if (needsBio && p.biometric !== 'match') return 'biometric-mismatch';
  return undefined;
}

/**
 * Decides one presentation at one door. The order of the checks is the order of the reasons: a
 * cancelled card is reported as cancelled even outside its hours, and no factor is asked for before
 * the credential itself is known to be good for this door now.
 */
export function decide(
  credential: CredentialData,
  door: DoorPolicy,
  state: DoorState,
  presented: Presented,
  tables: DoorTables,
  at: number,
): Decision {
  const local = toLocal(tables.zone, at);
  const deny = (reason: DenyReason): Decision => ({ granted: false, reason, local });
  if (tables.blacklist.has(credential.credentialId)) return deny('blacklisted');
  if (credential.validFrom !== null && at < credential.validFrom) return deny('not-yet-valid');
  if (credential.validUntil !== null && at >= credential.validUntil) return deny('expired');
  if (credential.revalidateBy !== null && at >= credential.revalidateBy) return deny('revalidation-lapsed');
  if (door.openMode === 'lockdown') return deny('door-locked-down');

  let covered = false;
  let unknownPeriod = false;
  let allowed = false;
  for (const right of credential.rights) {
    if (!covers(right, door)) continue;
    covered = true;
    const rules = tables.periods.get(right.periodId);
    if (!rules) unknownPeriod = true;
    else if (periodAllows(rules, tables.calendar, local)) {
      allowed = true;
      break;
    }
  }
  if (!covered) return deny('no-access-to-door');
  if (!allowed) return deny(unknownPeriod ? 'unknown-time-period' : 'outside-time-period');
  if (state.privacy && !credential.privileges.privacyOverride) return deny('door-in-privacy');

  const problem = factorProblem(requiredAuth(door, tables, local), presented);
  if (problem) return deny(problem);

  const office = credential.privileges.office && door.openMode === 'office';
  return {
    granted: true,
    action: office ? 'office-toggle' : 'open',
    openSeconds: credential.privileges.extendedOpening ? door.extendedOpenSeconds : door.openSeconds,
    local,
  };
}

/** Whether a `timed-office` door stands open by itself at an instant (its office period). */
export function officeOpen(door: DoorPolicy, tables: DoorTables, at: number): boolean {
  if (door.openMode !== 'timed-office' || door.officePeriodId === undefined) return false;
  const rules = tables.periods.get(door.officePeriodId);
  return rules !== undefined && periodAllows(rules, tables.calendar, toLocal(tables.zone, at));
}
