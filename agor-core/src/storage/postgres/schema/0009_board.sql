-- PostgreSQL migration 9: archived tasks, proposals and the lane index, as SQLite migration 13.
CREATE TABLE agor_task_archive (
    task_id TEXT COLLATE "C" PRIMARY KEY,
    archived_by TEXT COLLATE "C" NOT NULL,
    archived_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE agor_proposals (
    id TEXT COLLATE "C" PRIMARY KEY,
    task_id TEXT COLLATE "C" NOT NULL,
    task_title TEXT NOT NULL,
    from_group TEXT COLLATE "C" NOT NULL,
    proposed_by TEXT COLLATE "C" NOT NULL,
    agent_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    reason TEXT,
    created_at TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C"
);
CREATE INDEX agor_proposals_agent ON agor_proposals (agent_id, status);
CREATE INDEX agor_proposals_task ON agor_proposals (task_id, status);
CREATE INDEX agor_proposals_group ON agor_proposals (from_group, status);

CREATE INDEX agor_tasks_lane ON tasks (assigned_to, sort_order);
