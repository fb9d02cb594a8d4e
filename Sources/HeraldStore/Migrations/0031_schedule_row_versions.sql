-- A list reads each schedule's row version (xmin, ctid) to know whether the record it remembers is still the
-- schedule's (StoredScheduleRecords). A record also shows its shares, its report's name and its owner's alert
-- settings, so a change of any of them writes a new version of the schedule rows concerned, whoever makes it: a
-- form, the API, the CLI, or a user's deletion cascading to the shares they had. These changes are rare; a list
-- is read on every page view.
CREATE FUNCTION schedules_touch(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    UPDATE schedules SET updated_at = updated_at WHERE id = ANY(ids)
$$;

CREATE FUNCTION schedule_shares_touch_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN PERFORM schedules_touch(ARRAY[NEW.schedule_id]);
    ELSIF TG_OP = 'DELETE' THEN PERFORM schedules_touch(ARRAY[OLD.schedule_id]);
    ELSE PERFORM schedules_touch(ARRAY[OLD.schedule_id, NEW.schedule_id]);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER schedule_shares_touch AFTER INSERT OR UPDATE OR DELETE ON schedule_shares
    FOR EACH ROW EXECUTE FUNCTION schedule_shares_touch_schedule();

CREATE FUNCTION reports_touch_schedules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM schedules_touch(ARRAY(SELECT id FROM schedules WHERE report_id = NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER reports_touch_schedules AFTER UPDATE OF name ON reports
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION reports_touch_schedules();

CREATE FUNCTION users_touch_schedules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM schedules_touch(ARRAY(SELECT id FROM schedules WHERE owner_id = NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER users_touch_schedules AFTER UPDATE OF alert_email, alert_in_app, alert_failures, alert_every, alert_recovery ON users
    FOR EACH ROW
    WHEN ((OLD.alert_email, OLD.alert_in_app, OLD.alert_failures, OLD.alert_every, OLD.alert_recovery)
          IS DISTINCT FROM (NEW.alert_email, NEW.alert_in_app, NEW.alert_failures, NEW.alert_every, NEW.alert_recovery))
    EXECUTE FUNCTION users_touch_schedules();
