-- Leases to the millisecond, and the legacy spelling of in_progress.
-- `lease_expires_ms` is the authoritative deadline (`lease_expires_at` keeps whole seconds,
-- rounded up, for readers of earlier agor versions). Tasks agor claimed before this version
-- hold `in_progress`, which the legacy desktop kanban and bttask do not know: they get the
-- legacy `progress` back, so they show up on those boards again.
UPDATE tasks SET lease_expires_ms = lease_expires_at * 1000
    WHERE lease_expires_at IS NOT NULL AND lease_expires_ms IS NULL;
UPDATE tasks SET status = 'progress' WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS agor_tasks_lease_ms ON tasks(lease_expires_ms)
    WHERE lease_expires_ms IS NOT NULL;
