-- Indexes that let every list, board, claim, feed and audit query walk an index instead of
-- scanning a table (SPEC §6; `query_plans` tests the plans). agor's own indexes only: the
-- legacy tools never read indexes, so their tables and columns are exactly as they were.
--
-- The board's order is "highest priority first", a CASE over the priority text. An index on
-- that same expression lets claim-next walk the todo tasks of one group in claim order and
-- stop at the first claimable one, instead of sorting every todo task of every group.
-- The expression must stay token-for-token equal to `tasks::PRIORITY_RANK_SQL`.
CREATE INDEX IF NOT EXISTS agor_tasks_group_queue ON tasks(group_id, status,
    (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    sort_order, created_at);
-- The same order across groups, for tier 0 (which claims and lists over every group).
CREATE INDEX IF NOT EXISTS agor_tasks_status_queue ON tasks(status,
    (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    sort_order, created_at);
-- `create_task` gives a new task the group's next sort order: max() over this is one probe.
CREATE INDEX IF NOT EXISTS agor_tasks_group_order ON tasks(group_id, sort_order);
-- Superseded: (group_id, status) is a prefix of agor_tasks_group_queue, (status, …) of
-- agor_tasks_status_queue, and lapsed leases are found through agor_tasks_lease_ms (schema 6).
-- Every task insert and status change writes each index, so keeping them would only cost.
DROP INDEX IF EXISTS agor_tasks_group_status;
DROP INDEX IF EXISTS agor_tasks_lease;
-- Most tasks have no parent; a partial index skips writing an entry for them.
DROP INDEX IF EXISTS agor_tasks_parent;
CREATE INDEX IF NOT EXISTS agor_tasks_parent_set ON tasks(parent_task_id)
    WHERE parent_task_id IS NOT NULL;
-- The admin feed is "messages to or from a group": the sender side needs its own index.
CREATE INDEX IF NOT EXISTS agor_messages_sender_group ON messages(sender_group_id, created_at);
-- Dead letters are listed and redelivered "to or from" an agent: the sender side needs one too.
CREATE INDEX IF NOT EXISTS agor_dead_letters_from ON dead_letter_queue(from_agent);
