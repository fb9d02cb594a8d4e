-- Herald's first schema: the tables the architecture names. Later issues add columns in new numbered files.
-- All instants are timestamptz (stored in UTC); every schedule carries its IANA zone. Needs PostgreSQL 13+
-- (gen_random_uuid is built in).


CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL,
    display_name    text NOT NULL DEFAULT '',
    role            text NOT NULL CHECK (role IN ('admin', 'creator', 'viewer')),
    password_hash   text NOT NULL,                      -- argon2id string from libsodium
    time_zone       text NOT NULL DEFAULT 'UTC',
    disabled_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,              -- SHA-256 of the cookie value; the value itself is never stored
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    user_agent      text NOT NULL DEFAULT '',
    remote_addr     text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '',
    token_hash      bytea NOT NULL UNIQUE,              -- SHA-256 of the bearer token, shown once at creation
    token_prefix    text NOT NULL,                      -- first characters, so a user can tell tokens apart
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    expires_at      timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE data_sources (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL UNIQUE,
    kind            text NOT NULL DEFAULT 'postgresql',
    url_encrypted   bytea NOT NULL,                     -- secretbox(nonce || ciphertext) of the connection URL
    statement_timeout_ms integer NOT NULL DEFAULT 60000 CHECK (statement_timeout_ms > 0),
    max_concurrency integer NOT NULL DEFAULT 4 CHECK (max_concurrency > 0),
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reports (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    description_md  text NOT NULL DEFAULT '',
    data_source_id  uuid NOT NULL REFERENCES data_sources (id) ON DELETE RESTRICT,
    sql             text NOT NULL,
    parameters      jsonb NOT NULL DEFAULT '[]',
    formats         text[] NOT NULL DEFAULT '{csv}',
    owner_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE destinations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('folder', 'email', 'sftp', 'ftp', 's3', 'azure', 'gcs', 'webhook')),
    settings        jsonb NOT NULL DEFAULT '{}',        -- host, path, bucket ... never a secret
    secret_encrypted bytea,                             -- secretbox of the credentials, write-only through the API
    owner_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE distribution_templates (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    subject         text NOT NULL DEFAULT '',
    body_md         text NOT NULL DEFAULT '',
    recipients      jsonb NOT NULL DEFAULT '{"to": [], "cc": [], "bcc": []}',
    owner_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schedules (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_id       uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '',
    recurrence      jsonb NOT NULL,                     -- the wizard's structured form
    cron            text,                               -- canonical expression (NULL for a one-shot)
    time_zone       text NOT NULL,                      -- IANA zone the expression is evaluated in
    starts_at       timestamptz,
    ends_at         timestamptz,
    max_runs        integer CHECK (max_runs > 0),
    misfire_policy  text NOT NULL DEFAULT 'run_once' CHECK (misfire_policy IN ('skip', 'run_once', 'run_all')),
    overlap_policy  text NOT NULL DEFAULT 'skip' CHECK (overlap_policy IN ('skip', 'buffer_one', 'allow')),
    jitter_seconds  integer NOT NULL DEFAULT 0 CHECK (jitter_seconds >= 0),
    priority        smallint NOT NULL DEFAULT 5 CHECK (priority BETWEEN 0 AND 9),
    parameters      jsonb NOT NULL DEFAULT '{}',
    destination_ids uuid[] NOT NULL DEFAULT '{}',
    distribution_template_id uuid REFERENCES distribution_templates (id) ON DELETE SET NULL,
    enabled         boolean NOT NULL DEFAULT true,
    next_run_at     timestamptz,                        -- NULL when paused or finished
    run_count       integer NOT NULL DEFAULT 0,
    owner_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- The firing loop claims due schedules in next_run_at order.
CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;

CREATE TABLE executions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    schedule_id     uuid REFERENCES schedules (id) ON DELETE CASCADE,  -- NULL for an ad-hoc run of a report
    report_id       uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    scheduled_for   timestamptz NOT NULL,               -- the slot; with schedule_id, the proof a slot fired
    trigger         text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'manual', 'test', 'catch_up')),
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'skipped', 'cancelled')),
    step            text,                               -- query | render | deliver while running
    attempts        integer NOT NULL DEFAULT 0,
    priority        smallint NOT NULL DEFAULT 5,
    enqueued_at     timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    lateness_ms     double precision,                   -- enqueue time minus slot time
    row_count       bigint,
    step_timings    jsonb NOT NULL DEFAULT '{}',
    missed_count    integer NOT NULL DEFAULT 0,         -- slots dropped by the misfire policy before this one
    error           text,
    requested_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT executions_slot_key UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX executions_status_idx ON executions (status) WHERE status IN ('queued', 'running');
CREATE INDEX executions_schedule_idx ON executions (schedule_id, scheduled_for DESC);

CREATE TABLE artifacts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id    uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    format          text NOT NULL,
    file_name       text NOT NULL,
    storage_path    text NOT NULL,                      -- relative to HERALD_DATA_DIR
    byte_count      bigint NOT NULL,
    sha256          bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz
);
CREATE INDEX artifacts_execution_idx ON artifacts (execution_id);

CREATE TABLE deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id    uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    destination_id  uuid REFERENCES destinations (id) ON DELETE SET NULL,
    channel         text NOT NULL,
    recipient       text NOT NULL DEFAULT '',           -- an address, a path or a URL; '' when the channel has one target
    idempotency_key text NOT NULL UNIQUE,               -- stable across retries
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'succeeded', 'failed', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deliveries_target_key UNIQUE (execution_id, destination_id, recipient)
);

CREATE TABLE notifications (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL DEFAULT '',
    execution_id    uuid REFERENCES executions (id) ON DELETE CASCADE,
    read_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC) WHERE read_at IS NULL;

CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_label     text NOT NULL,                      -- email, 'cli' or 'scheduler': kept when the user is deleted
    action          text NOT NULL,                      -- e.g. user.create, token.create, schedule.update
    subject_type    text NOT NULL,
    subject_id      text,
    details         jsonb NOT NULL DEFAULT '{}'         -- never a secret
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
