-- 0002 added next_slot_at without filling it: a schedule written before it had only next_run_at, and the firing
-- loop found no slot to fire and stopped it silently. Before 0002 nothing applied jitter, so next_run_at was the slot.
UPDATE schedules SET next_slot_at = next_run_at WHERE next_slot_at IS NULL AND next_run_at IS NOT NULL;

-- A schedule the firing loop could not plan (its recurrence no longer compiles: a zone missing from tzdata, a row
-- written by an older version) is taken out of firing (next_run_at NULL) with the reason, shown to its owner.
ALTER TABLE schedules
    ADD COLUMN broken_reason text,
    ADD COLUMN broken_at     timestamptz;

-- Only the recurrence's slots are keyed on (schedule_id, scheduled_for): a manual or test run starts "now", and with
-- the old table-wide key one that landed on a slot's instant took the slot (or was refused). Catch-up runs are slots
-- fired late, so they keep the key.
ALTER TABLE executions DROP CONSTRAINT executions_slot_key;
CREATE UNIQUE INDEX executions_slot_key ON executions (schedule_id, scheduled_for) WHERE trigger IN ('schedule', 'catch_up');
-- A schedule's history, newest first, is read from both: the slot key above and this one for requested runs (only
-- those, so firing pays for no extra index).
CREATE INDEX executions_requested_idx ON executions (schedule_id, scheduled_for) WHERE trigger IN ('manual', 'test');
