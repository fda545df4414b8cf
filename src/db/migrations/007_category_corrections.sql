-- 007_category_corrections: the person's own category choices, which win over Pluggy's in every
-- answer. A correction names one transaction; a rule remembers the choice for the same merchant
-- (its CNPJ, else its name) or, without a merchant, the same description, so later rows of that
-- merchant arrive already corrected. A restated row (new id, docs/pluggy.md#restatements-and-deletions)
-- loses its correction with the old row but keeps the rule.
CREATE TABLE category_corrections (
  transaction_id  text PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  category_id     text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX category_corrections_user_idx ON category_corrections (user_id);

-- match_key: 'm:' || merchant CNPJ or lower(merchant name), or 'd:' || lower(description).
CREATE TABLE category_rules (
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  match_key    text NOT NULL,
  category_id  text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, match_key)
);
