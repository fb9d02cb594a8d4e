-- The result's column names and first rows (at most 20), kept with the run when it renders, so that a retry or a
-- re-send days later writes the same email table without querying the report again.
ALTER TABLE executions ADD COLUMN preview jsonb;
