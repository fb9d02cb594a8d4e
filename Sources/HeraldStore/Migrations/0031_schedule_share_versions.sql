-- A list reads each schedule's row version (xmin, ctid) to know whether the record it remembers is still the
-- schedule's (StoredScheduleRecords). A change of the shares writes a new version of the schedule row too, whoever
-- makes it: a form, the API, or a user's deletion cascading to the shares they had.
CREATE FUNCTION schedule_shares_touch_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE schedules SET updated_at = updated_at WHERE id = OLD.schedule_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.schedule_id <> OLD.schedule_id) THEN
        UPDATE schedules SET updated_at = updated_at WHERE id = NEW.schedule_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER schedule_shares_touch AFTER INSERT OR UPDATE OR DELETE ON schedule_shares
    FOR EACH ROW EXECUTE FUNCTION schedule_shares_touch_schedule();
