-- 004_job_leases_rate_budget: recovery of jobs whose process died, and one Pluggy rate budget
-- shared by every process.

-- A job a worker process is running, kept alive by that process's heartbeat. pg-boss 10 can only
-- notice a dead worker when the job's expiry runs out (an hour for a sync); a lease whose
-- heartbeat stopped tells every other process within seconds, and the reclaimer hands the job
-- back to pg-boss (src/sync/leases.ts). One row per running attempt; deleted when it ends.
CREATE TABLE job_leases (
  job_id        uuid PRIMARY KEY,     -- pg-boss job id (kept across its retries)
  queue         text NOT NULL,
  item_id       text,                 -- the item whose lock the job takes, if any
  owner         text NOT NULL,        -- the worker process (a random id per start)
  started_on    timestamptz NOT NULL, -- pg-boss's started_on of this attempt: a later attempt is another lease
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_leases_owner_idx ON job_leases (owner);
CREATE INDEX job_leases_heartbeat_idx ON job_leases (heartbeat_at);

-- Pluggy limits requests per endpoint per source IP per minute, and after a 429 refuses that
-- endpoint until Retry-After (docs/pluggy.md, rate limits). One token bucket per scope, shared by
-- every worker of every process: a request takes a token; tokens refill continuously up to the
-- burst. paused_until is set from a 429's Retry-After and stops every caller of the scope.
CREATE TABLE pluggy_rate_budget (
  scope         text PRIMARY KEY,     -- e.g. 'GET /transactions' (src/pluggy/rateGate.ts)
  tokens        double precision NOT NULL,
  refilled_at   timestamptz NOT NULL,
  paused_until  timestamptz
);
