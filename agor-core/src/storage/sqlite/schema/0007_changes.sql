-- The change feed (SPEC §8): one row per committed mutation that may concern someone, written
-- in the mutation's transaction. `id` is the cursor (AUTOINCREMENT: never reused, so a cursor
-- never points at a later row). The scope columns say whom a change concerns: the group, the
-- agent it is addressed to (a DM's recipient, a task's assignee), the channel of a post.
-- A table of agor's own: the legacy tools neither know nor need it.
CREATE TABLE IF NOT EXISTS agor_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    actor TEXT,
    subject TEXT,
    group_id TEXT,
    agent_id TEXT,
    channel_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS agor_changes_agent ON agor_changes(agent_id, id)
    WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS agor_changes_group ON agor_changes(group_id, id);
CREATE INDEX IF NOT EXISTS agor_changes_channel ON agor_changes(channel_id, id)
    WHERE channel_id IS NOT NULL;
