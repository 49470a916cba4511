-- File reservations (SPEC §9): advisory leases on path globs, so coding agents editing one
-- repository say "I am editing these" before they collide. A reservation is live until
-- `expires_ms`; lapsed ones are removed by the next reservation write. A table of agor's own.
CREATE TABLE agor_reservations (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    pattern TEXT NOT NULL,
    exclusive INTEGER NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX agor_reservations_group ON agor_reservations (group_id, expires_ms);
CREATE UNIQUE INDEX agor_reservations_holder ON agor_reservations (agent_id, pattern);
