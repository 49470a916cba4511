-- PostgreSQL migration 14: messages that must be answered and tasks a person approves, as
-- SQLite migration 18 (see 0018_attention.sql there).
ALTER TABLE messages ADD COLUMN importance BIGINT NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN ack_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN ack_deadline TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN acked_at TEXT COLLATE "C";
ALTER TABLE dead_letter_queue ADD COLUMN importance BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dead_letter_queue ADD COLUMN ack_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dead_letter_queue ADD COLUMN ack_deadline TEXT COLLATE "C";
DROP INDEX IF EXISTS agor_messages_inbox;
CREATE INDEX agor_messages_inbox ON messages (to_agent, read, importance DESC, created_at, rowid);
CREATE INDEX agor_messages_awaiting_ack ON messages (from_agent, ack_deadline)
    WHERE ack_required = 1 AND acked_at IS NULL;
CREATE INDEX agor_messages_unanswered ON messages (to_agent, created_at)
    WHERE acked_at IS NULL AND (read = 0 OR ack_required = 1);
ALTER TABLE tasks ADD COLUMN approval BIGINT NOT NULL DEFAULT 0;
CREATE INDEX agor_tasks_awaiting_approval ON tasks (group_id, updated_at)
    WHERE approval = 1 AND status = 'review';
CREATE INDEX agor_agents_role ON agents (role);
CREATE INDEX agor_proposals_pending ON agor_proposals (created_at) WHERE status = 'pending';
