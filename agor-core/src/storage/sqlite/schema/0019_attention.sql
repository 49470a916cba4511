-- Messages that must be answered and tasks a person approves (issue 22 items 5 and 6, SPEC §14).
-- Additive: defaulted columns of the legacy tables (a legacy script's INSERT names none of
-- them, so its mail is `normal`, needs no acknowledgement, and its tasks need no approval).
--   importance: 0 low, 1 normal, 2 high, 3 urgent (a rank, so the inbox index orders by it);
--   ack_required/ack_deadline: the sender wants a receipt (by a deadline, legacy timestamp
--   text); acked_at: when the recipient acknowledged (`ack`) or replied.
-- Dead letters carry the same asks, so a message redelivered later keeps them.
ALTER TABLE messages ADD COLUMN importance INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN ack_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN ack_deadline TEXT;
ALTER TABLE messages ADD COLUMN acked_at TEXT;
ALTER TABLE dead_letter_queue ADD COLUMN importance INTEGER NOT NULL DEFAULT 1;
ALTER TABLE dead_letter_queue ADD COLUMN ack_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dead_letter_queue ADD COLUMN ack_deadline TEXT;
-- The unread inbox reads most important first, then oldest first: the index walks that
-- order (it replaces schema 2's, which had no importance; unread counts use its prefix).
DROP INDEX IF EXISTS agor_messages_inbox;
CREATE INDEX agor_messages_inbox ON messages(to_agent, read, importance DESC, created_at);
-- A sender's unanswered asks by deadline (`overdue`); only those rows are in it.
CREATE INDEX IF NOT EXISTS agor_messages_awaiting_ack ON messages(from_agent, ack_deadline)
    WHERE ack_required = 1 AND acked_at IS NULL;
-- Unanswered asks to a person (`waiting_on_people`).
CREATE INDEX IF NOT EXISTS agor_messages_unanswered ON messages(to_agent, created_at)
    WHERE acked_at IS NULL AND (read = 0 OR ack_required = 1);
-- approval: the task needs a person's approval before `done`.
ALTER TABLE tasks ADD COLUMN approval INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS agor_tasks_awaiting_approval ON tasks(group_id, updated_at)
    WHERE approval = 1 AND status = 'review';
-- People (role human) and pending proposals, for `waiting_on_people`.
CREATE INDEX IF NOT EXISTS agor_agents_role ON agents(role);
CREATE INDEX IF NOT EXISTS agor_proposals_pending ON agor_proposals(created_at)
    WHERE status = 'pending';
