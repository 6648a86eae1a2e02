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

/**
 * Why a control unit refused a card before the engine could judge it: no Lintel card (or not one it
 * can read), another site's card, a card written under a key version the unit does not hold, a card
 * whose data is damaged. Also the `reason` of an `access-denied` event.
 */
export const CARD_DENIAL_REASONS = [
  'unknown-card',
  'other-site',
  'card-key-version',
  'card-unreadable',
] as const;
/** Why a control unit refused a card it could not judge. */
export type CardDenialReason = (typeof CARD_DENIAL_REASONS)[number];
