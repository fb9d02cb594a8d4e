-- An admin's schedule list (every schedule, newest first, keyset on (created_at, id)) walks this index and stops
-- after a page; a creator's walks schedules_owner_idx.
CREATE INDEX schedules_newest_idx ON schedules (created_at DESC, id DESC);
