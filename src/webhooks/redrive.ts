import { listEventsToRedrive, setEventJobId } from '../db/queries/webhookEvents.ts';
import { withTransaction } from '../db/pool.ts';
import { type Boss, enqueue, QUEUES } from '../sync/jobs.ts';
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
 *
 * Whether an event's job is still queued is pg-boss's answer about the job id kept in the event's
 * row (`getJobById`), not a read of pg-boss's tables. A job pg-boss no longer has (archived,
 * deleted, or never created) counts as gone, as does one completed, failed or cancelled while its
 * event stayed unprocessed.
 */
export async function redriveWebhookEvents(deps: WebhookDeps, opts: RedriveOptions = {}): Promise<string[]> {
  const olderThan = new Date(Date.now() - (opts.olderThanMinutes ?? 30) * 60_000);
  const limit = opts.limit ?? 500;
  const queued: string[] = [];
  // Page by page: candidates whose jobs are still waiting must not hide the others behind them.
  let after: { receivedAt: Date; id: string } | undefined;
  while (queued.length < limit) {
    const page = await listEventsToRedrive(deps.pool, {
      olderThan,
      maxAttempts: opts.maxAttempts ?? 30,
      limit,
      handledEvents: HANDLED_EVENTS,
      ...(after ? { after } : {}),
    });
    for (const event of page) {
      if (queued.length >= limit) break;
      if (event.jobId && (await jobStillWaiting(deps.boss, event.jobId))) continue;
      await requeue(deps, event.eventId);
      queued.push(event.eventId);
    }
    if (page.length < limit) break;
    after = page.at(-1);
  }
  if (queued.length)
    deps.logger.warn({ count: queued.length }, 'webhook events queued again after their retries ran out');
  return queued;
}

const WAITING_STATES: ReadonlySet<string> = new Set(['created', 'retry', 'active']);

async function jobStillWaiting(boss: Boss, jobId: string): Promise<boolean> {
  const job = await boss.getJobById(QUEUES.webhookEvent, jobId);
  return job !== null && WAITING_STATES.has(job.state);
}

/** A new job for the event, and its id in the event's row, in one transaction. */
async function requeue(deps: WebhookDeps, eventId: string): Promise<void> {
  await withTransaction(deps.pool, async (client) => {
    const jobId = await enqueue(deps.boss, QUEUES.webhookEvent, { eventId }, { db: client });
    if (!jobId) throw new Error(`pg-boss created no ${QUEUES.webhookEvent} job (is the queue missing?)`);
    await setEventJobId(client, eventId, jobId);
  });
}
