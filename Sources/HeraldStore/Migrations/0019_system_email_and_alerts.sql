-- The SMTP server an admin sets up on /admin/email (one row at most): email destinations without a server of their
-- own and owner alerts send through it. The password is sealed like destination secrets (`SecretKeyring`, its key id
-- beside it, so `herald secrets rotate` re-seals it) and is never shown.
CREATE TABLE system_email (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    singleton           boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
    host                text NOT NULL,
    port                integer CHECK (port BETWEEN 1 AND 65535),
    security            text NOT NULL CHECK (security IN ('starttls', 'tls', 'plain')),
    username            text,
    from_address        text NOT NULL,
    from_name           text,
    password_encrypted  bytea,
    password_key_id     text,
    updated_by          uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Owner alert emails: one row per (execution, kind), claimed with INSERT ... ON CONFLICT DO NOTHING before the email
-- is sent, so two schedulers or a re-recorded finish never send it twice. `streak`: the consecutive failed or
-- partial runs of the schedule up to this one (for a recovery, the streak it ended).
CREATE TABLE owner_alerts (
    execution_id    uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('failure', 'recovery')),
    schedule_id     uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    streak          integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    error           text,
    PRIMARY KEY (execution_id, kind)
);
CREATE INDEX owner_alerts_schedule_idx ON owner_alerts (schedule_id, created_at DESC);

-- A streak is counted back from a run's end to the schedule's last success: this keeps that walk as long as the
-- streak, not the schedule's whole history.
CREATE INDEX executions_schedule_ended_idx ON executions (schedule_id, finished_at DESC)
    WHERE status IN ('failed', 'partial', 'succeeded');
