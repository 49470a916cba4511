-- PostgreSQL migration 12: reserved agent ids (tombstones of purged agents and the principals'
-- names), as SQLite migration 16. PostgreSQL databases have no legacy foreign keys, so no
-- principal rows in `agents` (see SQLite migration 16's note).
CREATE TABLE agor_reserved_ids (
    agent_id TEXT COLLATE "C" PRIMARY KEY,
    reason TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C",
    reserved_by TEXT COLLATE "C" NOT NULL,
    reserved_at TEXT COLLATE "C" NOT NULL
);

INSERT INTO agor_reserved_ids (agent_id, reason, reserved_by, reserved_at)
SELECT p.id, 'principal', 'agor',
    to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
FROM (VALUES ('operator'), ('agor')) AS p(id)
WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = p.id);
