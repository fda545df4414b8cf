import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { poolSizeFor } from '../db/open.ts';
import { createPool, withTransaction } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { withItemLock } from './itemLock.ts';

describe('the service pool is large enough for its sync workers', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('every worker slot can hold its item lock and write at once (SYNC_CONCURRENCY=3)', async () => {
    const config = loadConfig({ SYNC_CONCURRENCY: '3' });
    const pool = createPool(t.url, { max: poolSizeFor(config) });
    try {
      // Four sync queues × concurrency, plus purge and safety net: all busy on different items,
      // each holding its lock connection while it writes on another — what a fixed pool of 10 failed.
      const jobs = 4 * config.sync.concurrency + 2;
      const done = await Promise.all(
        Array.from({ length: jobs }, (_, i) =>
          withItemLock(pool, `item-${i}`, { waitMs: 0 }, () =>
            withTransaction(pool, async (c) => {
              await c.query('SELECT pg_sleep(0.3)');
              return i;
            }),
          ),
        ),
      );
      expect(done).toHaveLength(jobs);
    } finally {
      await pool.end();
    }
  });

  it('bounds SYNC_CONCURRENCY so the pool stays within PostgreSQL’s default 100 connections', () => {
    expect(poolSizeFor(loadConfig({ SYNC_CONCURRENCY: '8' }))).toBeLessThanOrEqual(90);
    expect(() => loadConfig({ SYNC_CONCURRENCY: '9' })).toThrow(/SYNC_CONCURRENCY/);
  });
});
