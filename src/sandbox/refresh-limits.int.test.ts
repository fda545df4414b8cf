import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGGY_REFRESH_LIMITS, type Sandbox, startSandbox } from './index.ts';
import { apiKey, call, client } from './test-helpers.ts';

/** PATCH /items/{id} limits as Pluggy documents them: 409 too soon per item, 429 past 20 a minute. */
describe('refresh limits', () => {
  let sb: Sandbox;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    sb = await startSandbox({
      stepDelayMs: 1,
      clock: 'manual',
      now: new Date('2025-02-03T14:00:00.000Z'),
      size: { transactionsPerAccount: 10 },
      refreshLimits: PLUGGY_REFRESH_LIMITS,
    });
    api = client(sb.url, await apiKey(sb.url));
  });
  afterAll(() => sb?.close());

  it('refuses a client refresh sooner than 24 h after lastUpdatedAt with 409 and the documented body', async () => {
    const item = await sb.admin.createItemNow({});
    const early = await api.patch(`/items/${item.id}`, {});
    expect(early.status).toBe(409);
    expect(early.body).toEqual({
      code: 409,
      codeDescription: 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY',
      message: `Client updates on this item are allowed at most every 24 hours. Last update was at ${item.lastUpdatedAt}`,
      data: { minUpdateFrequencyAllowedInHours: 24, lastUpdatedAt: item.lastUpdatedAt },
    });
    // The widget (connect token, the user at the screen) may update it.
    const token = (await api.post('/connect_token', { itemId: item.id })).body.accessToken as string;
    const byUser = await client(sb.url, token).patch(`/items/${item.id}`, {});
    expect(byUser.status).toBe(200);
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');

    const other = await sb.admin.createItemNow({});
    await sb.admin.setRefreshLimits({ minUpdateIntervalHours: 24 });
    await sb.admin.advanceClock(24 * 3_600_000);
    // advanceClock ran the due auto-sync, which moved lastUpdatedAt: still too soon.
    expect((await api.patch(`/items/${other.id}`, {})).status).toBe(409);
    await sb.admin.setRefreshLimits({});
    expect((await api.patch(`/items/${other.id}`, {})).status).toBe(200);
    await sb.admin.waitForItemStatus(other.id, 'UPDATED');
  });

  it('answers 429 with Retry-After: 60 and RateLimit-* past 20 PATCHes a minute, until the window ends', async () => {
    await sb.admin.setRefreshLimits({ patchesPerMinute: 20 });
    const items = await Promise.all(Array.from({ length: 3 }, () => sb.admin.createItemNow({})));
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof api.patch>> | undefined;
    for (let i = 0; i < 20; i++) {
      // Already-updating answers (400) count too: the limiter sees the request, not the outcome.
      last = await api.patch(`/items/${items[i % 3]!.id}`, {});
      statuses.push(last.status);
    }
    expect(statuses.every((s) => s === 200 || s === 400)).toBe(true);
    expect(last!.headers.get('ratelimit-limit')).toBe('20');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');

    const limited = await api.patch(`/items/${items[0]!.id}`, {});
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      code: 429,
      message: 'Too many requests. Please try again later (see Retry-After header in seconds)',
    });
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('ratelimit-limit')).toBe('20');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
    // Other endpoints are not limited.
    expect((await api.get(`/items/${items[0]!.id}`)).status).toBe(200);

    await sb.admin.advanceClock(60_000);
    for (const item of items) await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    const again = await api.patch(`/items/${items[0]!.id}`, {});
    expect(again.status).toBe(200);
    expect(again.headers.get('ratelimit-remaining')).toBe('19');
  });

  it('switches over HTTP and refuses limits that are not numbers', async () => {
    const bad = await call(sb.url, 'PUT', '/__sandbox/refresh-limits', {
      body: { patchesPerMinute: 'many' },
    });
    expect(bad.status).toBe(400);
    const neg = await call(sb.url, 'PUT', '/__sandbox/refresh-limits', { body: { patchesPerMinute: -1 } });
    expect(neg.status).toBe(400);
    expect((await call(sb.url, 'PUT', '/__sandbox/refresh-limits', { body: {} })).status).toBe(200);
    const item = await sb.admin.createItemNow({});
    const patched = await api.patch(`/items/${item.id}`, {});
    expect(patched.status).toBe(200);
    expect(patched.headers.get('ratelimit-limit')).toBeNull();
  });
});
