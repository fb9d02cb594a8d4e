-- The run list of an admin (every run, newest first, keyset on (scheduled_for, id)) reads this index instead of
-- sorting the whole table.
CREATE INDEX executions_recent_idx ON executions (scheduled_for DESC, id DESC);
