-- 002_connector_status: connector health as Pluggy announces it in `connector/status_updated`
-- (contract part 03 §2.9), so a failing sync can be explained ("your bank is unstable right now")
-- instead of reported as a generic error. One row per connector: its latest known status.

CREATE TABLE connector_statuses (
  connector_id  integer PRIMARY KEY,  -- same id as items.connector_id; Pluggy sends it as a string
  status        text NOT NULL,        -- ONLINE | UNSTABLE | OFFLINE; unknown values kept as sent
  event_id      text NOT NULL,        -- the webhook_events row that set it
  -- When that delivery reached us: events carry no timestamp and arrive in any order, so a late
  -- redelivery of an older event must not overwrite a newer status.
  changed_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
