import type { Db } from '../pool.ts';

/**
 * Token buckets over PostgreSQL (table pluggy_rate_budget, migration 004), so every worker of
 * every process sharing the database draws on one budget per scope. The database's clock is the
 * only clock: processes on different machines never disagree about refills or pauses.
 */

export type BucketShape = {
  /** Tokens the bucket holds at most. */
  burst: number;
  /** Tokens added per minute, continuously. */
  perMinute: number;
};

/**
 * The shared gate the service gives its Pluggy client (the client's RateGate, structurally: db
 * does not import pluggy).
 */
export function postgresRateGate(db: Db) {
  return {
    take: (scope: string, shape: BucketShape) => takeToken(db, scope, shape),
    pause: (scope: string, ms: number, shape: BucketShape) => pauseScope(db, scope, ms, shape),
  };
}

/**
 * Takes one token from `scope` if one is there and the scope is not paused. Returns 0 when
 * granted, else the milliseconds until a token will be there or the pause ends (ask again then).
 * One statement: the row lock serializes concurrent takers, so two never spend the same token.
 */
export async function takeToken(db: Db, scope: string, shape: BucketShape): Promise<number> {
  const res = await db.query<{ waitMs: number | null }>({
    name: 'rate-budget.take',
    text: TAKE_SQL,
    values: [scope, shape.burst, shape.perMinute / 60],
  });
  return Math.max(0, Math.ceil(res.rows[0]?.waitMs ?? 0));
}

/** Stops every taker of `scope` for `ms` from now (never shortens a longer pause). */
export async function pauseScope(db: Db, scope: string, ms: number, shape: BucketShape): Promise<void> {
  await db.query(
    `INSERT INTO pluggy_rate_budget (scope, tokens, refilled_at, paused_until)
     VALUES ($1, $3, clock_timestamp(), clock_timestamp() + make_interval(secs => $2 / 1000.0))
     ON CONFLICT (scope) DO UPDATE SET paused_until = GREATEST(
       COALESCE(pluggy_rate_budget.paused_until, '-infinity'), EXCLUDED.paused_until)`,
    [scope, ms, shape.burst],
  );
  // The gate pauses a scope once per 429 Pluggy answers: the operator's count of them.
  await db.query(
    `INSERT INTO pluggy_call_counts (minute, scope, rate_limited)
     VALUES (date_trunc('minute', clock_timestamp()), $1, 1)
     ON CONFLICT (minute, scope) DO UPDATE SET rate_limited = pluggy_call_counts.rate_limited + 1`,
    [scope],
  );
}

/**
 * $1 scope, $2 capacity, $3 tokens per second. The row is created full on first use. Tokens
 * refill by elapsed time since `refilled_at`, capped at the capacity; a take spends one.
 */
const TAKE_SQL = `
WITH ensure AS (
  INSERT INTO pluggy_rate_budget (scope, tokens, refilled_at)
  VALUES ($1, $2::float8, clock_timestamp())
  ON CONFLICT (scope) DO NOTHING
  RETURNING scope
), cur AS (
  SELECT scope, paused_until, clock_timestamp() AS now,
         LEAST($2::float8, tokens + EXTRACT(EPOCH FROM clock_timestamp() - refilled_at) * $3::float8) AS available
  FROM pluggy_rate_budget WHERE scope = $1
  FOR UPDATE
), took AS (
  UPDATE pluggy_rate_budget b SET tokens = cur.available - 1, refilled_at = cur.now
  FROM cur
  WHERE b.scope = cur.scope AND cur.available >= 1
    AND (cur.paused_until IS NULL OR cur.paused_until <= cur.now)
  RETURNING 1
), counted AS (
  -- Every granted token is a request about to be sent: counted for the operator's status in the
  -- same statement, so counting costs no round trip (migration 010).
  INSERT INTO pluggy_call_counts (minute, scope, calls)
  SELECT date_trunc('minute', clock_timestamp()), $1, 1 FROM took
  ON CONFLICT (minute, scope) DO UPDATE SET calls = pluggy_call_counts.calls + 1
)
SELECT CASE
         WHEN EXISTS (SELECT 1 FROM took) THEN 0
         -- First use in this statement: the row was just created full, and the snapshot of cur
         -- could not see it; the caller asks again at once.
         WHEN NOT EXISTS (SELECT 1 FROM cur) THEN 1
         ELSE GREATEST(
           COALESCE(EXTRACT(EPOCH FROM cur.paused_until - cur.now) * 1000, 0),
           CASE WHEN cur.available >= 1 THEN 0 ELSE (1 - cur.available) / $3::float8 * 1000 END,
           1)
       END AS "waitMs"
FROM (SELECT 1) one LEFT JOIN cur ON true`;

/** Requests sent to Pluggy and 429s it answered since `hours` ago, over every process (migration 010). */
export async function pluggyCallsSince(
  db: Db,
  hours: number,
): Promise<{
  calls: number;
  rateLimited: number;
  byScope: Array<{ scope: string; calls: number; rateLimited: number }>;
}> {
  const res = await db.query<{ scope: string; calls: number; rateLimited: number }>(
    `SELECT scope, sum(calls)::int AS calls, sum(rate_limited)::int AS "rateLimited"
       FROM pluggy_call_counts
      WHERE minute >= date_trunc('minute', now() - make_interval(hours => $1))
      GROUP BY scope ORDER BY sum(calls) DESC, scope`,
    [hours],
  );
  return {
    calls: res.rows.reduce((n, r) => n + r.calls, 0),
    rateLimited: res.rows.reduce((n, r) => n + r.rateLimited, 0),
    byScope: res.rows,
  };
}

/** Drops call counts older than `days` (the status looks back an hour; a few days help an investigation). */
export async function pruneCallCounts(db: Db, days: number): Promise<number> {
  const res = await db.query(
    `DELETE FROM pluggy_call_counts WHERE minute < now() - make_interval(days => $1)`,
    [days],
  );
  return res.rowCount ?? 0;
}
