-- PostgreSQL migration 14: requires, attempts, backoff, deferred work and the settings, as
-- SQLite migration 18 (see 0018_fit.sql there).
ALTER TABLE tasks ADD COLUMN requires TEXT COLLATE "C";
ALTER TABLE tasks ADD COLUMN max_attempts BIGINT;
ALTER TABLE tasks ADD COLUMN failed_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN not_before_ms BIGINT;
CREATE TABLE agor_task_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id TEXT COLLATE "C" NOT NULL,
    agent_id TEXT COLLATE "C" NOT NULL,
    started_at TEXT COLLATE "C" NOT NULL,
    ended_at TEXT COLLATE "C",
    outcome TEXT COLLATE "C",
    error TEXT COLLATE "C"
);
CREATE INDEX agor_task_attempts_task ON agor_task_attempts (task_id, id);
CREATE TABLE agor_settings (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
