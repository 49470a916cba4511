-- PostgreSQL migration 5: full-text search, as SQLite migration 9. The words are a tsvector
-- agor builds itself (positions included, so phrases work), never the server's parser, whose
-- idea of a letter depends on the database's locale; a GIN index answers `@@`.
CREATE TABLE agor_search (
    rowid BIGINT PRIMARY KEY,
    terms TSVECTOR NOT NULL
);
CREATE INDEX agor_search_terms ON agor_search USING GIN (terms);
CREATE TABLE agor_search_state (
    source TEXT COLLATE "C" PRIMARY KEY,
    indexed_to BIGINT NOT NULL DEFAULT 0
);
INSERT INTO agor_search_state (source) VALUES
    ('messages'), ('channel_messages'), ('tasks'), ('task_comments');
-- Tasks are keyed by text; the index needs a number that is never reused, like the rowid the
-- other sources have (and SQLite gives every table).
ALTER TABLE tasks ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX agor_tasks_rowid ON tasks (rowid);
