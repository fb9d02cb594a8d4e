-- Every edit of a report's SQL or parameters is kept as a numbered version, and each run records the version it ran
-- and the parameter values it resolved at its logical time (relative dates already turned into dates), so the
-- history says exactly what was queried.
ALTER TABLE reports ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0);

CREATE TABLE report_versions (
    report_id       uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version         integer NOT NULL,
    sql             text NOT NULL,
    parameters      jsonb NOT NULL,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, version)
);

INSERT INTO report_versions (report_id, version, sql, parameters, created_by, created_at)
SELECT id, 1, sql, parameters, owner_id, updated_at FROM reports;

ALTER TABLE executions
    ADD COLUMN report_version integer,
    ADD COLUMN parameters jsonb;

-- How a schedule's files are made (CSV delimiter and byte-order mark, PDF orientation, one zip of all files):
-- `ExportOptions`; `{}` is the defaults.
ALTER TABLE schedules ADD COLUMN export_options jsonb NOT NULL DEFAULT '{}';
