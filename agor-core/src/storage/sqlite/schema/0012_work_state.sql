-- Agents' work state (SPEC §9): idle, working (on a task), done, error, stopped. One row per
-- agent that ever reported one; an agent without a row is idle. A table of agor's own, so
-- the legacy `agents` table keeps its shape.
CREATE TABLE agor_work_state (
    agent_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    task_id TEXT,
    updated_at TEXT NOT NULL
);
