-- Owner-alert rules (issue 12): each user sets defaults for their schedules and each schedule may override them.
-- The same five columns on both; NULL means "not set": a user's NULL is the standard rule (email and in-app, every
-- HERALD_ALERT_EVERY'th failure, recovery), a schedule's NULL is its owner's setting. alert_failures: 'first' (the
-- first failure of a streak only) or 'every' (the first, then every alert_every'th).
ALTER TABLE users
    ADD COLUMN alert_email boolean,
    ADD COLUMN alert_in_app boolean,
    ADD COLUMN alert_failures text CHECK (alert_failures IN ('first', 'every')),
    ADD COLUMN alert_every integer CHECK (alert_every BETWEEN 1 AND 1000),
    ADD COLUMN alert_recovery boolean;
ALTER TABLE schedules
    ADD COLUMN alert_email boolean,
    ADD COLUMN alert_in_app boolean,
    ADD COLUMN alert_failures text CHECK (alert_failures IN ('first', 'every')),
    ADD COLUMN alert_every integer CHECK (alert_every BETWEEN 1 AND 1000),
    ADD COLUMN alert_recovery boolean;

-- owner_alerts now records every owner alert, claimed once: a run's failure or recovery (both channels decided by the
-- rule: `email` and `in_app` say which it called for), the pause of a schedule that paused itself (its run), and a
-- late slot (its run when it fired: keyed by schedule and slot instead). A run without a schedule (a report's own
-- run) is claimed too, so its in-app notice is written once. sent_at / error: how the email went.
ALTER TABLE owner_alerts DROP CONSTRAINT owner_alerts_pkey;
ALTER TABLE owner_alerts ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY;
ALTER TABLE owner_alerts ALTER COLUMN execution_id DROP NOT NULL, ALTER COLUMN schedule_id DROP NOT NULL;
ALTER TABLE owner_alerts ADD CONSTRAINT owner_alerts_execution_kind_key UNIQUE (execution_id, kind);
ALTER TABLE owner_alerts DROP CONSTRAINT owner_alerts_kind_check;
ALTER TABLE owner_alerts ADD CONSTRAINT owner_alerts_kind_check CHECK (kind IN ('failure', 'recovery', 'paused', 'late'));
ALTER TABLE owner_alerts
    ADD COLUMN scheduled_for timestamptz,
    ADD COLUMN email boolean NOT NULL DEFAULT true,
    ADD COLUMN in_app boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT owner_alerts_late_slot CHECK ((kind = 'late') = (scheduled_for IS NOT NULL)),
    ADD CONSTRAINT owner_alerts_run_or_slot CHECK (kind = 'late' OR execution_id IS NOT NULL);
CREATE UNIQUE INDEX owner_alerts_late_key ON owner_alerts (schedule_id, scheduled_for) WHERE kind = 'late';
