/**
 * Pluggy's rate limits, and the gate every request passes before it is sent (http.ts).
 *
 * Pluggy counts requests per endpoint, per source IP, per minute, and once a limit is hit answers
 * 429 with `Retry-After` and refuses that endpoint until the window resets (docs/pluggy.md, rate
 * limits). Limits are per IP, not per key or process, so the budget must be shared by every worker
 * of every process: the service implements this interface over PostgreSQL
 * (src/db/queries/rateBudget.ts, wired in src/app.ts); the client itself knows no storage.
 */

export type RateBudget = {
  /** Requests a full bucket lets through at once. */
  burst: number;
  /** Sustained requests per minute. burst + perMinute stays under Pluggy's limit for any 60 s. */
  perMinute: number;
};

export type RateGate = {
  /**
   * Takes one request from `scope`'s budget. Resolves 0 when the request may go now, else the
   * milliseconds to wait before asking again (a token refills, or a 429's pause ends).
   */
  take(scope: string, budget: RateBudget): Promise<number>;
  /** Pluggy refused `scope` for `ms` (a 429's Retry-After): every taker waits it out. */
  pause(scope: string, ms: number, budget: RateBudget): Promise<void>;
};

/**
 * The endpoint a request counts against, as Pluggy groups them: method and resource, ids dropped
 * (`GET /accounts/{id}` shares the list's counter), the `/v2` prefix ignored, and a nested list
 * (`/investments/{id}/transactions`) its own scope.
 */
export function rateScopeOf(method: string, path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  if (parts[0] === 'v2') parts.shift();
  const resource = parts[0] ?? '';
  const nested = parts.length >= 3 ? `/${parts[2]}` : '';
  return `${method.toUpperCase()} /${resource}${nested}`;
}

/** Pluggy's documented per-minute limits; an endpoint it does not list gets the common 360. */
const LIMITS_PER_MINUTE: Record<string, number> = {
  'PATCH /items': 20,
};
const DEFAULT_LIMIT_PER_MINUTE = 360;

/**
 * What we allow ourselves: 90 % of the limit over any 60 s (burst 10 %, refill 80 %), leaving room
 * for a clock that drifts from Pluggy's window and for anything else calling from our IP.
 */
export function rateBudgetOf(scope: string): RateBudget {
  const limit = LIMITS_PER_MINUTE[scope] ?? DEFAULT_LIMIT_PER_MINUTE;
  return { burst: Math.max(1, Math.floor(limit * 0.1)), perMinute: Math.max(1, Math.floor(limit * 0.8)) };
}
