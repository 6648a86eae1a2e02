import type { Migration } from './migration.js';

/** Time periods (weekly schedules with special day types) and calendars of special days. */
export const m0005: Migration = {
  version: 5,
  name: 'time-periods-and-calendars',
  sql: `
    CREATE TABLE time_period (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
      description TEXT NOT NULL DEFAULT '',
      rules       TEXT NOT NULL CHECK (json_valid(rules)),
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL,
      version     INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE calendar (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      version    INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE calendar_day (
      calendar_id INTEGER NOT NULL REFERENCES calendar(id) ON DELETE CASCADE,
      date        TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
      type        TEXT NOT NULL CHECK (type IN ('holiday', 'special1', 'special2', 'special3')),
      PRIMARY KEY (calendar_id, date)
    ) STRICT, WITHOUT ROWID;

    -- Every site has its calendar (id 1), which doors use unless given another.
    INSERT INTO calendar (id, name, created_at, updated_at)
      VALUES (1, 'Site calendar', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  `,
};
