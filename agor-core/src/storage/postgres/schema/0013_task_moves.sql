-- PostgreSQL migration 13: status moves in the change feed, as SQLite migration 17 (see
-- 0017_task_moves.sql there).
ALTER TABLE agor_changes ADD COLUMN status_from TEXT COLLATE "C";
ALTER TABLE agor_changes ADD COLUMN status_to TEXT COLLATE "C";
CREATE INDEX agor_changes_task_moves ON agor_changes (subject, id) WHERE status_to IS NOT NULL;
