-- 011_connector_catalog: Pluggy's connector list, kept once for every process sharing this
-- database (api ×N, workers), so a deployment asks Pluggy for it once per TTL, not once per process.
-- One row per scope (the query we send Pluggy: with or without sandbox connectors).
CREATE TABLE connector_catalog (
  scope       text PRIMARY KEY,
  fetched_at  timestamptz NOT NULL,   -- the database's clock, the one clock every process shares
  -- Our view of each connector (ConnectorView in src/reads/schemas.ts). json, not jsonb: served
  -- as written, key order included.
  connectors  json NOT NULL
);
