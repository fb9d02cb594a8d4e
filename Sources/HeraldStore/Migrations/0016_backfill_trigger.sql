-- Backfill (issue 10): a run for a past slot, asked for by a person, with trigger 'backfill' and the slot as its
-- scheduled_for (its logical time). It is a slot like a fired one: a slot that already has a run is not run again.
ALTER TABLE executions DROP CONSTRAINT executions_trigger_check;
ALTER TABLE executions ADD CONSTRAINT executions_trigger_check
    CHECK (trigger IN ('schedule', 'manual', 'test', 'catch_up', 'backfill'));

-- Re-running a slot keeps the history truthful: the earlier run stays as it ended, marked superseded (it leaves the
-- slot key), and the new run names it in rerun_of.
ALTER TABLE executions
    ADD COLUMN superseded_at timestamptz,
    ADD COLUMN rerun_of      uuid REFERENCES executions (id) ON DELETE SET NULL;
DROP INDEX executions_slot_key;
CREATE UNIQUE INDEX executions_slot_key ON executions (schedule_id, scheduled_for)
    WHERE trigger IN ('schedule', 'catch_up', 'backfill') AND superseded_at IS NULL;

-- A schedule's runs go one after another when a backfill is involved: a backfill run waits while any run of its
-- schedule runs, and a fired run waits while a backfill run runs. A waiting run is parked (queued, off the streams,
-- not taken by the reconciler) until the end of the run it waits for wakes the next one in the same transaction;
-- backfill runs are inserted parked, so only the oldest is ever on a queue.
ALTER TABLE executions ADD COLUMN waiting_for_schedule boolean NOT NULL DEFAULT false;
CREATE INDEX executions_waiting_for_schedule_idx ON executions (schedule_id, scheduled_for)
    WHERE status = 'queued' AND waiting_for_schedule;
-- The claim asks whether a schedule has a backfill in flight (then the run checks, under the lock below, whether it
-- must wait); this keeps that a lookup in a tiny index.
CREATE INDEX executions_backfill_pending_idx ON executions (schedule_id)
    WHERE trigger = 'backfill' AND status IN ('queued', 'running');

-- The transaction-level advisory lock that orders parking behind a schedule's run and the wake-up at a run's end:
-- each takes it in a statement of its own before looking, so a run can never park unseen by the end it waits for.
CREATE FUNCTION herald_schedule_lock_key(schedule uuid) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT hashtext('herald-schedule:' || schedule::text)::bigint $$;
