-- Distribution templates: a named set of destinations, formats, file naming and email message text that the
-- wizard's step 4 (and the API's `template_id`) copies into a schedule. Recipients stay the email destinations' own,
-- so the placeholder `recipients` column of 0001 goes. Copy on apply: a schedule keeps what it copied, and
-- `schedules.distribution_template_id` only says where it came from (deleting a template sets it NULL).
ALTER TABLE distribution_templates DROP COLUMN recipients;
ALTER TABLE distribution_templates RENAME COLUMN subject TO email_subject;
ALTER TABLE distribution_templates RENAME COLUMN body_md TO email_body_md;
ALTER TABLE distribution_templates
    ADD COLUMN destination_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN formats text[] NOT NULL DEFAULT '{csv}',
    ADD COLUMN filename_pattern text NOT NULL DEFAULT '{report_name}_{date}_{time}.{format}',
    ADD COLUMN naming text NOT NULL DEFAULT 'overwrite' CHECK (naming IN ('overwrite', 'timestamp'));
-- The keyset list, by name.
CREATE INDEX distribution_templates_name_idx ON distribution_templates (name, id);

-- A schedule's own message text for its email destinations; when non-empty it wins over the destination's
-- subject / body (startDelivering's `distribution`).
ALTER TABLE schedules
    ADD COLUMN email_subject text NOT NULL DEFAULT '',
    ADD COLUMN email_body_md text NOT NULL DEFAULT '';
