-- The weekly summary email (issue 12): on by default, each user may turn it off on /account. weekly_summaries claims
-- each (user, week) with INSERT ... ON CONFLICT DO NOTHING, so two schedulers sending at once send once.
ALTER TABLE users ADD COLUMN weekly_summary boolean NOT NULL DEFAULT true;

CREATE TABLE weekly_summaries (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The Monday the week starts, in the user's time zone.
    week_start  date NOT NULL,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    error       text,
    PRIMARY KEY (user_id, week_start)
);
