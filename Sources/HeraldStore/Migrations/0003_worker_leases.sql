-- Workers: a lease on the execution row (owner + expiry, renewed by the owner's heartbeat) is what makes a run
-- exclusive; the Redis stream only carries ids. A queued row may wait for `not_before` (a delivery retry's backoff,
-- or a data source at its concurrency limit). `crashes` counts leases that expired mid-run, so a report that kills
-- every worker is dead-lettered instead of looping. `destination_ids` overrides the schedule's for a test run.
ALTER TABLE executions
    ADD COLUMN lease_owner      text,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN not_before       timestamptz,
    ADD COLUMN crashes          integer NOT NULL DEFAULT 0,
    ADD COLUMN dead_lettered_at timestamptz,
    ADD COLUMN destination_ids  uuid[];

-- The reconciler's questions: what is ready but not on the stream, and whose lease ran out. enqueued_at is in no
-- index (nor index predicate), and pages keep room, so recording an enqueue is a HOT update that touches no index.
CREATE INDEX executions_ready_idx ON executions (coalesce(not_before, created_at)) WHERE status = 'queued';
ALTER TABLE executions SET (fillfactor = 90);
-- executions_slot_key (schedule_id, scheduled_for) already serves a schedule's history, newest first.
DROP INDEX executions_schedule_idx;
CREATE INDEX executions_lease_idx ON executions (lease_expires_at) WHERE status = 'running';
CREATE INDEX executions_dead_idx ON executions (dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;

-- Where a delivery went (the final path, later a message id or an object URL), for the history page.
ALTER TABLE deliveries ADD COLUMN detail text;

-- The overlap policy asks, at every firing, whether a schedule has a run queued or running.
CREATE INDEX executions_active_idx ON executions (schedule_id) WHERE status IN ('queued', 'running');
