-- Sealed values name the key that sealed them (`SecretKeyring.keyID`), so `herald secrets rotate` re-seals them under
-- a new HERALD_SECRET_KEY while the old one is given as HERALD_SECRET_KEY_PREVIOUS. NULL: sealed before key ids.
-- `secret_fields` lists which of a destination's secrets are set: pages and the API show that, never the values.
ALTER TABLE destinations
    ADD COLUMN secret_key_id text,
    ADD COLUMN secret_fields text[] NOT NULL DEFAULT '{}';
ALTER TABLE data_sources
    ADD COLUMN url_key_id text;
