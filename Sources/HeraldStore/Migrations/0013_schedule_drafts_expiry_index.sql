-- The wizard's sweep deletes expired drafts of every user, a batch at a time (`expires_at < now() LIMIT 100`): an
-- index on the expiry alone lets it stop after the batch instead of reading every draft.
CREATE INDEX schedule_drafts_expires_idx ON schedule_drafts (expires_at);
