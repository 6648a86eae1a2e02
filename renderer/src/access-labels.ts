import type { Door, DoorKind, DoorOpenMode } from '../../app/contract/methods/doors.js';

// The contract's lists, repeated here as types only: importing them would bring zod into the console.

/** The factors a door wants. */
export type DoorAuthMode = Door['auth']['mode'];

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

/** The label of a value in one of these lists (the value itself when unknown). */
export function labelOf<V extends string>(list: readonly { value: V; label: string }[], value: V): string {
  return list.find((o) => o.value === value)?.label ?? value;
}
