-- The analyst's decisions about campaigns, kept apart from the computed membership so that
-- re-clustering honours them: two targets are kept together (a merge, or the members moved out
-- together by a split) or kept apart (a split). One row per unordered pair of targets, the
-- lower id first; a later decision on the same pair replaces the earlier one. `origin` says
-- which command made it ("split c-…", "merge c-… c-…").

CREATE TABLE campaign_decisions (
    id bigserial PRIMARY KEY,
    low_target bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    high_target bigint NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    verdict text NOT NULL CHECK (verdict IN ('together', 'apart')),
    origin text NOT NULL,
    decided_at timestamptz NOT NULL DEFAULT now(),
    CHECK (low_target < high_target),
    UNIQUE (low_target, high_target)
);
CREATE INDEX campaign_decisions_high_idx ON campaign_decisions (high_target);
