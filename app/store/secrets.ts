import { open, seal } from '../crypto/aead.js';
import { kekId } from '../keys/kek.js';
import type { Db } from './sqlite.js';

/** Purposes of the secrets the site keeps; the purpose is part of each secret's associated data. */
export type SecretPurpose =
  | 'site.master'
  | 'tls.private-key'
  | 'directory.bind-password'
  /** The pairing key of one NCoder encoder, by its serial number (each encoder has its own). */
  | `ncoder.pairing/${string}`
  /** The Service's own Noise static key on the device link (X25519 private key). */
  | 'link-static-key'
  /** A device's outstanding one-time pairing code (needed to check the device's enrolment). */
  | `device-pairing:${number}`
  /** The link psk pinned for a device at its enrolment. */
  | `device-psk:${number}`
  /** The pairing key of one PPD, by its serial number. */
  | `ppd.pairing/${string}`
  /** A round's bytes (they hold lock keys) while its load into a PPD may need resuming. */
  | `ppd.round/${string}`
  /** The one-time join key of an RF lock, by its door, until the lock joined its network. */
  | `rf.join/${number}`
  /** The relay's service secret (Bearer), for mobile keys: the relay keeps only its hash. */
  | 'mobile.relay-secret';

interface SecretRow {
  purpose: string;
  key_version: number;
  kek_id: string;
  sealed: Buffer;
}

function aad(siteId: string, purpose: string, version: number): string {
  return `lintel/secret/v1|site=${siteId}|purpose=${purpose}|version=${version}`;
}

/**
 * Secrets inside the database (site master key, TLS key, later device keys and the LDAP bind password),
 * sealed again with the KEK: a copy of the database and its key is still not enough to read them.
 */
export class SecretStore {
  constructor(
    private readonly db: Db,
    private readonly siteId: string,
    private kek: Buffer,
  ) {}

  /** Stores a secret under (purpose, version); versions are never overwritten. */
  put(purpose: SecretPurpose, version: number, plaintext: Buffer, now: Date): void {
    this.db
      .prepare('INSERT INTO secret (purpose, key_version, kek_id, sealed, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(
        purpose,
        version,
        kekId(this.kek),
        seal(this.kek, plaintext, aad(this.siteId, purpose, version)),
        now.toISOString(),
      );
  }

  /** Replaces the secret stored under (purpose, version) (e.g. a renewed TLS key). */
  replace(purpose: SecretPurpose, version: number, plaintext: Buffer, now: Date): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM secret WHERE purpose = ? AND key_version = ?').run(purpose, version);
      this.put(purpose, version, plaintext, now);
    })();
  }

  /** The newest live version of a purpose, or the named version. */
  get(purpose: SecretPurpose, version?: number): { version: number; value: Buffer } | undefined {
    const row = (
      version === undefined
        ? this.db
            .prepare(
              'SELECT * FROM secret WHERE purpose = ? AND retired_at IS NULL ORDER BY key_version DESC LIMIT 1',
            )
            .get(purpose)
        : this.db.prepare('SELECT * FROM secret WHERE purpose = ? AND key_version = ?').get(purpose, version)
    ) as SecretRow | undefined;
    if (!row) return undefined;
    return {
      version: row.key_version,
      value: open(this.kek, row.sealed, aad(this.siteId, row.purpose, row.key_version)),
    };
  }

  /**
   * Re-seals every secret under `newKek` and records it as the authoritative KEK, all in the caller's
   * transaction: either every secret moves or none does.
   */
  rewrapAll(newKek: Buffer, now: Date): number {
    const rows = this.db.prepare('SELECT * FROM secret').all() as SecretRow[];
    const update = this.db.prepare(
      'UPDATE secret SET kek_id = ?, sealed = ? WHERE purpose = ? AND key_version = ?',
    );
    const newId = kekId(newKek);
    for (const row of rows) {
      const context = aad(this.siteId, row.purpose, row.key_version);
      const plain = open(this.kek, row.sealed, context);
      update.run(newId, seal(newKek, plain, context), row.purpose, row.key_version);
      plain.fill(0);
    }
    this.db
      .prepare('UPDATE key_custody SET kek_id = ?, changed_at = ? WHERE id = 1')
      .run(newId, now.toISOString());
    this.kek = newKek;
    return rows.length;
  }

  /** Opens every secret; returns a line per one that does not (for `lintel db verify`). */
  problems(): string[] {
    const out: string[] = [];
    const id = kekId(this.kek);
    for (const row of this.db.prepare('SELECT * FROM secret').all() as SecretRow[]) {
      const name = `${row.purpose} v${row.key_version}`;
      if (row.kek_id !== id) {
        out.push(`secret ${name} is sealed under KEK ${row.kek_id}, not the current ${id}`);
        continue;
      }
      try {
        open(this.kek, row.sealed, aad(this.siteId, row.purpose, row.key_version)).fill(0);
      } catch {
        out.push(`secret ${name} does not open with the KEK (altered?)`);
      }
    }
    return out;
  }
}
