/** Zones, doors and access levels. */
export const doorsSql = `
  CREATE TABLE zone (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE door (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL COLLATE NOCASE UNIQUE,
    kind                  TEXT NOT NULL CHECK (kind IN ('online', 'offline', 'rf')),
    open_seconds          INTEGER NOT NULL DEFAULT 5 CHECK (open_seconds BETWEEN 1 AND 255),
    extended_open_seconds INTEGER NOT NULL DEFAULT 20 CHECK (extended_open_seconds BETWEEN 1 AND 255),
    open_mode             TEXT NOT NULL DEFAULT 'standard'
                            CHECK (open_mode IN ('standard', 'office', 'timed-office', 'lockdown')),
    office_period_id      INTEGER REFERENCES time_period(id) ON DELETE RESTRICT,
    auth_mode             TEXT NOT NULL DEFAULT 'card'
                            CHECK (auth_mode IN ('card', 'card+pin', 'card+biometric', 'pin+biometric')),
    auth_scheduled_mode   TEXT CHECK (auth_scheduled_mode IN ('card', 'card+pin', 'card+biometric', 'pin+biometric')),
    auth_period_id        INTEGER REFERENCES time_period(id) ON DELETE RESTRICT,
    calendar_id           INTEGER NOT NULL DEFAULT 1 REFERENCES calendar(id) ON DELETE RESTRICT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 0,
    CHECK ((open_mode = 'timed-office') = (office_period_id IS NOT NULL)),
    CHECK ((auth_scheduled_mode IS NULL) = (auth_period_id IS NULL))
  ) STRICT;

  CREATE TABLE door_zone (
    door_id INTEGER NOT NULL REFERENCES door(id) ON DELETE CASCADE,
    zone_id INTEGER NOT NULL REFERENCES zone(id) ON DELETE RESTRICT,
    PRIMARY KEY (door_id, zone_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX door_zone_zone ON door_zone(zone_id);

  CREATE TABLE access_level (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  -- One right: a door or a zone, during a time period. Exactly one of door_id / zone_id.
  CREATE TABLE access_level_right (
    id              INTEGER PRIMARY KEY,
    access_level_id INTEGER NOT NULL REFERENCES access_level(id) ON DELETE CASCADE,
    door_id         INTEGER REFERENCES door(id) ON DELETE RESTRICT,
    zone_id         INTEGER REFERENCES zone(id) ON DELETE RESTRICT,
    period_id       INTEGER NOT NULL REFERENCES time_period(id) ON DELETE RESTRICT,
    CHECK ((door_id IS NULL) <> (zone_id IS NULL)),
    -- Two constraints, not one over both columns: NULLs are distinct in a UNIQUE constraint, so a
    -- single (level, door, zone, period) key would let the same right in twice.
    UNIQUE (access_level_id, door_id, period_id),
    UNIQUE (access_level_id, zone_id, period_id)
  ) STRICT;
  CREATE INDEX access_level_right_door ON access_level_right(door_id);
  CREATE INDEX access_level_right_zone ON access_level_right(zone_id);
  CREATE INDEX access_level_right_period ON access_level_right(period_id);
`;
