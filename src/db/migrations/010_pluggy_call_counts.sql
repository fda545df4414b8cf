-- 010_pluggy_call_counts: what the operator's status shows about Pluggy, counted where every
-- request already passes (the shared rate budget, src/db/queries/rateBudget.ts): requests sent and
-- 429s answered, per endpoint scope and minute, summed over every process sharing this database.
CREATE TABLE pluggy_call_counts (
  minute        timestamptz NOT NULL,   -- date_trunc('minute') of the database's clock
  scope         text NOT NULL,          -- as pluggy_rate_budget.scope, e.g. 'GET /transactions'
  calls         integer NOT NULL DEFAULT 0,
  rate_limited  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, scope)
);
