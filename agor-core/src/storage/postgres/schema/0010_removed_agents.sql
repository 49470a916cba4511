-- PostgreSQL migration 10: soft-deleted agents, as SQLite migration 14.
CREATE TABLE agor_removed_agents (
    agent_id TEXT COLLATE "C" PRIMARY KEY,
    removed_by TEXT COLLATE "C" NOT NULL,
    removed_at TEXT COLLATE "C" NOT NULL
);
