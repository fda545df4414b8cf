-- 008_insights: merchant names looked up by CNPJ, and which alerts the person was already told.

-- Pluggy's GET /merchants?cnpjs= answers per CNPJ (docs/pluggy.md#merchants). Looked up lazily, when
-- an answer needs a name, and kept: a company's name rarely changes. A CNPJ Pluggy does not know is
-- kept too (name null) so it is not asked again on every answer; looked_up_at lets it be retried later.
CREATE TABLE merchants (
  cnpj           text PRIMARY KEY CHECK (cnpj ~ '^[0-9]{14}$'),
  name           text,
  business_name  text,
  cnae           text,
  category       text,
  looked_up_at   timestamptz NOT NULL DEFAULT now()
);

-- Alerts are computed from the data on every request; only their state is stored. An alert's id is
-- stable (its kind and what it is about), so the same fact is "new" once and "seen" afterwards.
CREATE TABLE alert_states (
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  alert_id       text NOT NULL,
  kind           text NOT NULL,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, alert_id)
);
