/**
 * Why the access engine refuses a card, most fundamental first: the `reason` of an `access-denied`
 * event. One list, with no dependencies, for the engine (which checks in this order) and the contract
 * (whose console offers them as a filter).
 */
export const DENIAL_REASONS = [
  'blacklisted',
  'not-yet-valid',
  'expired',
  'revalidation-lapsed',
  'door-locked-down',
  'no-access-to-door',
  'unknown-time-period',
  'outside-time-period',
  'door-in-privacy',
  'card-required',
  'pin-required',
  'wrong-pin',
  'biometric-required',
  'biometric-mismatch',
] as const;
/** Why the access engine refused a card. */
export type DenialReason = (typeof DENIAL_REASONS)[number];
