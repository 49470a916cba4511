-- Task dependencies: `task_id` waits until `depends_on` is done. A new table only.
CREATE TABLE IF NOT EXISTS task_dependencies (
    task_id TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX IF NOT EXISTS agor_task_dependencies_on ON task_dependencies(depends_on);
