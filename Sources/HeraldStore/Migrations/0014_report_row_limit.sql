-- A row limit per report: a result that reaches it stops there and the run says so (truncated), visibly, instead
-- of a worker's memory, a mailbox or a spreadsheet taking whatever the query returns.
ALTER TABLE reports ADD COLUMN row_limit integer NOT NULL DEFAULT 1000000 CHECK (row_limit > 0);
ALTER TABLE executions ADD COLUMN truncated boolean NOT NULL DEFAULT false;
