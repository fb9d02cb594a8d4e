-- Auto-pause (issue 12): a schedule may pause itself after this many consecutive failed or partial runs (NULL: never).
-- Runs count only when they ended after resumed_at, so a resumed schedule needs as many new failures to pause again.
ALTER TABLE schedules ADD COLUMN pause_after_failures integer CHECK (pause_after_failures BETWEEN 1 AND 100);
ALTER TABLE schedules ADD COLUMN resumed_at timestamptz;

-- (The last K ended runs of a schedule are read newest first from 0019's executions_schedule_ended_idx.)
