-- Task board additions: tags, definition of done, leases and completion records.
-- New columns are nullable so the legacy bttask script keeps reading and writing `tasks`.
CREATE TABLE IF NOT EXISTS task_tags (
    task_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (task_id, tag)
);
CREATE INDEX IF NOT EXISTS agor_task_tags_tag ON task_tags(tag);
CREATE INDEX IF NOT EXISTS agor_tasks_lease ON tasks(status, lease_expires_at);
CREATE INDEX IF NOT EXISTS agor_tasks_parent ON tasks(parent_task_id);
