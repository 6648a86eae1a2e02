/** Tables whose changes devices must learn: every insert, update and delete is numbered in the feed. */
export const FEED_TABLES = [
  'time_period',
  'calendar',
  'calendar_day',
  'zone',
  'door',
  'door_zone',
  'access_level',
  'access_level_right',
  'cardholder',
  'cardholder_access_level',
  'credential',
  'blacklist',
] as const;

/** The key that names a changed row of each feed table (composite keys name their parent). */
const KEY: Record<(typeof FEED_TABLES)[number], string> = {
  time_period: 'id',
  calendar: 'id',
  calendar_day: 'calendar_id',
  zone: 'id',
  door: 'id',
  door_zone: 'door_id',
  access_level: 'id',
  access_level_right: 'access_level_id',
  cardholder: 'id',
  cardholder_access_level: 'cardholder_id',
  credential: 'id',
  blacklist: 'credential_id',
};

function triggers(table: (typeof FEED_TABLES)[number]): string {
  const key = KEY[table];
  return (['INSERT', 'UPDATE', 'DELETE'] as const)
    .map((op) => {
      const row = op === 'DELETE' ? 'OLD' : 'NEW';
      return `
  CREATE TRIGGER feed_${table}_${op.toLowerCase()} AFTER ${op} ON ${table}
    BEGIN INSERT INTO change_log (entity, entity_id, op) VALUES ('${table}', ${row}.${key}, '${op.toLowerCase()}'); END;`;
    })
    .join('');
}

/**
 * The change feed: a monotonic revision per change, written by triggers in the same transaction as
 * the change, so nothing that commits can be missing from it. Gateways, control units and the PPD ask
 * for what changed since the revision they hold.
 */
export const changeFeedSql = `
  CREATE TABLE change_log (
    revision  INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete'))
  ) STRICT;
  CREATE INDEX change_log_entity ON change_log(entity, entity_id);
  ${FEED_TABLES.map(triggers).join('\n')}
`;
