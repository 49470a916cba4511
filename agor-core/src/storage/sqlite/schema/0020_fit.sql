-- Work that fits the worker, attempts, backoff, quarantine and deferred work (SPEC §14), and
-- the store's settings. Additive only: nullable (or defaulted) columns on `tasks`, which the
-- legacy tools neither read nor write, and two tables of agor's own.
--   requires        what a claimer's role must have: `capability:<word>` or `role:<name>`
--   max_attempts    failed attempts before the task goes to `failed` (NULL: the setting)
--   failed_attempts failed attempts since its creation or last retry
--   not_before_ms   not ready, not claimable before this Unix millisecond (defer, backoff)
ALTER TABLE tasks ADD COLUMN requires TEXT;
ALTER TABLE tasks ADD COLUMN max_attempts INTEGER;
ALTER TABLE tasks ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN not_before_ms INTEGER;
-- Each claim is an attempt; `outcome` stays NULL while the claim is live.
CREATE TABLE IF NOT EXISTS agor_task_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS agor_task_attempts_task ON agor_task_attempts(task_id, id);
-- Settings the operator sets, the same for every process; absent keys take their default.
CREATE TABLE IF NOT EXISTS agor_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
