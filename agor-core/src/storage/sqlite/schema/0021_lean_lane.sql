-- Fewer pages per enqueue (SPEC §15): the lane index holds only assigned tasks. Its one query
-- (`board::lane_sql`, an agent's lane) asks for `assigned_to = ?`, which a partial index on
-- `assigned_to IS NOT NULL` serves; the NULL entries every unassigned task used to add were
-- never read, yet each new task wrote one (about one B-tree page per `create_task`).
-- agor's own index: the legacy tools never read indexes.
DROP INDEX IF EXISTS agor_tasks_lane;
CREATE INDEX agor_tasks_lane ON tasks (assigned_to, sort_order) WHERE assigned_to IS NOT NULL;
