import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { type Boss, QUEUES, startBoss } from '../sync/jobs.ts';
import { createWebhookRecorder, recordWebhookEvent } from './receive.ts';

let db: TestDatabase;
let boss: Boss;
/** The pool the recorder is given: the shared kind, or the receiver's own pipelining kind (route.ts). */
let pool: pg.Pool;

const deps = () => ({ pool, boss });
const count = async (sql: string, values: unknown[] = []) =>
  (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) x`, values)).rows[0]!.n;
const rowsFor = (eventId: string) => count('SELECT 1 FROM webhook_events WHERE event_id = $1', [eventId]);

/**
 * The jobs queued since the last call, per eventId, read through pg-boss's own API (no worker runs
 * in this file, so fetching takes exactly what the receiver enqueued).
 */
async function takeJobs(): Promise<Map<string, Array<{ retryLimit: number; retryBackoff: boolean }>>> {
  const jobs = new Map<string, Array<{ retryLimit: number; retryBackoff: boolean }>>();
  for (;;) {
    const batch = await boss.fetch<{ eventId: string }>(QUEUES.webhookEvent, {
      batchSize: 500,
      includeMetadata: true,
    });
    if (!batch || batch.length === 0) return jobs;
    for (const j of batch) {
      const list = jobs.get(j.data.eventId) ?? [];
      list.push({ retryLimit: j.retryLimit, retryBackoff: j.retryBackoff });
      jobs.set(j.data.eventId, list);
    }
  }
}

describe.each([
  ['a plain pool', false],
  ['a pipelining pool', true],
])('recordWebhookEvent: the event and its processing job, atomically, through %s', (_, pipeline) => {
  beforeAll(async () => {
    db = await createTestDatabase();
    boss = await startBoss(db.url, createLogger('silent'), { schedule: false, max: 2 });
    pool = pipeline ? createPool(db.url, { max: 2, pipeline: true }) : db.pool;
  });
  afterAll(async () => {
    if (pool !== db?.pool) await pool?.end();
    await boss?.stop({ graceful: false, wait: true });
    await db?.drop();
  });

  it('stores the raw event and one job with the queue’s settings, written through pg-boss', async () => {
    await takeJobs();
    const body = {
      event: 'transactions/created',
      eventId: 'ev-ours',
      itemId: 'item-1',
      accountId: 'acc-1',
      transactionsCreatedAtFrom: '2026-03-01T10:15:42.118Z',
      extra: { nested: [1, 'two'] },
    };
    expect(await recordWebhookEvent(deps(), body)).toEqual({ duplicate: false });
    // The webhook-event queue's own retry settings (src/sync/jobs.ts), as pg-boss applied them.
    expect(Object.fromEntries(await takeJobs())).toEqual({
      'ev-ours': [{ retryLimit: 8, retryBackoff: true }],
    });
    const stored = await db.pool.query(
      'SELECT event, item_id, raw, outcome, attempts FROM webhook_events WHERE event_id = $1',
      ['ev-ours'],
    );
    expect(stored.rows).toEqual([
      { event: 'transactions/created', item_id: 'item-1', raw: body, outcome: 'pending', attempts: 0 },
    ]);
    // The row names its job, as pg-boss knows it (the redrive asks about it by that id).
    const { rows } = await db.pool.query<{ job_id: string }>(
      'SELECT job_id FROM webhook_events WHERE event_id = $1',
      ['ev-ours'],
    );
    const job = await boss.getJobById<{ eventId: string }>(QUEUES.webhookEvent, rows[0]!.job_id);
    expect(job?.data).toEqual({ eventId: 'ev-ours' });
  });

  it('the same eventId delivered 10 times at once: one row, one job, nine duplicates', async () => {
    const body = { event: 'item/updated', eventId: 'ev-10x', itemId: 'item-2' };
    const results = await Promise.all(Array.from({ length: 10 }, () => recordWebhookEvent(deps(), body)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await rowsFor('ev-10x')).toBe(1);
    expect((await takeJobs()).get('ev-10x')).toHaveLength(1);
    // The job the stored row names is that one job.
    const { rows } = await db.pool.query<{ job_id: string }>(
      'SELECT job_id FROM webhook_events WHERE event_id = $1',
      ['ev-10x'],
    );
    expect((await boss.getJobById(QUEUES.webhookEvent, rows[0]!.job_id))?.data).toEqual({
      eventId: 'ev-10x',
    });
  });

  it('an unknown event type is kept, marked ignored, and enqueues nothing', async () => {
    const body = { event: 'payment_intent/completed', eventId: 'ev-payment', paymentIntentId: 'p1' };
    expect(await recordWebhookEvent(deps(), body)).toEqual({ duplicate: false });
    const { rows } = await db.pool.query('SELECT outcome, error FROM webhook_events WHERE event_id = $1', [
      'ev-payment',
    ]);
    expect(rows).toEqual([
      { outcome: 'ignored', error: 'event type payment_intent/completed is not handled' },
    ]);
    expect((await takeJobs()).size).toBe(0);
  });

  it('text jsonb cannot hold (NUL, a lone surrogate) is stored as U+FFFD rather than refused', async () => {
    const body = {
      event: 'item/error',
      eventId: 'ev-odd-text',
      error: { message: 'nul \u0000 byte, lone \ud800 high, lone \udc00 low, pair \ud83d\ude00' },
      'key\u0000': 1,
    };
    expect(await recordWebhookEvent(deps(), body)).toEqual({ duplicate: false });
    const { rows } = await db.pool.query('SELECT raw FROM webhook_events WHERE event_id = $1', [
      'ev-odd-text',
    ]);
    expect(rows[0].raw).toEqual({
      event: 'item/error',
      eventId: 'ev-odd-text',
      error: { message: 'nul \ufffd byte, lone \ufffd high, lone \ufffd low, pair \ud83d\ude00' },
      'key\ufffd': 1,
    });
    expect((await takeJobs()).get('ev-odd-text')).toHaveLength(1);
  });

  it('the recorder writes concurrent deliveries together and still answers each one on its own', async () => {
    // All 120 may wait at once: the cap on waiting deliveries (receive.test.ts) is not under test here.
    const recorder = createWebhookRecorder(deps(), { maxBatch: 20, maxInFlight: 2, maxWaiting: 120 });
    const ids = Array.from({ length: 60 }, (_, i) => `ev-burst-${i}`);
    // Each id sent twice in the same burst: one stored, one duplicate, whichever batch they land in.
    const results = await Promise.all(
      [...ids, ...ids].map((eventId) => recorder.record({ event: 'item/updated', eventId, itemId: 'i' })),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(60);
    expect(await count(`SELECT 1 FROM webhook_events WHERE event_id LIKE 'ev-burst-%'`)).toBe(60);
    const jobs = await takeJobs();
    expect(ids.every((id) => jobs.get(id)?.length === 1)).toBe(true);
    expect(jobs.size).toBe(60);
  });

  it('one event PostgreSQL refuses fails alone; the rest of its batch is stored with their jobs', async () => {
    const recorder = createWebhookRecorder(deps(), { maxBatch: 50, maxInFlight: 1 });
    // A text column cannot hold NUL either (SQLSTATE 22021): the route would refuse such an eventId
    // (not a UUID); the recorder alone must still keep it from failing its batch.
    const poison = { event: 'item/updated', eventId: 'ev-poison-\u0000' };
    const good = Array.from({ length: 5 }, (_, i) => ({ event: 'item/updated', eventId: `ev-good-${i}` }));
    // The first record goes out alone at once; the other five queue behind it as one batch.
    const [first, ...rest] = good;
    const outcomes = await Promise.allSettled([first!, poison, ...rest].map((e) => recorder.record(e)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', ...rest.map(() => 'fulfilled')]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22021' });
    expect(await count(`SELECT 1 FROM webhook_events WHERE event_id LIKE 'ev-poison%'`)).toBe(0);
    expect(await count(`SELECT 1 FROM webhook_events WHERE event_id LIKE 'ev-good-%'`)).toBe(5);
    const jobs = await takeJobs();
    expect(good.every((e) => jobs.get(e.eventId)?.length === 1)).toBe(true);
  });
});

describe('atomicity through the public API', () => {
  // A database of its own: pg-boss deletes only a queue that holds no jobs.
  let own: TestDatabase;
  let ownBoss: Boss;
  beforeAll(async () => {
    own = await createTestDatabase();
    ownBoss = await startBoss(own.url, createLogger('silent'), { schedule: false, max: 2 });
    await ownBoss.deleteQueue(QUEUES.webhookEvent);
  });
  afterAll(async () => {
    await ownBoss?.stop({ graceful: false, wait: true });
    await own?.drop();
  });

  it('never stores an event whose job cannot be enqueued: no queue, no event row', async () => {
    const ownDeps = { pool: own.pool, boss: ownBoss };
    await expect(
      recordWebhookEvent(ownDeps, { event: 'item/updated', eventId: 'ev-orphan' }),
    ).rejects.toThrow(/enqueued 0 of 1 webhook-event jobs/);
    const recorder = createWebhookRecorder(ownDeps, { maxBatch: 10, maxInFlight: 1 });
    const outcomes = await Promise.allSettled(
      ['ev-orphan-a', 'ev-orphan-b', 'ev-orphan-c'].map((eventId) =>
        recorder.record({ event: 'item/updated', eventId }),
      ),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    // An ignored event needs no job: it is stored all the same.
    expect(
      await recordWebhookEvent(ownDeps, { event: 'boleto/updated', eventId: 'ev-no-job-needed' }),
    ).toEqual({
      duplicate: false,
    });
    const { rows } = await own.pool.query<{ event_id: string }>('SELECT event_id FROM webhook_events');
    expect(rows.map((r) => r.event_id)).toEqual(['ev-no-job-needed']);
  });
});
