import type { Door, DoorKind, DoorOpenMode } from '../../app/contract/methods/doors.js';
import type { EventKind } from '../../app/contract/methods/events.js';
import type { DayType, SpecialDayType } from '../../app/contract/schedule-schemas.js';

// The contract's lists, repeated here as types only: importing them would bring zod into the console.

/** The factors a door wants. */
export type DoorAuthMode = Door['auth']['mode'];

/** The day types of a time period, in the contract's order, with their names. */
export const dayTypes: readonly { value: DayType; label: string }[] = [
  { value: 'mon', label: 'Monday' },
  { value: 'tue', label: 'Tuesday' },
  { value: 'wed', label: 'Wednesday' },
  { value: 'thu', label: 'Thursday' },
  { value: 'fri', label: 'Friday' },
  { value: 'sat', label: 'Saturday' },
  { value: 'sun', label: 'Sunday' },
  { value: 'holiday', label: 'Holiday' },
  { value: 'special1', label: 'Special day 1' },
  { value: 'special2', label: 'Special day 2' },
  { value: 'special3', label: 'Special day 3' },
];

/** The types a calendar gives a date. */
export const specialDayTypes: readonly { value: SpecialDayType; label: string }[] = dayTypes.filter(
  (d): d is { value: SpecialDayType; label: string } => d.value.length > 3,
);

/** Door kinds in words. */
export const doorKinds: readonly { value: DoorKind; label: string }[] = [
  { value: 'online', label: 'Online (wired to a control unit)' },
  { value: 'offline', label: 'Offline (standalone, updated by cards)' },
  { value: 'rf', label: 'Radio (wireless lock)' },
];

/** How a door opens, in words. */
export const doorOpenModes: readonly { value: DoorOpenMode; label: string }[] = [
  { value: 'standard', label: 'Standard (locks again after each opening)' },
  { value: 'office', label: 'Office (a valid card toggles it open or locked)' },
  { value: 'timed-office', label: 'Timed office (stands open during a time period)' },
  { value: 'lockdown', label: 'Lockdown (nobody but emergency keys)' },
];

/** The factors a door wants, in words. */
export const doorAuthModes: readonly { value: DoorAuthMode; label: string }[] = [
  { value: 'card', label: 'Card' },
  { value: 'card+pin', label: 'Card and PIN' },
  { value: 'card+biometric', label: 'Card and fingerprint' },
  { value: 'pin+biometric', label: 'PIN and fingerprint' },
];

/** Event kinds in words. */
export const eventKinds: readonly { value: EventKind; label: string }[] = [
  { value: 'access-granted', label: 'Access granted' },
  { value: 'access-denied', label: 'Access denied' },
  { value: 'door-forced', label: 'Door forced' },
  { value: 'door-left-open', label: 'Door left open' },
  { value: 'door-closed', label: 'Door closed' },
  { value: 'device', label: 'Device' },
  { value: 'configuration', label: 'Configuration' },
];

/** The label of a value in one of these lists (the value itself when unknown). */
export function labelOf<V extends string>(list: readonly { value: V; label: string }[], value: V): string {
  return list.find((o) => o.value === value)?.label ?? value;
}
