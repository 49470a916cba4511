-- The rest of the board (SPEC §9): archived tasks, cross-group proposals, and the index the
-- lane view walks. Tables of agor's own, so the legacy `tasks` table keeps its shape.

-- A finished task (done or cancelled) hidden from the board and kept.
CREATE TABLE agor_task_archive (
    task_id TEXT PRIMARY KEY,
    archived_by TEXT NOT NULL,
    archived_at TEXT NOT NULL
);

-- Handing a task to an agent of another group: pending until that agent accepts or declines.
-- Decided proposals stay as history.
CREATE TABLE agor_proposals (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    task_title TEXT NOT NULL,
    from_group TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX agor_proposals_agent ON agor_proposals (agent_id, status);
CREATE INDEX agor_proposals_task ON agor_proposals (task_id, status);
CREATE INDEX agor_proposals_group ON agor_proposals (from_group, status);

-- One agent's lane: its tasks in sort order.
CREATE INDEX agor_tasks_lane ON tasks (assigned_to, sort_order);
