-- agor additions: indexes for the hot queries (inbox, unread count, history, channels).
-- Additive only: the legacy tools never see a changed table.
CREATE INDEX IF NOT EXISTS agor_messages_inbox ON messages(to_agent, read, created_at);
CREATE INDEX IF NOT EXISTS agor_messages_to_created ON messages(to_agent, created_at);
CREATE INDEX IF NOT EXISTS agor_messages_pair ON messages(from_agent, to_agent, created_at);
CREATE INDEX IF NOT EXISTS agor_messages_group ON messages(group_id, created_at);
CREATE INDEX IF NOT EXISTS agor_channel_messages_channel ON channel_messages(channel_id, created_at);
CREATE INDEX IF NOT EXISTS agor_channel_members_agent ON channel_members(agent_id);
CREATE INDEX IF NOT EXISTS agor_channels_group_name ON channels(group_id, name);
CREATE INDEX IF NOT EXISTS agor_dead_letters_to ON dead_letter_queue(to_agent);
CREATE INDEX IF NOT EXISTS agor_audit_agent ON audit_log(agent_id, id);
CREATE INDEX IF NOT EXISTS agor_agents_group ON agents(group_id);
CREATE INDEX IF NOT EXISTS agor_tasks_group_status ON tasks(group_id, status);
CREATE INDEX IF NOT EXISTS agor_task_comments_task ON task_comments(task_id, created_at);
