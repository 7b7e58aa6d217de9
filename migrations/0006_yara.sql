-- YARA rules (issue 6): one row per rule (an imported file is split rule by rule), unique by
-- name so a re-import replaces; rules may read the document, the assets or both ('any').
-- Each match keeps what was scanned (the document, an asset, or an archive's member-name
-- listing), the asset's URL and hash, and the matched strings with offsets and excerpts.

ALTER TABLE yara_rules DROP CONSTRAINT yara_rules_target_field_check;
ALTER TABLE yara_rules
    ALTER COLUMN target_field SET DEFAULT 'any',
    ADD CONSTRAINT yara_rules_target_field_check CHECK (target_field IN ('html', 'asset', 'any')),
    ADD COLUMN source_file text,
    ADD COLUMN confidence integer NOT NULL DEFAULT 70 CHECK (confidence BETWEEN 0 AND 100),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX yara_rules_name_idx ON yara_rules (name);

ALTER TABLE yara_matches
    ADD COLUMN subject text NOT NULL DEFAULT 'html'
        CHECK (subject IN ('html', 'asset', 'archive_names')),
    ADD COLUMN url text,
    ADD COLUMN sha256 text,
    ADD COLUMN strings jsonb NOT NULL DEFAULT '[]'::jsonb;
