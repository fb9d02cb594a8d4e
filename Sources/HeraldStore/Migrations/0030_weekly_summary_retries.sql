-- A weekly summary whose send failed (the SMTP server was down) or whose sender died before recording it is claimed
-- again after a pause, a few times: `attempts` counts the claims.
ALTER TABLE weekly_summaries ADD COLUMN attempts integer NOT NULL DEFAULT 1;
