-- Agent ids no new agent may take (SPEC §2.2): the ids of purged agents (a tombstone, so a
-- newcomer under the same id inherits none of the old agent's mail, feed rows, search hits or
-- group) and the names the audit log gives principals that are not agents (`operator`, `agor`),
-- so no agent can pass for them. Reserved for everyone, the operator included.
CREATE TABLE agor_reserved_ids (
    agent_id TEXT PRIMARY KEY,
    -- 'purged' (a tombstone) or 'principal' (operator, agor).
    reason TEXT NOT NULL,
    -- The purged agent's group; NULL for a principal.
    group_id TEXT,
    reserved_by TEXT NOT NULL,
    reserved_at TEXT NOT NULL
);

-- A file where an agent already bears one of these names keeps it (the name stays that agent's).
INSERT INTO agor_reserved_ids (agent_id, reason, reserved_by, reserved_at)
SELECT p.id, 'principal', 'agor', datetime('now')
FROM (SELECT 'operator' AS id UNION ALL SELECT 'agor') p
WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = p.id);
