-- Deleting a run (the retention cleaner, a deleted schedule's cascade) checks every row that refers to it. Two
-- references had no index, so each deleted run scanned the whole table: a batch of 1,000 expired runs of a busy
-- installation took minutes. Both are partial: most notifications are about a run, few runs are re-runs.
CREATE INDEX notifications_execution_idx ON notifications (execution_id) WHERE execution_id IS NOT NULL;
CREATE INDEX executions_rerun_of_idx ON executions (rerun_of) WHERE rerun_of IS NOT NULL;
