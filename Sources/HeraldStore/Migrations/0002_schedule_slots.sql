-- The slot a schedule fires next, beside next_run_at (= slot + the schedule's jitter), so the execution row can
-- record the slot itself while the firing loop waits for the jittered time.
ALTER TABLE schedules ADD COLUMN next_slot_at timestamptz;
ALTER TABLE executions ADD COLUMN skip_reason text;
