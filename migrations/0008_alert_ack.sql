-- Alerts the analyst has seen: `acknowledged_at` is set when an alert is acknowledged in the
-- app and stays NULL until then; the partial index serves the "unacknowledged" list.

ALTER TABLE alerts
    ADD COLUMN acknowledged_at timestamptz;
CREATE INDEX alerts_unacknowledged_idx ON alerts (created_at) WHERE acknowledged_at IS NULL;
