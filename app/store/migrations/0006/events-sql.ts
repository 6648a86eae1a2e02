/**
 * Access and device events. No foreign keys: events outlive the doors and cardholders they name, and
 * inserting them in large batches must stay cheap.
 */
export const eventsSql = `
  CREATE TABLE access_event (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN (
                    'access-granted', 'access-denied', 'door-forced', 'door-left-open', 'door-closed',
                    'device', 'configuration')),
    door_id       INTEGER,
    cardholder_id INTEGER,
    credential_id INTEGER,
    reason        TEXT,
    source        TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
  ) STRICT;
  CREATE INDEX access_event_at ON access_event(at);
  CREATE INDEX access_event_door_at ON access_event(door_id, at);
  CREATE INDEX access_event_cardholder_at ON access_event(cardholder_id, at);
`;
