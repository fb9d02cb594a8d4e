-- A schedule's last finished run, kept on the schedule by triggers on executions, so the list shows it and the
-- "failing" tab counts it without looking up every visible schedule's runs (10,000 lateral lookups a request was
-- most of the schedule list page's database time). "Last" means what it meant before: the newest finished_at
-- (then the largest id) among the schedule's runs that have one. Every writer of executions keeps it true, the
-- scheduler, the web and the CLI alike, because the database does it.
ALTER TABLE schedules
    ADD COLUMN last_execution_id uuid,
    ADD COLUMN last_status text,
    ADD COLUMN last_finished_at timestamptz;

UPDATE schedules s SET (last_execution_id, last_status, last_finished_at) = (
    SELECT e.id, e.status, e.finished_at FROM executions e
    WHERE e.schedule_id = s.id AND e.finished_at IS NOT NULL
    ORDER BY e.finished_at DESC, e.id DESC LIMIT 1);

-- The schedule's newest finished run again, when the one it names stops being finished (requeued) or is deleted.
CREATE FUNCTION schedules_recompute_last_run(schedule uuid, gone uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE schedules s SET (last_execution_id, last_status, last_finished_at) = (
        SELECT e.id, e.status, e.finished_at FROM executions e
        WHERE e.schedule_id = s.id AND e.finished_at IS NOT NULL AND e.id <> gone
        ORDER BY e.finished_at DESC, e.id DESC LIMIT 1)
    WHERE s.id = schedule AND s.last_execution_id = gone;
$$;

CREATE FUNCTION schedules_track_last_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM schedules_recompute_last_run(OLD.schedule_id, OLD.id);
    ELSIF NEW.finished_at IS NOT NULL THEN
        UPDATE schedules s SET last_execution_id = NEW.id, last_status = NEW.status, last_finished_at = NEW.finished_at
        WHERE s.id = NEW.schedule_id
          AND (s.last_finished_at IS NULL OR (s.last_finished_at, s.last_execution_id) <= (NEW.finished_at, NEW.id))
          AND (s.last_execution_id, s.last_status, s.last_finished_at) IS DISTINCT FROM (NEW.id, NEW.status, NEW.finished_at);
        -- A finished run whose finished_at moved back is no longer the newest of necessity.
        IF TG_OP = 'UPDATE' AND OLD.finished_at > NEW.finished_at THEN
            PERFORM schedules_recompute_last_run(NEW.schedule_id, '00000000-0000-0000-0000-000000000000');
        END IF;
    ELSE
        PERFORM schedules_recompute_last_run(NEW.schedule_id, NEW.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER executions_last_run_insert AFTER INSERT ON executions
    FOR EACH ROW WHEN (NEW.schedule_id IS NOT NULL AND NEW.finished_at IS NOT NULL)
    EXECUTE FUNCTION schedules_track_last_run();
CREATE TRIGGER executions_last_run_update AFTER UPDATE OF status, finished_at ON executions
    FOR EACH ROW WHEN (NEW.schedule_id IS NOT NULL AND (NEW.finished_at IS DISTINCT FROM OLD.finished_at
                       OR (NEW.finished_at IS NOT NULL AND NEW.status IS DISTINCT FROM OLD.status)))
    EXECUTE FUNCTION schedules_track_last_run();
CREATE TRIGGER executions_last_run_delete AFTER DELETE ON executions
    FOR EACH ROW WHEN (OLD.schedule_id IS NOT NULL AND OLD.finished_at IS NOT NULL)
    EXECUTE FUNCTION schedules_track_last_run();

-- The failing tab's count walks only the failing schedules.
CREATE INDEX schedules_failing_idx ON schedules (owner_id) WHERE last_status IN ('failed', 'partial');
