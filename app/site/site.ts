import type { Keyring } from '../keys/keyring.js';
import type { SecretStore } from '../store/secrets.js';
import type { Db } from '../store/sqlite.js';
import type { SitePaths } from './paths.js';

/** An unlocked site: its open database, the KEK in memory, and what is needed to rekey it. */
export interface OpenSite {
  paths: SitePaths;
  siteId: string;
  db: Db;
  readonly: boolean;
  kek: Buffer;
  kekId: string;
  dbKey: Buffer;
  dbKeyVersion: number;
  keyring: Keyring;
  secrets: SecretStore;
  /** Closes the database, wipes the keys from memory and releases the writer lock. */
  close(): void;
}

/** A clock (a port, so tests can move time). */
export type Clock = () => Date;

/** The real clock. */
export const systemClock: Clock = () => new Date();
