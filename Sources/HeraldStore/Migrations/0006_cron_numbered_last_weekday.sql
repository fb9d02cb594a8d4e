-- Day-of-week `MONL` ("the last Monday") was accepted before; like cronsim, Herald now accepts only the number
-- form (`1L`). Rewrite the expressions stored before, in the column and in the recurrence, so that those schedules
-- keep firing on the same days instead of being marked broken.
CREATE FUNCTION pg_temp.herald_numbered_last(expression text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           expression, '\mSUNL\M', '0L', 'gi'), '\mMONL\M', '1L', 'gi'), '\mTUEL\M', '2L', 'gi'), '\mWEDL\M', '3L', 'gi'),
           '\mTHUL\M', '4L', 'gi'), '\mFRIL\M', '5L', 'gi'), '\mSATL\M', '6L', 'gi')
$$;

UPDATE schedules
SET cron = pg_temp.herald_numbered_last(cron),
    recurrence = CASE WHEN jsonb_typeof(recurrence -> 'cron') = 'string'
                      THEN jsonb_set(recurrence, '{cron}', to_jsonb(pg_temp.herald_numbered_last(recurrence ->> 'cron')))
                      ELSE recurrence END
WHERE cron ~* '(SUN|MON|TUE|WED|THU|FRI|SAT)L' OR recurrence ->> 'cron' ~* '(SUN|MON|TUE|WED|THU|FRI|SAT)L';

DROP FUNCTION pg_temp.herald_numbered_last(text);
