-- Full-text search (SPEC §10). One FTS5 table of agor's own indexes DMs, channel posts, tasks
-- and task comments; document `rowid * 4 + source` (0 messages, 1 channel_messages, 2 tasks,
-- 3 task_comments). agor folds and splits the text itself (see agor-core/src/search/text.rs)
-- and stores only the words: contentless, since the text is in the source tables, which the
-- search joins to anyway (that also drops deleted rows and applies who may read what).
--
-- No triggers on the legacy tables: the legacy scripts keep writing with an SQLite that lacks
-- FTS5 (it cannot run a trigger that touches this table). Rows they add are indexed by agor
-- on the next search, from where agor_search_state says each source was indexed up to.
CREATE VIRTUAL TABLE agor_search USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE agor_search_state (
    source TEXT PRIMARY KEY,
    indexed_to INTEGER NOT NULL DEFAULT 0
);
INSERT INTO agor_search_state (source) VALUES
    ('messages'), ('channel_messages'), ('tasks'), ('task_comments');
