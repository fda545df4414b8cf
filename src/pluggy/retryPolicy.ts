import { setTimeout as delay } from 'node:timers/promises';

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Pluggy sends
 * seconds, always 60 on its per-minute limits (docs/pluggy.md#rate-limits). Undefined when absent or
 * unreadable, so the caller falls back to back-off.
 */
export function parseRetryAfter(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // An HTTP date always names a weekday and month ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse
  // alone would also take "-5" as a year.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * "Full jitter" (AWS architecture blog, Exponential Backoff and Jitter): a uniform wait in
 * [0, base·2^(retry-1)], so many clients failing together do not retry together.
 */
export function fullJitterDelay(retry: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = baseMs * 2 ** Math.max(0, retry - 1);
  return Math.floor(random() * ceiling);
}

/**
 * Waits at least `ms` of monotonic time. A bare timer may fire a millisecond early against the
 * wall clock; a Retry-After is a promise to the server, so the wait is topped up until it is kept.
 */
export async function sleepAtLeast(ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    await delay(Math.ceil(left));
  }
}
