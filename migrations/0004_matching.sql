-- Matching (issue 6): where a signature came from (an analyst's regex or an imported IOK
-- rule), its references and compiled form; what each match saw; alerts tied to the rule that
-- raised them so a rescan never raises the same alert twice; the risk factors of a target;
-- and one counter that every rule change bumps, so workers rebuild their compiled rule sets.

ALTER TABLE signatures
    ADD COLUMN source text NOT NULL DEFAULT 'user' CHECK (source IN ('user', 'iok')),
    ADD COLUMN rule_format text NOT NULL DEFAULT 'regex' CHECK (rule_format IN ('regex', 'iok')),
    ADD COLUMN "references" jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN description text,
    ADD COLUMN confidence integer NOT NULL DEFAULT 60 CHECK (confidence BETWEEN 0 AND 100),
    ADD COLUMN unsupported jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX signatures_source_name_idx ON signatures (source, name);

ALTER TABLE signature_matches
    ADD COLUMN evidence jsonb NOT NULL DEFAULT '[]'::jsonb;

ALTER TABLE alert_rules
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE alerts
    ADD COLUMN alert_rule_id bigint REFERENCES alert_rules (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX alerts_target_rule_idx ON alerts (target_id, alert_rule_id);

ALTER TABLE targets
    ADD COLUMN risk_factors jsonb;

CREATE TABLE rules_state (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO rules_state (id, version) VALUES (1, 0);
