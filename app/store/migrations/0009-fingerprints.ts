import type { Migration } from './migration.js';

/**
 * A cardholder's enrolled fingerprint: the template as the wall reader made it (osdp_BIOREAD), kept
 * for card + fingerprint doors, which send it back to their reader with osdp_BIOMATCH. Null when none
 * is enrolled. Setting or clearing it is a cardholder update, so the change feed's cardholder trigger
 * numbers it and the devices resync the holder's keys (their replica carries the template).
 */
export const m0009: Migration = {
  version: 9,
  name: 'fingerprints',
  sql: `
    ALTER TABLE cardholder ADD COLUMN finger_template BLOB
      CHECK (finger_template IS NULL OR length(finger_template) BETWEEN 1 AND 1024);
  `,
};
