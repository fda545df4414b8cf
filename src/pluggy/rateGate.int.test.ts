import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresRateGate } from '../db/queries/rateBudget.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createPluggyClient, type PluggyClientOptions } from './client.ts';
import { PluggyError } from './errors.ts';
import { type RateBudget, rateBudgetOf, rateScopeOf } from './rateGate.ts';
import { accountPayload } from './testing/fixtures.ts';
import { fakeApiKey } from './testing/jwt.ts';
import { type ScriptedServer, startScriptedServer } from './testing/scriptedServer.ts';

/**
 * The shared rate budget as the service wires it (a PostgreSQL gate, src/app.ts): two clients
 * stand for two worker processes. Counts are read at a scripted Pluggy; no assertion depends on
 * how fast anything ran.
 */

let db: TestDatabase;
let server: ScriptedServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startScriptedServer();
  let serial = 0;
  server.on('POST /auth', () => ({ body: { apiKey: fakeApiKey(++serial) } }));
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});
afterEach(async () => {
  await db.pool.query('DELETE FROM pluggy_rate_budget');
});

const client = (budgetOf: (scope: string) => RateBudget, extra: Partial<PluggyClientOptions> = {}) =>
  createPluggyClient({
    baseUrl: server.url,
    clientId: 'c',
    clientSecret: 'test-client-secret',
    retryBaseDelayMs: 1,
    rateGate: postgresRateGate(db.pool),
    rateBudgetOf: budgetOf,
    ...extra,
  });

const settle = (calls: Promise<unknown>[]) =>
  Promise.all(
    calls.map((p) =>
      p.then(
        () => 'ok' as const,
        (err: unknown) => err,
      ),
    ),
  );

describe('rate scopes and budgets', () => {
  it("groups requests the way Pluggy counts them, and keeps under Pluggy's limits", () => {
    expect(rateScopeOf('GET', '/accounts/9f2d')).toBe('GET /accounts');
    expect(rateScopeOf('GET', '/accounts')).toBe('GET /accounts');
    expect(rateScopeOf('GET', '/v2/transactions')).toBe('GET /transactions');
    expect(rateScopeOf('GET', '/investments/i1/transactions')).toBe('GET /investments/transactions');
    expect(rateScopeOf('PATCH', '/items/5f1c')).toBe('PATCH /items');
    for (const [scope, limit] of [
      ['GET /transactions', 360],
      ['POST /auth', 360],
      ['PATCH /items', 20],
    ] as const) {
      const b = rateBudgetOf(scope);
      expect(b.burst + b.perMinute).toBeLessThanOrEqual(limit);
      expect(b.burst).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('a rate budget shared through PostgreSQL', () => {
  it('two clients together never send more than the budget allows', async () => {
    const route = 'GET /accounts/a1a1a1a1-0000-4000-8000-000000000001';
    server.on(route, { body: accountPayload({ id: 'a1a1a1a1-0000-4000-8000-000000000001' }) });
    const before = server.requests(route).length;
    // A burst of 10, then one request a minute: beyond the first 10, every call would have to wait
    // far longer than it may (maxRetryAfterMs), so it ends 'rate-limited' without being sent.
    const budget = (scope: string) =>
      scope === 'GET /accounts' ? { burst: 10, perMinute: 1 } : { burst: 100, perMinute: 6000 };
    const a = client(budget, { maxRetryAfterMs: 5_000 });
    const b = client(budget, { maxRetryAfterMs: 5_000 });

    const outcomes = await settle(
      Array.from({ length: 15 }, () => [
        a.getAccount('a1a1a1a1-0000-4000-8000-000000000001'),
        b.getAccount('a1a1a1a1-0000-4000-8000-000000000001'),
      ]).flat(),
    );

    const sent = server.requests(route).length - before;
    const refused = outcomes.filter((o) => o instanceof PluggyError && o.code === 'rate-limited');
    // One minute's refill could add a single request; the test does not run that long.
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThanOrEqual(11);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(sent);
    expect(refused).toHaveLength(30 - sent);
    for (const err of refused) expect((err as PluggyError).retryAfterMs).toBeGreaterThan(5_000);
  });

  it("a 429's Retry-After stops the other client too: it sends nothing to that scope until then", async () => {
    const budget = () => ({ burst: 100, perMinute: 6000 });
    const a = client(budget, { maxRetryAfterMs: 5_000 });
    const b = client(budget, { maxRetryAfterMs: 5_000 });
    server.queue('GET /accounts/a2a2a2a2-0000-4000-8000-000000000002', {
      status: 429,
      headers: { 'retry-after': '90' },
      body: { code: 429, message: 'Too many requests' },
    });
    server.on('GET /accounts/a3a3a3a3-0000-4000-8000-000000000003', {
      body: accountPayload({ id: 'a3a3a3a3-0000-4000-8000-000000000003' }),
    });
    server.on('GET /connectors', { body: { results: [], page: 1, totalPages: 1, total: 0 } });

    const first = await a.getAccount('a2a2a2a2-0000-4000-8000-000000000002').catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'rate-limited', status: 429, retryAfterMs: 90_000 });

    // Another client, another account, same endpoint: refused on our side, never sent.
    const second = await b.getAccount('a3a3a3a3-0000-4000-8000-000000000003').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(PluggyError);
    expect(second).toMatchObject({ code: 'rate-limited' });
    expect((second as PluggyError).retryAfterMs).toBeGreaterThan(60_000);
    expect((second as PluggyError).retryAfterMs).toBeLessThanOrEqual(90_000);
    expect(server.requests('GET /accounts/a3a3a3a3-0000-4000-8000-000000000003')).toHaveLength(0);
    // Other endpoints have their own counters at Pluggy, so they are not paused.
    await expect(b.getConnectors()).resolves.toEqual([]);
  });

  it('a short Retry-After is waited out by the other client, whose request arrives only after it', async () => {
    const budget = () => ({ burst: 100, perMinute: 6000 });
    const a = client(budget);
    const b = client(budget);
    server.queue('GET /accounts/a4a4a4a4-0000-4000-8000-000000000004', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { code: 429 },
    });
    server.on('GET /accounts/a4a4a4a4-0000-4000-8000-000000000004', {
      body: accountPayload({ id: 'a4a4a4a4-0000-4000-8000-000000000004' }),
    });
    server.on('GET /accounts/a5a5a5a5-0000-4000-8000-000000000005', {
      body: accountPayload({ id: 'a5a5a5a5-0000-4000-8000-000000000005' }),
    });

    const fromA = a.getAccount('a4a4a4a4-0000-4000-8000-000000000004');
    await expect
      .poll(() => server.requests('GET /accounts/a4a4a4a4-0000-4000-8000-000000000004').length, {
        timeout: 20_000,
      })
      .toBe(1);
    // Give A's pause a moment to be recorded before B asks (it is written before A sleeps).
    await expect
      .poll(
        async () =>
          (await db.pool.query('SELECT 1 FROM pluggy_rate_budget WHERE paused_until IS NOT NULL')).rowCount,
        {
          timeout: 20_000,
        },
      )
      .toBe(1);
    await expect(b.getAccount('a5a5a5a5-0000-4000-8000-000000000005')).resolves.toMatchObject({
      id: 'a5a5a5a5-0000-4000-8000-000000000005',
    });
    await expect(fromA).resolves.toMatchObject({ id: 'a4a4a4a4-0000-4000-8000-000000000004' });

    const refusedAt = server.requests('GET /accounts/a4a4a4a4-0000-4000-8000-000000000004')[0]!.at;
    const [bSent] = server.requests('GET /accounts/a5a5a5a5-0000-4000-8000-000000000005');
    // A lower bound only: the other client waited at least the pause (a slow machine only adds).
    expect(bSent!.at - refusedAt).toBeGreaterThanOrEqual(1_900);
  });
});
