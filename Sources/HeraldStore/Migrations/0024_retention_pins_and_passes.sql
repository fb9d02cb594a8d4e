-- Retention (issue 12): finished runs and their files expire after HERALD_RETENTION_DAYS, or after the schedule's own
-- period when it sets one; a pinned run is kept whatever its age.
ALTER TABLE schedules ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 3650);  -- NULL: the default
ALTER TABLE executions ADD COLUMN pinned boolean NOT NULL DEFAULT false;

-- The cleaner walks finished, unpinned runs oldest first by keyset on (finished_at, id); the status page's periods
-- (runs ended in the last day or week) read the same index.
CREATE INDEX executions_expiry_idx ON executions (finished_at, id) WHERE finished_at IS NOT NULL AND NOT pinned;

-- (Before it unlinks a file the cleaner asks whether a row it keeps names the same path: 0022's index answers.)

-- One row per cleaning pass, written when it starts and completed when it ends: what it removed and what went wrong
-- (a file it could not delete keeps its run for the next pass). A row without finished_at is a pass that died.
CREATE TABLE retention_passes (
    id                  bigserial PRIMARY KEY,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    default_days        integer,                            -- HERALD_RETENTION_DAYS then; NULL: off
    batches             integer NOT NULL DEFAULT 0,
    executions_removed  bigint NOT NULL DEFAULT 0,
    artifacts_removed   bigint NOT NULL DEFAULT 0,
    files_removed       bigint NOT NULL DEFAULT 0,
    bytes_removed       bigint NOT NULL DEFAULT 0,
    errors              text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX retention_passes_started_idx ON retention_passes (started_at DESC);
