import { describe, expect, it } from 'vitest';
import { fullJitterDelay, parseRetryAfter } from './retryPolicy.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-02T14:00:00.000Z');

  it('reads delta-seconds, as Pluggy sends them', () => {
    expect(parseRetryAfter('60', now)).toBe(60_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date as the time left until then, never negative', () => {
    expect(parseRetryAfter('Mon, 02 Mar 2026 14:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 13:59:00 GMT', now)).toBe(0);
  });

  it('returns undefined for a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('fullJitterDelay', () => {
  it('draws uniformly below base·2^(retry-1)', () => {
    expect(fullJitterDelay(1, 250, () => 0)).toBe(0);
    expect(fullJitterDelay(1, 250, () => 0.999)).toBe(249);
    expect(fullJitterDelay(3, 250, () => 0.5)).toBe(500);
    expect(fullJitterDelay(4, 250, () => 0.999)).toBe(1998);
  });
});
