-- The web's schedule: shared with named users (who see it and its history), paused with an optional note, and its
-- distribution (formats, file name pattern, what to do when the file exists) on the schedule rather than on each
-- destination, so one destination serves many schedules.
CREATE TABLE schedule_shares (
    schedule_id     uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, user_id)
);
CREATE INDEX schedule_shares_user_idx ON schedule_shares (user_id);

ALTER TABLE schedules
    ADD COLUMN pause_note text NOT NULL DEFAULT '',
    ADD COLUMN formats text[] NOT NULL DEFAULT '{csv}',
    ADD COLUMN filename_pattern text NOT NULL DEFAULT '{report_name}_{date}_{time}.{format}',
    ADD COLUMN naming text NOT NULL DEFAULT 'overwrite' CHECK (naming IN ('overwrite', 'timestamp'));

-- Keyset pagination of the list and of each history.
CREATE INDEX schedules_owner_idx ON schedules (owner_id, created_at DESC, id);
CREATE INDEX executions_schedule_idx ON executions (schedule_id, scheduled_for DESC, id);
