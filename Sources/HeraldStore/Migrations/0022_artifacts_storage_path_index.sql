-- `herald doctor` asks, for each batch of files under the data folder, which have an artifacts row: without an
-- index on the path every batch would scan the whole table.
CREATE INDEX artifacts_storage_path_idx ON artifacts (storage_path);
