-- Status moves in the change feed, for `task_history`: a task change that moved the task
-- between statuses keeps where from and where to (`status_from` NULL: the task's creation).
-- Nullable columns of agor's own table, so older rows (and every other change) leave them
-- NULL. The partial index holds only the moves, so other changes cost it nothing.
ALTER TABLE agor_changes ADD COLUMN status_from TEXT;
ALTER TABLE agor_changes ADD COLUMN status_to TEXT;
CREATE INDEX IF NOT EXISTS agor_changes_task_moves ON agor_changes(subject, id)
    WHERE status_to IS NOT NULL;
