-- Campaigns that explain themselves and keep the analyst's decisions: each member carries its
-- evidence (which values it shares with which members) and may be pinned; campaigns gain a label
-- and an update time; values the analyst marks generic never link targets. Screenshot hashes are
-- indexed by their four 16-bit quarters for near-duplicate lookup (multi-index hashing).

ALTER TABLE campaigns
    ADD COLUMN label text,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE campaign_members
    ADD COLUMN evidence jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN pinned boolean NOT NULL DEFAULT false;

CREATE TABLE generic_values (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    value text NOT NULL,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, value)
);

CREATE INDEX graph_nodes_phash_q1_idx ON graph_nodes (substr(value, 1, 4))
    WHERE kind = 'screenshot_phash';
CREATE INDEX graph_nodes_phash_q2_idx ON graph_nodes (substr(value, 5, 4))
    WHERE kind = 'screenshot_phash';
CREATE INDEX graph_nodes_phash_q3_idx ON graph_nodes (substr(value, 9, 4))
    WHERE kind = 'screenshot_phash';
CREATE INDEX graph_nodes_phash_q4_idx ON graph_nodes (substr(value, 13, 4))
    WHERE kind = 'screenshot_phash';
