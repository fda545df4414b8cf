import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { createPool } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createPluggyClient } from '../pluggy/index.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { createConnectorCatalog } from './connectors.ts';

/**
 * The connector list shared through PostgreSQL: each "process" here is its own catalog, pool and
 * Pluggy client (with its own in-memory copy), all on one database and one sandbox. Pluggy calls
 * are counted where they leave each client.
 */

let db: TestDatabase;
let sb: Sandbox;
const pools: pg.Pool[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  sb = await startSandbox({ stepDelayMs: 5 });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await sb?.close();
  await db?.drop();
});

function processLike(opts: { ttlMs?: number; now?: () => number } = {}) {
  const calls: string[] = [];
  const pool = createPool(db.url, { max: 2 });
  pools.push(pool);
  const pluggy = createPluggyClient({
    baseUrl: sb.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    fetch: (input, init) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      if (url.pathname === '/connectors') calls.push(url.pathname);
      return fetch(input, init);
    },
  });
  const catalog = createConnectorCatalog(pluggy, pool, { includeSandbox: true, ...opts });
  return { catalog, calls };
}

/** A process whose Pluggy does not answer (nothing listens on port 9). */
const unreachablePluggy = (includeSandbox: boolean) =>
  createConnectorCatalog(
    createPluggyClient({
      baseUrl: 'http://127.0.0.1:9',
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
      maxAttempts: 1,
    }),
    db.pool,
    { includeSandbox },
  );

describe('connector catalog shared by processes', () => {
  it('asks Pluggy once for three processes missing at the same moment, then serves from memory', async () => {
    await db.pool.query('DELETE FROM connector_catalog');
    const procs = [processLike(), processLike(), processLike()];
    const lists = await Promise.all(procs.flatMap((p) => [p.catalog.list(), p.catalog.list()]));
    expect(procs.map((p) => p.calls.length).reduce((a, b) => a + b)).toBe(1);
    expect(new Set(lists.map((l) => JSON.stringify(l))).size).toBe(1);
    expect(lists[0]!.length).toBeGreaterThan(5);
    expect(lists[0]!.some((c) => c.isSandbox)).toBe(true);

    // Warm: no Pluggy call and no query (the stored row can even go away).
    await db.pool.query('DELETE FROM connector_catalog');
    for (const p of procs) await p.catalog.list({ name: 'pluggy' });
    expect(procs.map((p) => p.calls.length).reduce((a, b) => a + b)).toBe(1);
  });

  it('filters by folded name, type and Open Finance', async () => {
    const { catalog } = processLike();
    const all = await catalog.list();
    const of = await catalog.list({ openFinance: true });
    expect(of.length).toBeGreaterThan(0);
    expect(of.every((c) => c.isOpenFinance)).toBe(true);
    const one = all[0]!;
    const byName = await catalog.list({ name: one.name.toUpperCase() });
    expect(byName.map((c) => c.id)).toContain(one.id);
    expect((await catalog.list({ type: one.type })).every((c) => c.type === one.type)).toBe(true);
  });

  it('refreshes once when the shared copy expires, by the database clock', async () => {
    await db.pool.query('DELETE FROM connector_catalog');
    let t = 0;
    const now = () => t;
    const a = processLike({ now });
    const b = processLike({ now });
    await a.catalog.list();
    await b.catalog.list();
    expect(a.calls.length + b.calls.length).toBe(1);

    // Two hours later for both (memory) and for the stored copy (database clock).
    t += 2 * 3_600_000;
    await db.pool.query(`UPDATE connector_catalog SET fetched_at = fetched_at - interval '2 hours'`);
    await Promise.all([a.catalog.list(), b.catalog.list(), a.catalog.list()]);
    expect(a.calls.length + b.calls.length).toBe(2);
    const fresh = await db.pool.query<{ age: number }>(
      'SELECT extract(epoch FROM now() - fetched_at)::float8 AS age FROM connector_catalog',
    );
    expect(fresh.rows[0]!.age).toBeLessThan(600);
  });

  it('keeps serving the last good list when Pluggy fails, and fails only with no list anywhere', async () => {
    await db.pool.query('DELETE FROM connector_catalog');
    let t = 0;
    const good = processLike({ now: () => t });
    const before = await good.catalog.list();
    await db.pool.query(`UPDATE connector_catalog SET fetched_at = fetched_at - interval '2 hours'`);

    // A process whose Pluggy is down finds the expired shared copy.
    expect(await unreachablePluggy(true).list()).toEqual(before);

    // With no copy anywhere, the failure is the caller's to answer (the API maps it to 502/503).
    await db.pool.query('DELETE FROM connector_catalog');
    await expect(unreachablePluggy(false).list()).rejects.toThrow();
    t += 1; // within the TTL, the good process still answers from memory
    expect(await good.catalog.list()).toEqual(before);
  });
});
