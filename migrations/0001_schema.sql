-- Trawl schema, version 1: every table of the product's schema document, plus the columns
-- the queue needs to lease work. Timestamps are `timestamptz` (a "timestamp" in the schema
-- document), so values compare correctly across workstations in different time zones.
-- Deletes cascade from a target to everything captured for it; analyst-curated records
-- (IOCs) keep their own copy of the context and only lose the link.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE schema_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE settings (
    key text PRIMARY KEY,
    value_encrypted text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE logs (
    id bigserial PRIMARY KEY,
    level text NOT NULL CHECK (level IN ('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR')),
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- where the event came from: the tracing target, the job and target it concerns
    source text,
    job_id bigint,
    target_id bigint,
    fields jsonb
);
CREATE INDEX logs_created_at_idx ON logs (created_at);
CREATE INDEX logs_level_idx ON logs (level, created_at);
CREATE INDEX logs_job_id_idx ON logs (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX logs_target_id_idx ON logs (target_id) WHERE target_id IS NOT NULL;

CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    type text NOT NULL,
    status text NOT NULL DEFAULT 'QUEUED'
        CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'SKIPPED')),
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    lease_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- queue mechanics
    dedupe_key text,
    lease_owner text,
    run_after timestamptz NOT NULL DEFAULT now(),
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    priority integer NOT NULL DEFAULT 0,
    result jsonb,
    finished_at timestamptz
);
-- claiming: the oldest runnable job of the highest priority
CREATE INDEX jobs_claim_idx ON jobs (priority DESC, id) WHERE status = 'QUEUED';
CREATE INDEX jobs_status_idx ON jobs (status);
-- reaping: running jobs whose lease ran out
CREATE INDEX jobs_lease_until_idx ON jobs (lease_until) WHERE status = 'RUNNING';
-- at most one live job per dedupe key; finished jobs free the key for a later run
CREATE UNIQUE INDEX jobs_dedupe_active_idx ON jobs (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('QUEUED', 'RUNNING');
CREATE INDEX jobs_type_idx ON jobs (type, status);

-- wake idle workers when work arrives (a hint only: workers also poll)
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('trawl_jobs', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();

CREATE TABLE targets (
    id bigserial PRIMARY KEY,
    url text NOT NULL,
    domain text,
    ip text,
    status text NOT NULL DEFAULT 'QUEUED'
        CHECK (status IN ('DONE', 'FAILED', 'SKIPPED', 'QUEUED', 'RUNNING')),
    reason text,
    risk_score integer CHECK (risk_score BETWEEN 0 AND 100),
    redirect_chain text,
    tags text,
    dom_hash text,
    headers_hash text,
    headers_text text,
    html_excerpt text,
    html_path text,
    favicon_hash text,
    jarm text,
    screenshot_path text,
    screenshot_ahash text,
    screenshot_phash text,
    screenshot_dhash text,
    screenshot_status text,
    screenshot_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX targets_domain_idx ON targets (domain);
CREATE INDEX targets_ip_idx ON targets (ip);
CREATE INDEX targets_favicon_hash_idx ON targets (favicon_hash);
CREATE INDEX targets_jarm_idx ON targets (jarm);
CREATE INDEX targets_dom_hash_idx ON targets (dom_hash);
CREATE INDEX targets_headers_hash_idx ON targets (headers_hash);
CREATE INDEX targets_screenshot_phash_idx ON targets (screenshot_phash);
CREATE INDEX targets_status_idx ON targets (status);
CREATE INDEX targets_risk_score_idx ON targets (risk_score);
CREATE INDEX targets_created_at_idx ON targets (created_at);
CREATE INDEX targets_url_idx ON targets (url);
CREATE INDEX targets_url_trgm_idx ON targets USING gin (url gin_trgm_ops);

CREATE TABLE assets (
    id bigserial PRIMARY KEY,
    target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    url text NOT NULL,
    type text NOT NULL CHECK (type IN ('js', 'css', 'image', 'font', 'other', 'download')),
    md5 text,
    sha256 text,
    phash text,
    ahash text,
    status text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assets_target_id_idx ON assets (target_id);
CREATE INDEX assets_sha256_idx ON assets (sha256);
CREATE INDEX assets_md5_idx ON assets (md5);
CREATE INDEX assets_phash_idx ON assets (phash);

CREATE VIEW assets_view AS
SELECT a.id, a.target_id, t.url AS target_url, t.domain AS target_domain,
       a.url, a.type, a.md5, a.sha256, a.phash, a.ahash, a.status, a.created_at
FROM assets a
JOIN targets t ON t.id = a.target_id;

CREATE TABLE indicators (
    id bigserial PRIMARY KEY,
    target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('email', 'phone', 'wallet')),
    value text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (target_id, kind, value)
);
CREATE INDEX indicators_value_idx ON indicators (value);
CREATE INDEX indicators_kind_value_idx ON indicators (kind, value);

CREATE TABLE signatures (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    pattern text NOT NULL,
    target_field text NOT NULL CHECK (target_field IN ('html', 'headers', 'url', 'asset')),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signatures_name_idx ON signatures (name);

CREATE TABLE signature_matches (
    id bigserial PRIMARY KEY,
    target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    signature_id bigint NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    verified boolean NOT NULL DEFAULT false,
    confidence integer NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (target_id, signature_id)
);
CREATE INDEX signature_matches_signature_id_idx ON signature_matches (signature_id);

CREATE TABLE hunts (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    rule_type text NOT NULL CHECK (rule_type IN ('fofa', 'urlscan', 'dork')),
    rule text NOT NULL,
    ttl_seconds integer,
    delay_seconds integer,
    budget integer,
    enabled boolean NOT NULL DEFAULT true,
    last_run_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hunt_runs (
    id bigserial PRIMARY KEY,
    hunt_id bigint NOT NULL REFERENCES hunts (id) ON DELETE CASCADE,
    trigger text NOT NULL CHECK (trigger IN ('manual', 'auto')),
    queued integer NOT NULL DEFAULT 0,
    warning text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hunt_runs_hunt_id_idx ON hunt_runs (hunt_id, created_at);

CREATE TABLE alerts (
    id bigserial PRIMARY KEY,
    target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    kind text NOT NULL,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_target_id_idx ON alerts (target_id);
CREATE INDEX alerts_created_at_idx ON alerts (created_at);

CREATE TABLE alert_rules (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    pattern text NOT NULL,
    target_field text NOT NULL CHECK (target_field IN ('html', 'headers', 'url')),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id bigserial PRIMARY KEY,
    key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_members (
    id bigserial PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    UNIQUE (campaign_id, target_id)
);
CREATE INDEX campaign_members_target_id_idx ON campaign_members (target_id);

CREATE TABLE graph_nodes (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    value text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, value)
);
CREATE INDEX graph_nodes_value_idx ON graph_nodes (value);

CREATE TABLE graph_edges (
    id bigserial PRIMARY KEY,
    from_node bigint NOT NULL REFERENCES graph_nodes (id) ON DELETE CASCADE,
    to_node bigint NOT NULL REFERENCES graph_nodes (id) ON DELETE CASCADE,
    kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (from_node, to_node, kind)
);
CREATE INDEX graph_edges_to_node_idx ON graph_edges (to_node);

CREATE TABLE iocs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    value text NOT NULL,
    target_id bigint REFERENCES targets (id) ON DELETE SET NULL,
    url text,
    domain text,
    source text,
    note text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX iocs_value_idx ON iocs (value);
CREATE INDEX iocs_kind_value_idx ON iocs (kind, value);
CREATE INDEX iocs_target_id_idx ON iocs (target_id);

CREATE TABLE yara_rules (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    rule_text text NOT NULL,
    target_field text NOT NULL CHECK (target_field IN ('html', 'asset')),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE yara_matches (
    id bigserial PRIMARY KEY,
    target_id bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    asset_id bigint REFERENCES assets (id) ON DELETE CASCADE,
    rule_id bigint NOT NULL REFERENCES yara_rules (id) ON DELETE CASCADE,
    verified boolean NOT NULL DEFAULT false,
    confidence integer NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX yara_matches_target_id_idx ON yara_matches (target_id);
CREATE INDEX yara_matches_asset_id_idx ON yara_matches (asset_id);
CREATE INDEX yara_matches_rule_id_idx ON yara_matches (rule_id);

CREATE TABLE automations (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    trigger_type text NOT NULL CHECK (trigger_type IN ('manual', 'event', 'schedule')),
    trigger_config jsonb NOT NULL DEFAULT '{}'::jsonb,
    graph jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_run_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE automation_runs (
    id bigserial PRIMARY KEY,
    automation_id bigint NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
    reason text,
    context jsonb,
    log jsonb,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX automation_runs_automation_id_idx ON automation_runs (automation_id, started_at);

CREATE TABLE urlscan_local (
    id bigserial PRIMARY KEY,
    target_id bigint REFERENCES targets (id) ON DELETE CASCADE,
    url text NOT NULL,
    domain text,
    ip text,
    title text,
    status text,
    content_type text,
    redirect_chain text,
    dom_hash text,
    headers_hash text,
    favicon_hash text,
    jarm text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX urlscan_local_target_id_idx ON urlscan_local (target_id);
CREATE INDEX urlscan_local_domain_idx ON urlscan_local (domain);
CREATE INDEX urlscan_local_ip_idx ON urlscan_local (ip);
CREATE INDEX urlscan_local_dom_hash_idx ON urlscan_local (dom_hash);
CREATE INDEX urlscan_local_headers_hash_idx ON urlscan_local (headers_hash);
CREATE INDEX urlscan_local_favicon_hash_idx ON urlscan_local (favicon_hash);
CREATE INDEX urlscan_local_jarm_idx ON urlscan_local (jarm);
CREATE INDEX urlscan_local_created_at_idx ON urlscan_local (created_at);
CREATE INDEX urlscan_local_url_trgm_idx ON urlscan_local USING gin (url gin_trgm_ops);
CREATE INDEX urlscan_local_title_trgm_idx ON urlscan_local USING gin (title gin_trgm_ops);

CREATE TABLE urlscan_remote (
    id bigserial PRIMARY KEY,
    url text NOT NULL,
    redirect_chain text,
    result_url text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX urlscan_remote_url_idx ON urlscan_remote (url);
