-- Linking one more copy of a kit with thousands of members without reading them all.
--
-- `value_campaigns` records, for a graph value carried by many targets, the campaign that held
-- every one of its carriers when there were `carriers` of them. Linking trusts a row only while
-- the value still has that many carriers (plus the target being linked); re-clustering and the
-- analyst's splits and merges delete the rows they could make wrong, and a campaign's rows go
-- with it.
CREATE TABLE value_campaigns (
    node_id bigint PRIMARY KEY REFERENCES graph_nodes (id) ON DELETE CASCADE,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    carriers bigint NOT NULL CHECK (carriers > 0)
);
CREATE INDEX value_campaigns_campaign_id_idx ON value_campaigns (campaign_id);

-- A value's carriers are counted from the index alone.
DROP INDEX graph_edges_to_node_idx;
CREATE INDEX graph_edges_to_node_idx ON graph_edges (to_node, kind);

-- A page layout's distinct HTML digests and their counts, from the index alone.
DROP INDEX targets_dom_hash_idx;
CREATE INDEX targets_dom_hash_idx ON targets (dom_hash, html_tlsh) INCLUDE (status);
