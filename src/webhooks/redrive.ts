import type { Db } from '../db/pool.ts';
import { enqueue, QUEUES } from '../sync/jobs.ts';
import { HANDLED_EVENTS } from './events.ts';
import type { WebhookDeps } from './types.ts';

export type RedriveOptions = {
  /** Only events received before now minus this; younger ones may still be in their retries. */
  olderThanMinutes?: number;
  /** Processing attempts after which an event stays failed for an operator (`webhooks replay`). */
  maxAttempts?: number;
  limit?: number;
};

/**
 * A stored event must never be silently lost. Its job retries with back-off, but a long outage
 * (Pluggy or the database down for hours) can exhaust them and leave the event 'pending' or
 * 'failed'. This selects such events again, skipping those whose job is still queued or running,
 * those judged unprocessable (a payload that can never work fails once, on purpose), and those
 * already tried `maxAttempts` times.
 */
export async function findEventsToRedrive(
  db: Db,
  opts: { olderThan: Date; maxAttempts: number; limit: number },
): Promise<string[]> {
  const res = await db.query<{ event_id: string }>(
    `SELECT e.event_id FROM webhook_events e
      WHERE e.outcome IN ('pending', 'failed')
        AND e.received_at < $1
        AND e.attempts < $2
        AND e.event = ANY($3::text[])
        AND (e.error IS NULL OR e.error NOT LIKE 'UnprocessableWebhookEvent%')
        AND NOT EXISTS (
          SELECT 1 FROM pgboss.job j
           WHERE j.name = $4 AND j.data->>'eventId' = e.event_id AND j.state < 'completed')
      ORDER BY e.received_at
      LIMIT $5`,
    [opts.olderThan, opts.maxAttempts, [...HANDLED_EVENTS], QUEUES.webhookEvent, opts.limit],
  );
  return res.rows.map((r) => r.event_id);
}

/** Queues every event `findEventsToRedrive` selects; returns their eventIds. */
export async function redriveWebhookEvents(deps: WebhookDeps, opts: RedriveOptions = {}): Promise<string[]> {
  const olderThan = new Date(Date.now() - (opts.olderThanMinutes ?? 30) * 60_000);
  const eventIds = await findEventsToRedrive(deps.pool, {
    olderThan,
    maxAttempts: opts.maxAttempts ?? 30,
    limit: opts.limit ?? 500,
  });
  for (const eventId of eventIds) await enqueue(deps.boss, QUEUES.webhookEvent, { eventId });
  if (eventIds.length)
    deps.logger.warn({ count: eventIds.length }, 'webhook events queued again after their retries ran out');
  return eventIds;
}
