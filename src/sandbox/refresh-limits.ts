/**
 * Pluggy's limits on client refreshes (docs/pluggy.md#item-endpoints, #error-bodies, #rate-limits), off
 * unless asked for:
 * - PATCH /items/{id} at most `patchesPerMinute` per source IP in a fixed one-minute window; past it
 *   every PATCH of the window answers 429 with `Retry-After: 60`, `RateLimit-Limit`, `RateLimit-Reset`
 *   (seconds to the window's end) and `RateLimit-Remaining`; allowed PATCHes carry the RateLimit-* too.
 * - A client (API key) refresh of an UPDATED item sooner than `minUpdateIntervalHours` after its
 *   lastUpdatedAt answers 409 CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY.
 * Windows run on the sandbox clock, so admin.advanceClock (or a manual clock) drives them in tests.
 */
import { type Clock, iso } from './clock.ts';
import { PluggyError } from './errors.ts';
import type { ItemState } from './store.ts';

export type RefreshLimits = {
  /** Pluggy: 20. 0 or absent: no rate limit. */
  patchesPerMinute?: number;
  /** Pluggy's example: 24. 0 or absent: no minimum interval. */
  minUpdateIntervalHours?: number;
};

/** The limits Pluggy documents. */
export const PLUGGY_REFRESH_LIMITS: Required<RefreshLimits> = {
  patchesPerMinute: 20,
  minUpdateIntervalHours: 24,
};

const WINDOW_MS = 60_000;
const RETRY_AFTER_SECONDS = '60';

export class RefreshLimiter {
  private limits: RefreshLimits;
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    limits: RefreshLimits = {},
  ) {
    this.limits = check(limits);
  }

  set(limits: RefreshLimits): void {
    this.limits = check(limits);
    this.windows.clear();
  }

  get(): RefreshLimits {
    return { ...this.limits };
  }

  /** Counts one PATCH from `ip`: the RateLimit-* headers to send, or a 429 to throw. */
  hitPatch(ip: string): Record<string, string> {
    const limit = this.limits.patchesPerMinute ?? 0;
    if (limit <= 0) return {};
    const now = this.clock.nowMs();
    let w = this.windows.get(ip);
    if (!w || now >= w.start + WINDOW_MS) {
      w = { start: now, count: 0 };
      this.windows.set(ip, w);
    }
    w.count += 1;
    const headers = {
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(Math.max(0, limit - w.count)),
      'ratelimit-reset': String(Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000))),
    };
    if (w.count > limit) {
      throw new PluggyError(
        429,
        {
          code: 429,
          message: 'Too many requests. Please try again later (see Retry-After header in seconds)',
        },
        { ...headers, 'retry-after': RETRY_AFTER_SECONDS },
      );
    }
    return headers;
  }

  /**
   * 409 when a client refreshes an UPDATED item too soon. (unverified) whether Pluggy also refuses a
   * connect-token (widget) update, or one that fixes a failed item: here neither is refused.
   */
  checkFrequency(item: ItemState, byClient: boolean): void {
    const hours = this.limits.minUpdateIntervalHours ?? 0;
    if (hours <= 0 || !byClient || item.status !== 'UPDATED' || item.lastUpdatedAt === null) return;
    if (this.clock.nowMs() >= item.lastUpdatedAt + hours * 3_600_000) return;
    const last = iso(item.lastUpdatedAt);
    throw new PluggyError(409, {
      code: 409,
      codeDescription: 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY',
      message: `Client updates on this item are allowed at most every ${hours} hours. Last update was at ${last}`,
      data: { minUpdateFrequencyAllowedInHours: hours, lastUpdatedAt: last },
    });
  }
}

function check(limits: RefreshLimits): RefreshLimits {
  for (const key of ['patchesPerMinute', 'minUpdateIntervalHours'] as const) {
    const v = limits[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`refresh limit ${key} must be a non-negative number (got ${v})`);
    }
  }
  return { ...limits };
}
