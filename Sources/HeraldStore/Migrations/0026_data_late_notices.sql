-- "Data late" (issue 12): a schedule may set a deadline, minutes after each slot; when the slot's run has not
-- succeeded by then its owner is told once. late_notices claims each (schedule, slot) with INSERT ... ON CONFLICT DO
-- NOTHING, so two schedulers checking at once tell once.
ALTER TABLE schedules ADD COLUMN deadline_minutes integer CHECK (deadline_minutes BETWEEN 1 AND 10080);
-- Set when ScheduleAutoPause paused it: such a schedule is still late (paused by hand, it is not).
ALTER TABLE schedules ADD COLUMN paused_automatically boolean NOT NULL DEFAULT false;

CREATE TABLE late_notices (
    schedule_id     uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    scheduled_for   timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, scheduled_for)
);
