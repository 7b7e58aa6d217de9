-- Capture results beyond the schema document's columns: scans (one per submitted batch),
-- the final document's details, the favicon's identity hashes, the HTML's hashes, the TLS
-- certificate, and the whole capture record for the detail view. Asset and indicator rows
-- gain what the analyst needs to judge them.

CREATE TABLE scans (
    id bigserial PRIMARY KEY,
    mode text NOT NULL CHECK (mode IN ('fast', 'full')),
    source text,
    total integer NOT NULL DEFAULT 0,
    options jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

ALTER TABLE targets
    ADD COLUMN scan_id bigint REFERENCES scans (id) ON DELETE SET NULL,
    ADD COLUMN display_url text,
    ADD COLUMN final_url text,
    ADD COLUMN title text,
    ADD COLUMN http_status integer,
    ADD COLUMN content_type text,
    ADD COLUMN charset text,
    ADD COLUMN capture_mode text CHECK (capture_mode IN ('fast', 'full')),
    ADD COLUMN favicon_url text,
    ADD COLUMN favicon_md5 text,
    ADD COLUMN favicon_sha256 text,
    ADD COLUMN html_sha256 text,
    ADD COLUMN html_tlsh text,
    ADD COLUMN tls_subject text,
    ADD COLUMN tls_issuer text,
    ADD COLUMN tls_sans text,
    ADD COLUMN tls_not_before timestamptz,
    ADD COLUMN tls_not_after timestamptz,
    ADD COLUMN tls_sha256 text,
    ADD COLUMN tls_valid boolean,
    ADD COLUMN tls_problems text,
    ADD COLUMN capture jsonb,
    ADD COLUMN captured_at timestamptz;
CREATE INDEX targets_scan_id_idx ON targets (scan_id);
CREATE INDEX targets_favicon_sha256_idx ON targets (favicon_sha256);
CREATE INDEX targets_html_sha256_idx ON targets (html_sha256);
CREATE INDEX targets_tls_sha256_idx ON targets (tls_sha256);
CREATE INDEX targets_final_url_idx ON targets (final_url);

ALTER TABLE assets
    ADD COLUMN size bigint,
    ADD COLUMN content_type text,
    ADD COLUMN blob_path text,
    ADD COLUMN error text;

ALTER TABLE indicators
    ADD COLUMN detail text,
    ADD COLUMN placeholder boolean NOT NULL DEFAULT false,
    ADD COLUMN context text;

ALTER TABLE urlscan_local ADD COLUMN job_id bigint;
CREATE INDEX urlscan_local_job_id_idx ON urlscan_local (job_id);
