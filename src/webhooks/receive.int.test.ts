import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { type Boss, enqueue, QUEUES, startBoss } from '../sync/jobs.ts';
import { createWebhookRecorder, recordWebhookEvent } from './receive.ts';

let db: TestDatabase;
let boss: Boss;
beforeAll(async () => {
  db = await createTestDatabase();
  boss = await startBoss(db.url, createLogger('silent'), { schedule: false, max: 2 });
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await db?.drop();
});

const count = async (sql: string, values: unknown[] = []) =>
  (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) x`, values)).rows[0]!.n;
const jobsFor = (eventId: string) =>
  count(`SELECT 1 FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2`, [QUEUES.webhookEvent, eventId]);
const rowsFor = (eventId: string) => count('SELECT 1 FROM webhook_events WHERE event_id = $1', [eventId]);

describe('recordWebhookEvent: the event and its processing job, atomically', () => {
  it('stores the raw event and the very job row pg-boss send() would have inserted', async () => {
    const body = {
      event: 'transactions/created',
      eventId: 'ev-ours',
      itemId: 'item-1',
      accountId: 'acc-1',
      transactionsCreatedAtFrom: '2026-03-01T10:15:42.118Z',
      extra: { nested: [1, 'two'] },
    };
    expect(await recordWebhookEvent(db.pool, body)).toEqual({ duplicate: false });
    await enqueue(boss, QUEUES.webhookEvent, { eventId: 'ev-pgboss' });

    // Every column pg-boss has, except those that differ by nature (id, payload, instants);
    // instants are compared as offsets from the insert, so a new pg-boss column shows up here.
    const { rows } = await db.pool.query<{ eventId: string; job: Record<string, unknown> }>(
      `SELECT data->>'eventId' AS "eventId",
              to_jsonb(j) - 'id' - 'data' - 'created_on' - 'start_after' - 'keep_until'
                || jsonb_build_object('starts_in', start_after - created_on,
                                      'kept_for', keep_until - start_after) AS job
       FROM pgboss.job j WHERE name = $1 ORDER BY 1`,
      [QUEUES.webhookEvent],
    );
    expect(rows.map((r) => r.eventId)).toEqual(['ev-ours', 'ev-pgboss']);
    expect(rows[0]!.job).toEqual(rows[1]!.job);
    expect(rows[0]!.job).toMatchObject({ state: 'created', retry_limit: 8, retry_backoff: true });

    const stored = await db.pool.query(
      'SELECT event, item_id, raw, outcome, attempts FROM webhook_events WHERE event_id = $1',
      ['ev-ours'],
    );
    expect(stored.rows).toEqual([
      { event: 'transactions/created', item_id: 'item-1', raw: body, outcome: 'pending', attempts: 0 },
    ]);
  });

  it('the same eventId delivered 10 times at once: one row, one job, nine duplicates', async () => {
    const body = { event: 'item/updated', eventId: 'ev-10x', itemId: 'item-2' };
    const results = await Promise.all(Array.from({ length: 10 }, () => recordWebhookEvent(db.pool, body)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await rowsFor('ev-10x')).toBe(1);
    expect(await jobsFor('ev-10x')).toBe(1);
  });

  it('an unknown event type is kept, marked ignored, and enqueues nothing', async () => {
    const body = { event: 'payment_intent/completed', eventId: 'ev-payment', paymentIntentId: 'p1' };
    expect(await recordWebhookEvent(db.pool, body)).toEqual({ duplicate: false });
    const { rows } = await db.pool.query('SELECT outcome, error FROM webhook_events WHERE event_id = $1', [
      'ev-payment',
    ]);
    expect(rows).toEqual([
      { outcome: 'ignored', error: 'event type payment_intent/completed is not handled' },
    ]);
    expect(await jobsFor('ev-payment')).toBe(0);
  });

  it('the recorder writes concurrent deliveries together and still answers each one on its own', async () => {
    // All 120 may wait at once: the cap on waiting deliveries (receive.test.ts) is not under test here.
    const recorder = createWebhookRecorder(db.pool, { maxBatch: 20, maxInFlight: 2, maxWaiting: 120 });
    const ids = Array.from({ length: 60 }, (_, i) => `ev-burst-${i}`);
    // Each id sent twice in the same burst: one stored, one duplicate, whichever batch they land in.
    const results = await Promise.all(
      [...ids, ...ids].map((eventId) => recorder.record({ event: 'item/updated', eventId, itemId: 'i' })),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(60);
    expect(await count(`SELECT 1 FROM webhook_events WHERE event_id LIKE 'ev-burst-%'`)).toBe(60);
    expect(
      await count(`SELECT 1 FROM pgboss.job WHERE name = $1 AND data->>'eventId' LIKE 'ev-burst-%'`, [
        QUEUES.webhookEvent,
      ]),
    ).toBe(60);
  });

  it('one event PostgreSQL refuses fails alone; the rest of its batch is stored', async () => {
    const recorder = createWebhookRecorder(db.pool, { maxBatch: 50, maxInFlight: 1 });
    // jsonb cannot hold \u0000: the whole batch statement fails, then each event is tried alone.
    const poison = { event: 'item/updated', eventId: 'ev-poison', note: 'nul \u0000 byte' };
    const good = Array.from({ length: 5 }, (_, i) => ({ event: 'item/updated', eventId: `ev-good-${i}` }));
    // The first record goes out alone at once; the other five queue behind it as one batch.
    const [first, ...rest] = good;
    const outcomes = await Promise.allSettled([first!, poison, ...rest].map((e) => recorder.record(e)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', ...rest.map(() => 'fulfilled')]);
    expect(await rowsFor('ev-poison')).toBe(0);
    expect(await count(`SELECT 1 FROM webhook_events WHERE event_id LIKE 'ev-good-%'`)).toBe(5);
  });

  it('never stores an event whose job cannot be enqueued: without the queue the statement fails whole', async () => {
    // pg-boss cannot delete a queue that has jobs, so remove it inside a transaction rolled back after.
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ partition: string }>(
        'SELECT partition_name AS partition FROM pgboss.queue WHERE name = $1',
        [QUEUES.webhookEvent],
      );
      await client.query(`DROP TABLE pgboss.${rows[0]!.partition}`);
      await client.query('DELETE FROM pgboss.queue WHERE name = $1', [QUEUES.webhookEvent]);
      await client.query('SAVEPOINT record');
      await expect(
        recordWebhookEvent(client, { event: 'item/updated', eventId: 'ev-orphan' }),
      ).rejects.toThrow(/queue webhook-event is missing/);
      await client.query('ROLLBACK TO SAVEPOINT record');
      const orphan = await client.query('SELECT 1 FROM webhook_events WHERE event_id = $1', ['ev-orphan']);
      expect(orphan.rowCount).toBe(0);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect(await rowsFor('ev-orphan')).toBe(0);
  });
});
