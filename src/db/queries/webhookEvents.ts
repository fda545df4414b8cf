import type pg from 'pg';
import type { Db } from '../pool.ts';

/** A stored webhook delivery. `eventId` is Pluggy's id of the event (redeliveries repeat it). */
export type WebhookOutcome = 'pending' | 'processed' | 'ignored' | 'failed';

export type WebhookEventRow = {
  id: string;
  eventId: string;
  event: string;
  itemId: string | null;
  raw: unknown;
  receivedAt: Date;
  processedAt: Date | null;
  outcome: WebhookOutcome;
  /** Last failure, or the reason an event was ignored. */
  error: string | null;
  attempts: number;
};

const COLUMNS = `id, event_id AS "eventId", event, item_id AS "itemId", raw, received_at AS "receivedAt",
  processed_at AS "processedAt", outcome, error, attempts`;

/**
 * Low-level insert of one event row, without its processing job: for test fixtures and tools.
 * The receiver does not use it — src/webhooks/receive.ts stores deliveries with insertEvents and
 * their jobs in the same transaction. A second insert of the same eventId stores nothing and returns
 * the existing row's id with `inserted: false`.
 */
export async function insertEvent(
  db: Db,
  ev: { eventId: string; event: string; itemId?: string | null; raw: unknown; jobId?: string | null },
): Promise<{ inserted: boolean; id: string }> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO webhook_events (event_id, event, item_id, raw, job_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (event_id) DO NOTHING RETURNING id`,
    [ev.eventId, ev.event, ev.itemId ?? null, JSON.stringify(ev.raw), ev.jobId ?? null],
  );
  if (res.rows[0]) return { inserted: true, id: res.rows[0].id };
  // A separate statement: it sees a row a concurrent transaction committed after ours began.
  const existing = await db.query<{ id: string }>('SELECT id FROM webhook_events WHERE event_id = $1', [
    ev.eventId,
  ]);
  if (!existing.rows[0]) throw new Error(`webhook event ${ev.eventId} conflicted but cannot be found`);
  return { inserted: false, id: existing.rows[0].id };
}

/** One delivery ready to store: `raw` is its body already serialised as JSON text jsonb can hold. */
export type NewWebhookEvent = {
  eventId: string;
  event: string;
  itemId: string | null;
  raw: string;
  /** False for event types this service does not act on: stored as 'ignored', never processed. */
  handled: boolean;
  /** The id of its processing job, created in the same transaction; null when it gets none. */
  jobId: string | null;
};

/**
 * Inserts a batch of deliveries in one statement; returns the ones stored by it (an eventId
 * already present, or repeated within the batch, is stored once), with their outcome. The caller
 * enqueues the processing jobs of the 'pending' ones in the same transaction.
 *
 * Rows go in eventId order, so two batches racing on the same eventIds take their unique-index
 * locks in the same order (no deadlock); DISTINCT ON keeps the first of a repeated eventId.
 */
export async function insertEvents(
  db: Db,
  events: readonly NewWebhookEvent[],
): Promise<Array<{ eventId: string; outcome: WebhookOutcome }>> {
  if (events.length === 0) return [];
  const res = await db.query<{ eventId: string; outcome: WebhookOutcome }>({
    name: 'webhook-events.insert-batch',
    text: `INSERT INTO webhook_events (event_id, event, item_id, raw, outcome, error, processed_at, job_id)
      SELECT DISTINCT ON (event_id) event_id, event, item_id, raw::jsonb,
             CASE WHEN handled THEN 'pending' ELSE 'ignored' END,
             CASE WHEN handled THEN NULL ELSE 'event type ' || event || ' is not handled' END,
             CASE WHEN handled THEN NULL ELSE now() END,
             job_id
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::uuid[])
               WITH ORDINALITY AS i(event_id, event, item_id, raw, handled, job_id, ord)
       ORDER BY event_id, ord
      ON CONFLICT (event_id) DO NOTHING
      RETURNING event_id AS "eventId", outcome`,
    values: [
      events.map((e) => e.eventId),
      events.map((e) => e.event),
      events.map((e) => e.itemId),
      events.map((e) => e.raw),
      events.map((e) => e.handled),
      events.map((e) => e.jobId),
    ],
  });
  return res.rows;
}

/** Stored events, all outcomes (benchmarks and checks). */
export async function countEvents(db: Db): Promise<number> {
  const res = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events');
  return res.rows[0]!.n;
}

export async function getEventByEventId(db: Db, eventId: string): Promise<WebhookEventRow | null> {
  const res = await db.query<WebhookEventRow>(`SELECT ${COLUMNS} FROM webhook_events WHERE event_id = $1`, [
    eventId,
  ]);
  return res.rows[0] ?? null;
}

async function setOutcome(
  db: Db,
  eventId: string,
  outcome: WebhookOutcome,
  error: string | null,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE webhook_events SET outcome = $2, error = $3, attempts = attempts + 1,
       processed_at = CASE WHEN $2 = 'failed' THEN processed_at ELSE now() END
     WHERE event_id = $1`,
    [eventId, outcome, error],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Handled successfully. Returns false for an unknown eventId. */
export function markProcessed(db: Db, eventId: string): Promise<boolean> {
  return setOutcome(db, eventId, 'processed', null);
}

/** Deliberately not acted on (unknown item, unhandled event type…); `reason` is kept in `error`. */
export function markIgnored(db: Db, eventId: string, reason: string): Promise<boolean> {
  return setOutcome(db, eventId, 'ignored', reason);
}

/** An attempt failed (the job queue may retry; a later markProcessed clears the error). */
export function markFailed(db: Db, eventId: string, error: string): Promise<boolean> {
  return setOutcome(db, eventId, 'failed', error);
}

/**
 * Candidates for the redrive (src/webhooks/redrive.ts), oldest first, after `after` (the last one
 * of the previous page): pending or failed, received before `olderThan`, tried fewer than
 * `maxAttempts` times, of a type in `handledEvents`, not judged unprocessable — with the id of the
 * job they were last given, if any. Whether that job is still queued or running is pg-boss's to
 * say (the caller asks it). "Unprocessable" is told by the `error` text: describeError
 * (src/domain/describeError.ts) starts it with the error's name, `UnprocessableWebhookEvent: <message>`.
 */
export async function listEventsToRedrive(
  db: Db,
  opts: {
    olderThan: Date;
    maxAttempts: number;
    limit: number;
    handledEvents: readonly string[];
    after?: { receivedAt: Date; id: string };
  },
): Promise<Array<{ id: string; eventId: string; receivedAt: Date; jobId: string | null }>> {
  const res = await db.query<{ id: string; eventId: string; receivedAt: Date; jobId: string | null }>(
    `SELECT id, event_id AS "eventId", received_at AS "receivedAt", job_id AS "jobId"
       FROM webhook_events
      WHERE outcome IN ('pending', 'failed')
        AND received_at < $1
        AND attempts < $2
        AND event = ANY($3::text[])
        AND (error IS NULL OR error NOT LIKE 'UnprocessableWebhookEvent%')
        AND ($5::timestamptz IS NULL OR (received_at, id) > ($5, $6::uuid))
      ORDER BY received_at, id
      LIMIT $4`,
    [
      opts.olderThan,
      opts.maxAttempts,
      [...opts.handledEvents],
      opts.limit,
      opts.after?.receivedAt ?? null,
      opts.after?.id ?? null,
    ],
  );
  return res.rows;
}

/** The job now in charge of this event (the redrive gave it a new one). */
export async function setEventJobId(db: Db, eventId: string, jobId: string): Promise<void> {
  await db.query('UPDATE webhook_events SET job_id = $2 WHERE event_id = $1', [eventId, jobId]);
}

/**
 * Erasure: every stored delivery about these items or naming this clientUserId (deliveries carry
 * it, and an item deleted earlier is no longer listed). Returns the item ids those deliveries
 * named, so their sync history can go too, and the count.
 */
export async function deleteEventsOfPerson(
  db: Db,
  clientUserId: string,
  itemIds: readonly string[],
): Promise<{ itemIds: string[]; deleted: number }> {
  const res = await db.query<{ itemId: string | null }>(
    `DELETE FROM webhook_events WHERE item_id = ANY($1::text[]) OR raw->>'clientUserId' = $2
     RETURNING item_id AS "itemId"`,
    [[...itemIds], clientUserId],
  );
  const named = new Set(res.rows.map((r) => r.itemId).filter((id): id is string => id !== null));
  return { itemIds: [...named], deleted: res.rowCount ?? 0 };
}

/** For metrics: stored deliveries by event type and outcome. */
export async function countEventsByTypeAndOutcome(
  db: Db,
): Promise<Array<{ event: string; outcome: string; n: number }>> {
  const res = await db.query<{ event: string; outcome: string; n: number }>(
    'SELECT event, outcome, count(*)::int AS n FROM webhook_events GROUP BY event, outcome',
  );
  return res.rows;
}

/** The stored rows of these events, in one query (the webhook worker loads a fetched batch at once). */
export async function getEventsByEventIds(db: Db, eventIds: readonly string[]): Promise<WebhookEventRow[]> {
  if (eventIds.length === 0) return [];
  const res = await db.query<WebhookEventRow>({
    name: 'webhook-events.by-event-ids',
    text: `SELECT ${COLUMNS} FROM webhook_events WHERE event_id = ANY($1::text[])`,
    values: [[...eventIds]],
  });
  return res.rows;
}

/**
 * Marks the event processed inside the caller's transaction, before its handler's writes: one
 * statement that both locks the row (so a replay racing a retry serializes: the second sees the first one's `processed`) and
 * records the outcome, which the handler's failure rolls back with everything else. Returns false
 * when the event is already processed (committed by another transaction, re-checked after waiting
 * for its lock) and `reprocess` is not set, or when it is no longer stored: nothing to do.
 */
export async function claimEventProcessed(
  client: pg.PoolClient,
  eventId: string,
  reprocess: boolean,
): Promise<boolean> {
  const res = await client.query({
    name: 'webhook-events.claim-processed',
    text: `UPDATE webhook_events SET outcome = 'processed', error = NULL, attempts = attempts + 1,
             processed_at = now()
            WHERE event_id = $1 AND ($2::boolean OR outcome <> 'processed')`,
    values: [eventId, reprocess],
  });
  return (res.rowCount ?? 0) > 0;
}

/** The operator's status: stored deliveries waiting or failed, and when the oldest waiting arrived. */
export async function webhookBacklog(
  db: Db,
): Promise<{ pending: number; failed: number; oldestPendingAt: Date | null }> {
  const res = await db.query<{ pending: number; failed: number; oldestPendingAt: Date | null }>(
    `SELECT count(*) FILTER (WHERE outcome = 'pending')::int AS pending,
            count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
            min(received_at) FILTER (WHERE outcome = 'pending') AS "oldestPendingAt"
       FROM webhook_events WHERE outcome IN ('pending', 'failed')`,
  );
  return res.rows[0] ?? { pending: 0, failed: 0, oldestPendingAt: null };
}

/** `webhooks list --failed|--pending`: the events of one outcome, oldest first, without payloads. */
export async function listEventsByOutcome(
  db: Db,
  outcome: 'pending' | 'failed',
  limit: number,
): Promise<Array<Omit<WebhookEventRow, 'raw'>>> {
  const res = await db.query<Omit<WebhookEventRow, 'raw'>>(
    `SELECT id, event_id AS "eventId", event, item_id AS "itemId", received_at AS "receivedAt",
            processed_at AS "processedAt", outcome, error, attempts
       FROM webhook_events WHERE outcome = $1 ORDER BY received_at, id LIMIT $2`,
    [outcome, limit],
  );
  return res.rows;
}

/**
 * The channel on which a process that stored deliveries tells the worker processes (`--role
 * worker`) to fetch now instead of at their next poll. A hint only: a lost notification costs at
 * most the poll interval, as every job is in the queue.
 */
const EVENTS_STORED_CHANNEL = 'pluggy_bridge_webhook_events_stored';

export async function notifyEventsStored(db: Db): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [EVENTS_STORED_CHANNEL, '']);
}

/**
 * Holds one connection of `pool` listening on the channel and calls `onNotify` for each
 * notification (and once after every (re)connection: what was sent while it was down is missed).
 * A lost connection is retried every `retryMs`. Returns the stop function.
 */
export async function listenForStoredEvents(
  pool: pg.Pool,
  onNotify: () => void,
  onError: (err: Error) => void,
  retryMs = 5_000,
): Promise<() => Promise<void>> {
  let client: pg.PoolClient | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const drop = (c: pg.PoolClient, err?: Error) => {
    if (client !== c) return;
    client = undefined;
    c.release(err ?? true);
    if (!stopped) timer = setTimeout(() => void connect(), retryMs);
  };
  const connect = async () => {
    if (stopped) return;
    let c: pg.PoolClient | undefined;
    try {
      c = await pool.connect();
      const mine = c;
      client = mine;
      mine.on('notification', (m) => {
        if (m.channel === EVENTS_STORED_CHANNEL) onNotify();
      });
      mine.on('error', (err) => {
        onError(err);
        drop(mine, err);
      });
      await mine.query(`LISTEN ${EVENTS_STORED_CHANNEL}`);
      onNotify();
    } catch (err) {
      onError(err as Error);
      if (c) drop(c, err as Error);
      else if (!stopped) timer = setTimeout(() => void connect(), retryMs);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const c = client;
    client = undefined;
    if (c) {
      await c.query(`UNLISTEN ${EVENTS_STORED_CHANNEL}`).catch(() => {});
      c.release();
    }
  };
}
