-- PostgreSQL migration 6: file reservations, as SQLite migration 10.
CREATE TABLE agor_reservations (
    id TEXT COLLATE "C" PRIMARY KEY,
    agent_id TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    pattern TEXT COLLATE "C" NOT NULL,
    exclusive BIGINT NOT NULL,
    reason TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX agor_reservations_group ON agor_reservations (group_id, expires_ms);
CREATE UNIQUE INDEX agor_reservations_holder ON agor_reservations (agent_id, pattern);
