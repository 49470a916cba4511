-- PostgreSQL migration 1: the whole baseline. It creates what a fresh SQLite file holds after
-- SQLite migrations 1-6 (schema/0001_legacy.sql .. 0006_leases_ms.sql, with the columns that
-- schema/mod.rs adds), in PostgreSQL's dialect. Append-only like the SQLite migrations: once
-- released this file is never edited; later changes are new numbered files.
--
-- Same tables, columns, keys and indexes as SQLite, so the core's shared SQL runs on both.
-- The differences (see README.md beside this file):
--   * every integer column is BIGINT and every text column TEXT COLLATE "C" (byte-wise, like
--     SQLite's BINARY collation: id-prefix range scans and ORDER BY agree with SQLite);
--     no boolean type: flags such as messages.read stay 0/1 integers;
--   * tables whose order the core takes from SQLite's implicit rowid get a real `rowid`
--     identity column (last, so a positional read of the named columns is unchanged), and
--     the indexes that break ties by rowid name it as their last key, as SQLite's do implicitly;
--   * `INTEGER PRIMARY KEY AUTOINCREMENT` is a BIGINT identity (never reused, like AUTOINCREMENT);
--   * `DEFAULT (datetime('now'))` is the same UTC 'YYYY-MM-DD HH:MM:SS' text via to_char.
-- The engine creates agor_meta (schema version, application) itself, before this file runs.

CREATE TABLE agents (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL DEFAULT 'default',
    tier BIGINT NOT NULL DEFAULT 2,
    model TEXT COLLATE "C",
    cwd TEXT COLLATE "C",
    system_prompt TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'active',
    last_active_at TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
);

CREATE TABLE contacts (
    agent_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (agent_id, contact_id)
);

CREATE TABLE messages (
    id TEXT COLLATE "C" PRIMARY KEY,
    from_agent TEXT COLLATE "C" NOT NULL,
    to_agent TEXT COLLATE "C" NOT NULL,
    content TEXT COLLATE "C" NOT NULL,
    read BIGINT NOT NULL DEFAULT 0,
    reply_to TEXT COLLATE "C",
    group_id TEXT COLLATE "C",
    sender_group_id TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    rowid BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE UNIQUE INDEX agor_messages_rowid ON messages (rowid);

CREATE TABLE channels (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C",
    created_by TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    rowid BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE UNIQUE INDEX agor_channels_rowid ON channels (rowid);

CREATE TABLE channel_members (
    channel_id TEXT COLLATE "C" NOT NULL,
    agent_id TEXT COLLATE "C" NOT NULL,
    joined_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    PRIMARY KEY (channel_id, agent_id)
);

CREATE TABLE channel_messages (
    id TEXT COLLATE "C" PRIMARY KEY,
    channel_id TEXT COLLATE "C" NOT NULL,
    from_agent TEXT COLLATE "C" NOT NULL,
    content TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    rowid BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE UNIQUE INDEX agor_channel_messages_rowid ON channel_messages (rowid);

-- The legacy columns (as SQLite migration 1 creates them), then migration 3's board columns
-- (TASK_BOARD_COLUMNS), then migration 6's lease_expires_ms: SQLite's column order.
-- description, sort_order and version are nullable with a default, exactly as in SQLite.
CREATE TABLE tasks (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" DEFAULT '',
    status TEXT COLLATE "C" NOT NULL DEFAULT 'todo',
    priority TEXT COLLATE "C" NOT NULL DEFAULT 'medium',
    assigned_to TEXT COLLATE "C",
    created_by TEXT COLLATE "C",
    group_id TEXT COLLATE "C",
    parent_task_id TEXT COLLATE "C",
    sort_order BIGINT DEFAULT 0,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    updated_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    version BIGINT DEFAULT 1,
    definition_of_done TEXT COLLATE "C",
    lease_token TEXT COLLATE "C",
    lease_expires_at BIGINT,
    summary TEXT COLLATE "C",
    artifacts TEXT COLLATE "C",
    result_ref TEXT COLLATE "C",
    next_step TEXT COLLATE "C",
    lease_expires_ms BIGINT
);

CREATE TABLE task_comments (
    id TEXT COLLATE "C" PRIMARY KEY,
    task_id TEXT COLLATE "C" NOT NULL,
    agent_id TEXT COLLATE "C" NOT NULL,
    content TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    rowid BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE UNIQUE INDEX agor_task_comments_rowid ON task_comments (rowid);

-- Seconds since the epoch. (Legacy SQLite files may hold a float here, hence the core's
-- CAST(timestamp AS INTEGER); PostgreSQL holds whole seconds only.)
CREATE TABLE heartbeats (
    agent_id TEXT COLLATE "C" PRIMARY KEY,
    timestamp BIGINT NOT NULL
);

-- reply_to is migration 2's addition (it keeps a redelivered dead letter in its thread).
CREATE TABLE dead_letter_queue (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    from_agent TEXT COLLATE "C" NOT NULL,
    to_agent TEXT COLLATE "C" NOT NULL,
    content TEXT COLLATE "C" NOT NULL,
    error TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
    reply_to TEXT COLLATE "C"
);

CREATE TABLE audit_log (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    agent_id TEXT COLLATE "C",
    event_type TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
);

CREATE TABLE seen_messages (
    session_id TEXT COLLATE "C" NOT NULL,
    message_id TEXT COLLATE "C" NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, message_id)
);

-- SQLite migration 3.
CREATE TABLE task_tags (
    task_id TEXT COLLATE "C" NOT NULL,
    tag TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, tag)
);

-- SQLite migration 4: `task_id` waits until `depends_on` is done.
CREATE TABLE task_dependencies (
    task_id TEXT COLLATE "C" NOT NULL,
    depends_on TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, depends_on)
);

-- agor's indexes: the final set of SQLite migrations 2-6 (migration 5 dropped
-- agor_tasks_group_status, agor_tasks_lease and agor_tasks_parent, so they are absent).
-- SQLite ends every index with the rowid implicitly; where the core breaks ties by rowid
-- (ORDER BY created_at, rowid) the index names it, so the same walk-and-stop plans exist.

-- Migration 2: inbox, unread count, history, channels.
CREATE INDEX agor_messages_inbox ON messages (to_agent, read, created_at, rowid);
CREATE INDEX agor_messages_to_created ON messages (to_agent, created_at, rowid);
CREATE INDEX agor_messages_pair ON messages (from_agent, to_agent, created_at, rowid);
CREATE INDEX agor_messages_group ON messages (group_id, created_at, rowid);
CREATE INDEX agor_channel_messages_channel ON channel_messages (channel_id, created_at, rowid);
CREATE INDEX agor_channel_members_agent ON channel_members (agent_id);
CREATE INDEX agor_channels_group_name ON channels (group_id, name);
CREATE INDEX agor_dead_letters_to ON dead_letter_queue (to_agent);
CREATE INDEX agor_audit_agent ON audit_log (agent_id, id);
CREATE INDEX agor_agents_group ON agents (group_id);
CREATE INDEX agor_task_comments_task ON task_comments (task_id, created_at, rowid);

-- Migration 3.
CREATE INDEX agor_task_tags_tag ON task_tags (tag);

-- Migration 4.
CREATE INDEX agor_task_dependencies_on ON task_dependencies (depends_on);

-- Migration 5. The CASE must stay equal to `tasks::PRIORITY_RANK_SQL` (the planner matches
-- the expression, not its spelling, so whitespace and the alias `t.` do not matter).
CREATE INDEX agor_tasks_group_queue ON tasks (group_id, status,
    (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    sort_order, created_at);
CREATE INDEX agor_tasks_status_queue ON tasks (status,
    (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    sort_order, created_at);
CREATE INDEX agor_tasks_group_order ON tasks (group_id, sort_order);
CREATE INDEX agor_tasks_parent_set ON tasks (parent_task_id) WHERE parent_task_id IS NOT NULL;
CREATE INDEX agor_messages_sender_group ON messages (sender_group_id, created_at, rowid);
CREATE INDEX agor_dead_letters_from ON dead_letter_queue (from_agent);

-- Migration 6 (its UPDATEs only repair older SQLite files; a new database has nothing to fix).
CREATE INDEX agor_tasks_lease_ms ON tasks (lease_expires_ms) WHERE lease_expires_ms IS NOT NULL;
