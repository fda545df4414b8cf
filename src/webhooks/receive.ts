import type pg from 'pg';
import { QUEUES } from '../sync/jobs.ts';
import { type Envelope, isHandledEvent, itemIdOf } from './events.ts';

/**
 * Stores a delivery and enqueues its processing ATOMICALLY: once this resolves, the event is
 * durable and will be processed; if it throws, nothing was stored and the sender must retry. A
 * redelivered eventId changes nothing (`duplicate: true`). Unknown event types are kept for the
 * record, marked ignored, and enqueue nothing.
 *
 * One statement, not BEGIN / insert / pg-boss send / COMMIT: a single statement is its own
 * transaction (committed durably before PostgreSQL answers), and one round trip of one prepared
 * statement instead of four is what lets the receiver keep up with bursts (bench/webhooks.ts).
 */
export async function recordWebhookEvent(
  db: pg.Pool | pg.PoolClient,
  envelope: Envelope,
): Promise<{ duplicate: boolean }> {
  const handled = isHandledEvent(envelope.event);
  const res = await db.query<{ inserted: number }>({
    name: 'webhooks.record-event',
    text: RECORD_EVENT_SQL,
    values: [
      envelope.eventId,
      envelope.event,
      itemIdOf(envelope),
      JSON.stringify(envelope),
      handled,
      QUEUES.webhookEvent,
    ],
  });
  return { duplicate: res.rows[0]?.inserted !== 1 };
}

/**
 * $1 eventId, $2 event, $3 itemId, $4 raw JSON, $5 handled, $6 queue name.
 *
 * The job row is what pg-boss 10 (schema 24) `send(queue, { eventId })` inserts with no options:
 * the queue's own settings (retry limit/delay/backoff, expiry, retention, dead letter, policy)
 * with pg-boss's fallbacks. src/webhooks/receive.int.test.ts compares it with a row made by
 * `boss.send` and fails on any difference, so a pg-boss upgrade cannot drift silently.
 *
 * If the queue row were missing, the job insert would select nothing while the event is stored;
 * the final SELECT then casts a text to int, which raises and aborts the whole statement, so an
 * event is never stored without its job.
 */
const RECORD_EVENT_SQL = `
WITH ev AS (
  INSERT INTO webhook_events (event_id, event, item_id, raw, outcome, error, processed_at)
  VALUES ($1, $2, $3, $4::jsonb,
          CASE WHEN $5::boolean THEN 'pending' ELSE 'ignored' END,
          CASE WHEN $5::boolean THEN NULL ELSE 'event type ' || $2 || ' is not handled' END,
          CASE WHEN $5::boolean THEN NULL ELSE now() END)
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
), job AS (
  INSERT INTO pgboss.job (id, name, data, priority, start_after, singleton_key, singleton_on, dead_letter,
                          expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
  SELECT gen_random_uuid(), q.name, jsonb_build_object('eventId', ev.event_id), 0, now(), NULL, NULL,
         q.dead_letter,
         COALESCE(q.expire_seconds * interval '1s', interval '15 minutes'),
         now() + CAST(COALESCE((q.retention_minutes * 60)::text, '14 days') AS interval),
         COALESCE(q.retry_limit, 2),
         CASE WHEN COALESCE(q.retry_backoff, false) THEN GREATEST(q.retry_delay, 1)
              ELSE COALESCE(q.retry_delay, 0) END,
         COALESCE(q.retry_backoff, false),
         q.policy
  FROM ev JOIN pgboss.queue q ON q.name = $6::text
  WHERE $5::boolean
  ON CONFLICT DO NOTHING
  RETURNING id
)
SELECT CASE
         WHEN $5::boolean AND e.n > j.n
         -- Concatenating a column keeps the cast from being constant-folded at plan time.
         THEN ('pg-boss queue ' || $6::text || ' is missing; events not stored: ' || e.n)::int
         ELSE e.n::int
       END AS inserted
FROM (SELECT count(*) AS n FROM ev) e, (SELECT count(*) AS n FROM job) j`;
