-- A run has a deadline: past `max_duration_seconds` from its claim the worker cancels it (PQcancel for the query)
-- and records it `failed`, so a hung query, render or delivery cannot hold its lease and its data-source slot forever.
ALTER TABLE reports ADD COLUMN max_duration_seconds integer NOT NULL DEFAULT 1800 CHECK (max_duration_seconds > 0);
-- When the current attempt took its lease: a lease is not renewed past the deadline (plus a grace), so a worker stuck
-- where it cannot be cancelled (a render, a hung write) loses the run to another attempt.
ALTER TABLE executions ADD COLUMN claimed_at timestamptz;

-- A run that found every slot of its data source taken is parked (queued, waiting for that source) instead of
-- retried on a timer: the slot holder's release wakes the best parked run (highest priority, earliest slot), and the
-- reconciler wakes runs of sources whose slots freed without a release (a worker process died).
ALTER TABLE executions ADD COLUMN waiting_source_id uuid;
CREATE INDEX executions_parked_idx ON executions (waiting_source_id, priority DESC, scheduled_for)
    WHERE status = 'queued' AND waiting_source_id IS NOT NULL;
