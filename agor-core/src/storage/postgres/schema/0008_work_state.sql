-- PostgreSQL migration 8: agents' work state, as SQLite migration 12.
CREATE TABLE agor_work_state (
    agent_id TEXT COLLATE "C" PRIMARY KEY,
    state TEXT COLLATE "C" NOT NULL,
    task_id TEXT COLLATE "C",
    updated_at TEXT COLLATE "C" NOT NULL
);
