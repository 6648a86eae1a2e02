import type { RfLock } from '../../../../app/contract/methods/rf.js';

/** Below this a lock's battery is called low (as the offline locks screen does). */
export const LOW_BATTERY_PERCENT = 20;

/**
 * Where link quality (802.15.4 LQI, 0–255) turns from good to fair and from fair to poor. A radio
 * reports LQI on its own scale, roughly linear in how cleanly it decoded the frame; below about a
 * third of the scale frames start to be lost and retried, which drains the lock's batteries.
 */
export const LQI_GOOD = 170;
export const LQI_FAIR = 85;

/** How good a link quality is, in three words an operator can act on. */
export type LinkQuality = 'good' | 'fair' | 'poor';

/** The words for an LQI byte. */
export function linkQualityOf(lqi: number): LinkQuality {
  return lqi >= LQI_GOOD ? 'good' : lqi >= LQI_FAIR ? 'fair' : 'poor';
}

/**
 * What the operator typed as an EUI-64, with the separators labels print (spaces, dashes, colons)
 * taken out; the contract's own schema then decides whether it is one.
 */
export function compactEui64(typed: string): string {
  return typed.replace(/[\s:-]/g, '');
}

/** An EUI-64 in the colon-separated pairs printed on labels: 00:12:4B:00:01:A2:B3:C4. */
export function spacedEui64(eui64: string): string {
  return (eui64.toUpperCase().match(/.{1,2}/g) ?? []).join(':');
}

/**
 * A join code as the Service answers it, in groups of four for reading aloud and typing: it is the
 * lock's one-time join key, and dashes are optional when it is entered.
 */
export function groupedJoinCode(code: string): string {
  const digits = code.replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
  return (digits.match(/.{1,4}/g) ?? []).join('-');
}

/** The command that starts a simulated lock with its join code (FILE and HOST:PORT to fill in). */
export function joinCommand(lock: Pick<RfLock, 'eui64'>, code: string): string {
  return `lintel sim rflock --state FILE --air HOST:PORT --eui ${lock.eui64} --join ${groupedJoinCode(code)}`;
}
