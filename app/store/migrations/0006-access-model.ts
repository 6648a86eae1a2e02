import { cardholdersSql } from './0006/cardholders-sql.js';
import { changeFeedSql } from './0006/change-feed-sql.js';
import { doorsSql } from './0006/doors-sql.js';
import { eventsSql } from './0006/events-sql.js';
import type { Migration } from './migration.js';

/** The access model: zones, doors, access levels, cardholders, keys, the blacklist, events, the change feed. */
export const m0006: Migration = {
  version: 6,
  name: 'access-model',
  sql: doorsSql + cardholdersSql + eventsSql + changeFeedSql,
};
