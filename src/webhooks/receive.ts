import type pg from 'pg';
import { AppError } from '../domain/errors.ts';
import { QUEUES } from '../sync/jobs.ts';
import { type Envelope, isHandledEvent, itemIdOf } from './events.ts';

/**
 * Stores deliveries and enqueues their processing ATOMICALLY: once `record` resolves, the event is
 * durable and will be processed; if it rejects, nothing of it was stored and the sender must retry.
 * A redelivered eventId changes nothing (`duplicate: true`). Unknown event types are kept for the
 * record, marked ignored, and enqueue nothing.
 *
 * Why not BEGIN / insert / pg-boss send / COMMIT: one statement is its own transaction, committed
 * durably before PostgreSQL answers, in one round trip instead of four. And deliveries that arrive
 * while statements are in flight are written together by the next one (natural batching: a lone
 * delivery never waits for company), so a burst costs one commit per batch rather than one per
 * event. bench/webhooks.ts measures the effect.
 *
 * A batch PostgreSQL refuses for its data (SQLSTATE class 22 or 23: a value jsonb cannot hold, a
 * constraint) is retried event by event, one after another, so one bad event fails alone. Any
 * other failure — the database unreachable above all — fails every delivery of the batch at once:
 * retrying each would only multiply the load on a database already in trouble, and each sender
 * gets the error (503 for an unreachable database, from the shared mapping) and retries later.
 *
 * Deliveries waiting for a free statement slot are capped (`maxWaiting`): past it a delivery is
 * refused at once with `WebhookReceiverBusy` (503 + Retry-After) rather than held in memory while
 * Pluggy's 5–10 s deadline runs out (contract part 03 §2.3).
 */
export type WebhookRecorder = { record(envelope: Envelope): Promise<{ duplicate: boolean }> };

export type WebhookRecorderOptions = {
  /** Most events per statement. Default 100. */
  maxBatch?: number;
  /** Statements in flight at once (keep ≤ pool size). Default 4. */
  maxInFlight?: number;
  /** Most deliveries waiting for a statement. Default 2 × maxBatch × maxInFlight. */
  maxWaiting?: number;
};

/** Too many deliveries already waiting: the sender should retry shortly (503 + Retry-After). */
export class WebhookReceiverBusy extends AppError {
  constructor(retryAfterSeconds = 5) {
    super('unavailable', 'webhook-receiver-busy', 'Too many webhook deliveries at once; retry shortly.', {
      retryAfterSeconds,
    });
  }
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint): the data, not the database. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export function createWebhookRecorder(db: pg.Pool, opts: WebhookRecorderOptions = {}): WebhookRecorder {
  const maxBatch = Math.max(1, opts.maxBatch ?? 100);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
  const maxWaiting = Math.max(1, opts.maxWaiting ?? 2 * maxBatch * maxInFlight);
  type Waiting = {
    envelope: Envelope;
    resolve(v: { duplicate: boolean }): void;
    reject(err: unknown): void;
  };
  let waiting: Waiting[] = [];
  let inFlight = 0;

  const write = async (batch: Waiting[]) => {
    try {
      const stored = await insertEvents(
        db,
        batch.map((w) => w.envelope),
      );
      for (const w of batch) {
        // Within a batch the first of two identical eventIds is the one stored.
        const first = stored.delete(w.envelope.eventId);
        w.resolve({ duplicate: !first });
      }
    } catch (err) {
      if (batch.length === 1 || !isDataError(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One at a time: this slot stays one statement in flight, like the batch it replaces.
      for (const w of batch) {
        try {
          const stored = await insertEvents(db, [w.envelope]);
          w.resolve({ duplicate: !stored.has(w.envelope.eventId) });
        } catch (e) {
          w.reject(e);
        }
      }
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
      waiting = waiting.length <= maxBatch ? [] : waiting.slice(maxBatch);
      inFlight++;
      void write(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return {
    record(envelope) {
      if (waiting.length >= maxWaiting) return Promise.reject(new WebhookReceiverBusy());
      return new Promise((resolve, reject) => {
        waiting.push({ envelope, resolve, reject });
        pump();
      });
    },
  };
}

/** One event, one statement: the recorder without batching (tests, tools). */
export async function recordWebhookEvent(
  db: pg.Pool | pg.PoolClient,
  envelope: Envelope,
): Promise<{ duplicate: boolean }> {
  const stored = await insertEvents(db, [envelope]);
  return { duplicate: !stored.has(envelope.eventId) };
}

/** Inserts the events (and the jobs of the handled ones) in one statement; returns the eventIds stored. */
async function insertEvents(db: pg.Pool | pg.PoolClient, envelopes: Envelope[]): Promise<Set<string>> {
  const input = envelopes.map((e, ord) => ({
    ord,
    event_id: e.eventId,
    event: e.event,
    item_id: itemIdOf(e),
    raw: e,
    handled: isHandledEvent(e.event),
  }));
  const res = await db.query<{ eventId: string }>({
    name: 'webhooks.record-events',
    text: RECORD_EVENTS_SQL,
    values: [JSON.stringify(input), QUEUES.webhookEvent],
  });
  return new Set(res.rows.map((r) => r.eventId));
}

/**
 * $1 the events as a JSON array, $2 the pg-boss queue name. Returns one row per event stored.
 *
 * Rows go in eventId order, so two statements racing on the same eventIds take their unique-index
 * locks in the same order (no deadlock); DISTINCT ON drops an eventId repeated within the batch.
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
const RECORD_EVENTS_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS i(ord int, event_id text, event text, item_id text, raw jsonb, handled boolean)
), ev AS (
  INSERT INTO webhook_events (event_id, event, item_id, raw, outcome, error, processed_at)
  SELECT DISTINCT ON (event_id) event_id, event, item_id, raw,
         CASE WHEN handled THEN 'pending' ELSE 'ignored' END,
         CASE WHEN handled THEN NULL ELSE 'event type ' || event || ' is not handled' END,
         CASE WHEN handled THEN NULL ELSE now() END
  FROM input
  ORDER BY event_id, ord
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id, outcome
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
  FROM ev JOIN pgboss.queue q ON q.name = $2::text
  WHERE ev.outcome = 'pending'
  ON CONFLICT DO NOTHING
  RETURNING data->>'eventId' AS event_id
)
SELECT ev.event_id AS "eventId",
       CASE
         WHEN ev.outcome = 'pending' AND job.event_id IS NULL
         -- Concatenating a column keeps the cast from being constant-folded at plan time.
         THEN ('pg-boss queue ' || $2::text || ' is missing; event not stored: ' || ev.event_id)::int
         ELSE 1
       END AS stored
FROM ev LEFT JOIN job ON job.event_id = ev.event_id`;
