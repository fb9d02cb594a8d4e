-- Conditional delivery: a schedule says when a run delivers (always, only with rows, only when the result changed,
-- only when a condition on it holds); a run that does not deliver ends 'skipped' with its reason in `skip_reason`,
-- which the history shows. Every run that got a result records its digest, so `if_changed` compares with the last
-- delivered run's without keeping its rows.
ALTER TABLE schedules
    ADD COLUMN delivery_condition jsonb NOT NULL DEFAULT '{"mode":"always"}'
        CHECK (delivery_condition->>'mode' IN ('always', 'if_rows', 'if_changed', 'if_condition'));
ALTER TABLE executions ADD COLUMN result_sha256 bytea CHECK (octet_length(result_sha256) = 32);

-- The last delivered run of a schedule that has a digest (`lastDeliveredResult`): one index step, not a history scan.
CREATE INDEX executions_delivered_digest_idx ON executions (schedule_id, finished_at DESC)
    WHERE status IN ('succeeded', 'partial') AND result_sha256 IS NOT NULL;
