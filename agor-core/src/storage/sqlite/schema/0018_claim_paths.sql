-- Claims with their files (SPEC §14): the path globs a task touches, one per line (a glob holds
-- no control character). A nullable column the legacy scripts never read; claiming the task
-- reserves them for as long as its lease lives, so no second table has to be kept in step.
ALTER TABLE tasks ADD COLUMN paths TEXT;
