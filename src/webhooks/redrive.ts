import { listEventsToRedrive } from '../db/queries/webhookEvents.ts';
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
 * 'failed'. This queues such events again (listEventsToRedrive), skipping those whose job is still
 * queued or running, those judged unprocessable (a payload that can never work fails once, on
 * purpose), and those already tried `maxAttempts` times. Returns their eventIds.
 */
export async function redriveWebhookEvents(deps: WebhookDeps, opts: RedriveOptions = {}): Promise<string[]> {
  const olderThan = new Date(Date.now() - (opts.olderThanMinutes ?? 30) * 60_000);
  const eventIds = await listEventsToRedrive(deps.pool, {
    olderThan,
    maxAttempts: opts.maxAttempts ?? 30,
    limit: opts.limit ?? 500,
    handledEvents: HANDLED_EVENTS,
    queue: QUEUES.webhookEvent,
  });
  for (const eventId of eventIds) await enqueue(deps.boss, QUEUES.webhookEvent, { eventId });
  if (eventIds.length)
    deps.logger.warn({ count: eventIds.length }, 'webhook events queued again after their retries ran out');
  return eventIds;
}
