-- 001_init: the whole first schema.
-- Conventions: money numeric(19,4) (never float); unit prices, quantities and rates plain numeric
-- (fund quotas carry 8+ decimals); every time timestamptz; ids from Pluggy kept as text exactly as
-- given; every provider row keeps the full Pluggy object in `raw` beside the normalized columns,
-- and `raw IS DISTINCT FROM` decides whether a re-sync writes anything at all.

CREATE TABLE users (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  phone_e164  text NOT NULL UNIQUE CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- An item can arrive (webhook, Connect callback) before we know its user: user_id stays null
-- until linked through client_user_id. Deleting a user with items is refused (delete items first).
CREATE TABLE items (
  id                      text PRIMARY KEY,
  user_id                 uuid REFERENCES users (id),
  client_user_id          text,
  connector_id            integer,
  connector_name          text,
  status                  text,
  execution_status        text,
  status_detail           jsonb,
  error                   jsonb,
  consent_expires_at      timestamptz,
  pluggy_created_at       timestamptz,
  pluggy_updated_at       timestamptz,
  pluggy_last_updated_at  timestamptz,
  next_auto_sync_at       timestamptz,
  last_synced_at          timestamptz,
  needs_reconnect         boolean NOT NULL DEFAULT false,
  deleted_at              timestamptz,
  raw                     jsonb,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_user_id_idx ON items (user_id);
CREATE INDEX items_client_user_id_idx ON items (client_user_id) WHERE user_id IS NULL;
CREATE INDEX items_last_synced_at_idx ON items (last_synced_at) WHERE deleted_at IS NULL;

CREATE TABLE accounts (
  id                      text PRIMARY KEY,
  item_id                 text NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  type                    text NOT NULL,
  subtype                 text,
  name                    text,
  marketing_name          text,
  number                  text,
  balance                 numeric(19,4),
  currency_code           text,
  owner                   text,
  tax_number              text,
  bank_data               jsonb,
  credit_data             jsonb,
  credit_limit            numeric(19,4),
  available_credit_limit  numeric(19,4),
  bill_due_date           timestamptz,
  bill_close_date         timestamptz,
  raw                     jsonb NOT NULL,
  synced_at               timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_item_id_idx ON accounts (item_id);

-- item_id is denormalized from the account (no FK: the account's cascade already covers it).
CREATE TABLE transactions (
  id                          text PRIMARY KEY,
  account_id                  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  item_id                     text NOT NULL,
  amount                      numeric(19,4) NOT NULL,
  currency_code               text,
  amount_in_account_currency  numeric(19,4),
  date                        timestamptz NOT NULL,
  description                 text,
  description_raw             text,
  category                    text,
  category_id                 text,
  status                      text NOT NULL DEFAULT 'POSTED' CHECK (status IN ('PENDING', 'POSTED')),
  type                        text NOT NULL CHECK (type IN ('DEBIT', 'CREDIT')),
  balance                     numeric(19,4),
  provider_id                 text,
  operation_type              text,
  installment_number          integer,
  total_installments          integer,
  bill_id                     text,
  purchase_date               timestamptz,
  merchant_name               text,
  merchant_cnpj               text,
  payment_method              text,
  pluggy_created_at           timestamptz NOT NULL,
  pluggy_updated_at           timestamptz,
  raw                         jsonb NOT NULL,
  synced_at                   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_account_date_idx ON transactions (account_id, date DESC, id DESC);
CREATE INDEX transactions_item_date_idx ON transactions (item_id, date DESC, id DESC);
CREATE INDEX transactions_provider_id_idx ON transactions (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX transactions_bill_id_idx ON transactions (bill_id) WHERE bill_id IS NOT NULL;

-- One identity per item (Pluggy's GET /identity?itemId= returns one object).
CREATE TABLE identities (
  id             text PRIMARY KEY,
  item_id        text NOT NULL UNIQUE REFERENCES items (id) ON DELETE CASCADE,
  full_name      text,
  company_name   text,
  document       text,
  document_type  text,
  tax_number     text,
  birth_date     timestamptz,
  emails         jsonb,
  phones         jsonb,
  addresses      jsonb,
  raw            jsonb NOT NULL,
  synced_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE investments (
  id             text PRIMARY KEY,
  item_id        text NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  type           text,
  subtype        text,
  name           text,
  code           text,
  balance        numeric(19,4),
  amount         numeric(19,4),
  value          numeric,
  quantity       numeric,
  currency_code  text,
  date           timestamptz,
  due_date       timestamptz,
  status         text,
  raw            jsonb NOT NULL,
  synced_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX investments_item_id_idx ON investments (item_id);

CREATE TABLE investment_transactions (
  id             text PRIMARY KEY,
  investment_id  text NOT NULL REFERENCES investments (id) ON DELETE CASCADE,
  item_id        text NOT NULL,
  type           text,
  movement_type  text,
  description    text,
  amount         numeric(19,4),
  net_amount     numeric(19,4),
  value          numeric,
  quantity       numeric,
  date           timestamptz,
  raw            jsonb NOT NULL,
  synced_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX investment_transactions_investment_date_idx ON investment_transactions (investment_id, date DESC);

CREATE TABLE loans (
  id                   text PRIMARY KEY,
  item_id              text NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  contract_number      text,
  product_name         text,
  type                 text,
  kind                 text,
  contract_amount      numeric(19,4),
  outstanding_balance  numeric(19,4),
  currency_code        text,
  due_date             timestamptz,
  raw                  jsonb NOT NULL,
  synced_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loans_item_id_idx ON loans (item_id);

-- Pluggy's Bill carries no accountId: the caller knows it (GET /bills?accountId=).
CREATE TABLE credit_card_bills (
  id                      text PRIMARY KEY,
  account_id              text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  item_id                 text NOT NULL,
  due_date                timestamptz NOT NULL,
  close_date              timestamptz,
  total_amount            numeric(19,4) NOT NULL,
  minimum_payment_amount  numeric(19,4),
  currency_code           text,
  raw                     jsonb NOT NULL,
  synced_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_card_bills_account_due_idx ON credit_card_bills (account_id, due_date DESC);

-- Incremental sync position per (item, resource, account); account_id '' for item-wide resources
-- (a primary key column cannot be null). Written in the same transaction as the batch it covers.
CREATE TABLE sync_state (
  item_id     text NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  resource    text NOT NULL,
  account_id  text NOT NULL DEFAULT '',
  watermark   timestamptz,
  cursor      text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, resource, account_id)
);

-- The audit trail of syncs; kept after an item is purged (no FK).
CREATE TABLE sync_runs (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  item_id         text NOT NULL,
  kind            text NOT NULL,
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  rows_inserted   integer NOT NULL DEFAULT 0,
  rows_updated    integer NOT NULL DEFAULT 0,
  rows_deleted    integer NOT NULL DEFAULT 0,
  rows_unchanged  integer NOT NULL DEFAULT 0,
  pages           integer NOT NULL DEFAULT 0,
  error           text,
  job_id          text
);
CREATE INDEX sync_runs_item_started_idx ON sync_runs (item_id, started_at DESC);
CREATE INDEX sync_runs_running_idx ON sync_runs (started_at) WHERE status = 'running';

-- Every webhook delivery, stored before it is acknowledged; event_id UNIQUE makes redelivery a no-op.
CREATE TABLE webhook_events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      text NOT NULL UNIQUE,
  event         text NOT NULL,
  item_id       text,
  raw           jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz,
  outcome       text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'processed', 'ignored', 'failed')),
  error         text,
  attempts      integer NOT NULL DEFAULT 0
);
CREATE INDEX webhook_events_item_idx ON webhook_events (item_id, received_at DESC);
CREATE INDEX webhook_events_open_idx ON webhook_events (received_at) WHERE outcome IN ('pending', 'failed');
