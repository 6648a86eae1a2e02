import type { Site } from '../contract/methods/site.js';
import type { Db } from './sqlite.js';

interface SiteRow {
  uuid: string;
  name: string;
  time_zone: string;
  created_at: string;
  updated_at: string;
  version: number;
}

function toSite(r: SiteRow): Site {
  return {
    id: r.uuid,
    name: r.name,
    timeZone: r.time_zone,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** The site row. */
export class SiteRepo {
  constructor(private readonly db: Db) {}

  /** The site (there is exactly one per database). */
  get(): Site {
    return toSite(this.db.prepare('SELECT * FROM site WHERE id = 1').get() as SiteRow);
  }

  /**
   * Applies changes if the stored version is still `expected` (optimistic concurrency); returns the
   * new site, or undefined when someone else changed it first.
   */
  update(changes: { name?: string; timeZone?: string }, expected: number, now: Date): Site | undefined {
    const r = this.db
      .prepare(
        `UPDATE site SET name = coalesce(?, name), time_zone = coalesce(?, time_zone), updated_at = ?, version = version + 1
         WHERE id = 1 AND version = ?`,
      )
      .run(changes.name ?? null, changes.timeZone ?? null, now.toISOString(), expected);
    return r.changes === 1 ? this.get() : undefined;
  }
}
