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
 * Stores a delivery once: a redelivered eventId inserts nothing and returns the existing row's id
 * with `inserted: false` (so the receiver acks it without enqueueing twice).
 */
export async function insertEvent(
  db: Db,
  ev: { eventId: string; event: string; itemId?: string | null; raw: unknown },
): Promise<{ inserted: boolean; id: string }> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO webhook_events (event_id, event, item_id, raw) VALUES ($1, $2, $3, $4)
     ON CONFLICT (event_id) DO NOTHING RETURNING id`,
    [ev.eventId, ev.event, ev.itemId ?? null, JSON.stringify(ev.raw)],
  );
  if (res.rows[0]) return { inserted: true, id: res.rows[0].id };
  // A separate statement: it sees a row a concurrent transaction committed after ours began.
  const existing = await db.query<{ id: string }>('SELECT id FROM webhook_events WHERE event_id = $1', [
    ev.eventId,
  ]);
  if (!existing.rows[0]) throw new Error(`webhook event ${ev.eventId} conflicted but cannot be found`);
  return { inserted: false, id: existing.rows[0].id };
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

/** Events still pending or failed that arrived before `receivedBefore`, oldest first: for re-enqueueing. */
export async function listUnfinishedEvents(
  db: Db,
  opts: { receivedBefore: Date; limit?: number },
): Promise<WebhookEventRow[]> {
  const res = await db.query<WebhookEventRow>(
    `SELECT ${COLUMNS} FROM webhook_events
     WHERE outcome IN ('pending', 'failed') AND received_at < $1
     ORDER BY received_at, id LIMIT $2`,
    [opts.receivedBefore, Math.min(Math.max(Math.trunc(opts.limit ?? 100), 1), 1000)],
  );
  return res.rows;
}
