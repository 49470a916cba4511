-- Soft-deleted agents (SPEC §9): hidden from lists and lookups, mail to them refused as not
-- found, their history kept and their id reserved until restored or purged. A table of
-- agor's own, so the legacy `agents` table keeps its rows and shape.
CREATE TABLE agor_removed_agents (
    agent_id TEXT PRIMARY KEY,
    removed_by TEXT NOT NULL,
    removed_at TEXT NOT NULL
);
