-- Usage and cost (SPEC §9): one row per model request an agent reports. Cost is kept in
-- micro-dollars (an integer: sums stay exact on both engines). A table of agor's own.
CREATE TABLE agor_usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    task_id TEXT,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_micro_usd INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX agor_usage_group ON agor_usage (group_id, agent_id);
