-- The schedule wizard's drafts: what a user typed so far, kept on the server so that back, forward and reload keep
-- it and two tabs (two drafts) never mix. A draft is its user's alone, expires, and becomes a schedule only when
-- the last step activates it. `schedule_id` is set when the draft edits an existing schedule.
CREATE TABLE schedule_drafts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    schedule_id     uuid REFERENCES schedules (id) ON DELETE CASCADE,
    body            jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '2 days'
);
CREATE INDEX schedule_drafts_user_idx ON schedule_drafts (user_id, expires_at);
