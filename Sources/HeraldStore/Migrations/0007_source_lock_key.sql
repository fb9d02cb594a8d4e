-- The advisory-lock key of a data source's concurrency slots, in one place: the claim, the release, the wake-up of
-- parked runs and the sweep that reads pg_locks must all compute the same key. A one-line SQL function is inlined
-- by the planner, so it costs nothing per call.
CREATE FUNCTION herald_source_lock_key(source uuid) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT hashtext('herald-source:' || source::text) $$;
