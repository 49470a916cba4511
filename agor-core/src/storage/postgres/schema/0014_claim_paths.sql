-- PostgreSQL migration 14: the path globs a task's claim reserves, as SQLite migration 18
-- (see 0018_claim_paths.sql there).
ALTER TABLE tasks ADD COLUMN paths TEXT COLLATE "C";
