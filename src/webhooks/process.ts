import type PgBoss from 'pg-boss';
import { withTransaction } from '../db/pool.ts';
import {
  getEventByEventId,
  lockEvent,
  markFailed,
  markIgnored,
  markProcessed,
} from '../db/queries/webhookEvents.ts';
import { enqueue, QUEUES, rateLimitDelaySeconds, type WebhookEventJob } from '../sync/jobs.ts';
import { describeError } from '../domain/describeError.ts';
import { isHandledEvent } from './events.ts';
import { HANDLERS } from './handlers/index.ts';
import { redriveWebhookEvents } from './redrive.ts';
import {
  type HandlerContext,
  type StoredWebhookEvent,
  UnprocessableWebhookEvent,
  type WebhookDeps,
} from './types.ts';

export type ProcessOutcome =
  /** The handler ran and its effects are committed. */
  | 'processed'
  /** Already processed (or ignored) earlier: nothing done again. */
  | 'already-done'
  /** Not an event type this service acts on. */
  | 'ignored'
  /** The payload can never be processed; marked failed, not retried. */
  | 'failed'
  /** No stored event with this id. */
  | 'missing';

/**
 * Processes one stored webhook event: dispatches it to the handler of its type, which does small
 * database writes and enqueues sync jobs (never a sync inline: the sync workers hold the
 * one-sync-per-item lock). A transient failure is recorded on the row and rethrown so the job
 * queue retries with back-off; every attempt is counted on the row.
 *
 * `replay: true` runs the handler again even when the event was processed before (the CLI's
 * `webhooks replay`).
 */
export async function processWebhookEvent(
  deps: WebhookDeps,
  eventId: string,
  opts: { replay?: boolean } = {},
): Promise<ProcessOutcome> {
  const row = await getEventByEventId(deps.pool, eventId);
  if (!row) {
    deps.logger.warn({ eventId }, 'webhook event to process is not stored');
    return 'missing';
  }
  if (!opts.replay && (row.outcome === 'processed' || row.outcome === 'ignored')) return 'already-done';
  if (!isHandledEvent(row.event)) {
    await markIgnored(deps.pool, eventId, `event type ${row.event} is not handled`);
    return 'ignored';
  }
  const event: StoredWebhookEvent = {
    eventId: row.eventId,
    event: row.event,
    itemId: row.itemId,
    receivedAt: row.receivedAt,
    payload: (row.raw ?? {}) as Record<string, unknown>,
  };

  let committed = false;
  let alreadyDone = false;
  const commit: HandlerContext['commit'] = async (fn) => {
    if (committed) throw new Error(`handler of ${event.event} committed twice`);
    await withTransaction(deps.pool, async (client) => {
      const outcome = await lockEvent(client, eventId);
      if (!opts.replay && outcome === 'processed') {
        alreadyDone = true;
        return;
      }
      await fn(client);
      await markProcessed(client, eventId);
    });
    committed = true;
  };

  try {
    await HANDLERS[row.event]({ deps, event, commit });
    if (alreadyDone) return 'already-done';
    // A handler with nothing to write (e.g. the item is already gone at Pluggy) still finished.
    if (!committed) await markProcessed(deps.pool, eventId);
    return 'processed';
  } catch (err) {
    // PluggyError messages are already redacted; nothing else carries secrets.
    const message = describeError(err);
    if (err instanceof UnprocessableWebhookEvent) {
      deps.logger.warn({ eventId, event: row.event, error: message }, 'webhook event cannot be processed');
      await markFailed(deps.pool, eventId, message);
      return 'failed';
    }
    // Best effort: when the database itself is the failure, the job's retry is what matters.
    await markFailed(deps.pool, eventId, message).catch(() => {});
    throw err;
  }
}

export type WebhookWorkerOptions = {
  /** Events processed at once (each a pg-boss worker polling the queue). Default 2. */
  concurrency?: number;
  /** How often an idle worker polls; pg-boss's minimum is 0.5. Default 1. */
  pollingIntervalSeconds?: number;
  /** When to queue again events whose retries ran out (src/webhooks/redrive.ts); false = never. */
  redriveCron?: string | false;
};

/**
 * Consumes the webhook-event queue. Returns a stop function: stops fetching, then waits for the
 * events in flight.
 */
export async function startWebhookWorker(
  deps: WebhookDeps,
  opts: WebhookWorkerOptions = {},
): Promise<() => Promise<void>> {
  const ids: string[] = [];
  const running = new Set<Promise<unknown>>();
  const handle = async (job: PgBoss.JobWithMetadata<WebhookEventJob>) => {
    try {
      await processWebhookEvent(deps, job.data.eventId);
    } catch (err) {
      const waitSeconds = rateLimitDelaySeconds(err);
      if (waitSeconds !== undefined) {
        await enqueue(deps.boss, QUEUES.webhookEvent, job.data, { startAfter: waitSeconds });
        deps.logger.warn(
          { eventId: job.data.eventId, waitSeconds },
          'Pluggy rate-limited the event; stepped aside',
        );
        return;
      }
      // The last attempt leaves the event 'failed' for good (until `webhooks replay`).
      const final = job.retryCount >= job.retryLimit;
      deps.logger[final ? 'error' : 'warn'](
        { eventId: job.data.eventId, jobId: job.id, attempt: job.retryCount + 1, error: describeError(err) },
        final ? 'webhook event processing failed for good' : 'webhook event processing failed; will retry',
      );
      throw err;
    }
  };
  for (let i = 0; i < Math.max(1, opts.concurrency ?? 2); i++) {
    ids.push(
      await deps.boss.work<WebhookEventJob>(
        QUEUES.webhookEvent,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 },
        async ([job]) => {
          if (!job) return;
          const p = handle(job);
          const settled = p.catch(() => {});
          running.add(settled);
          try {
            await p;
          } finally {
            running.delete(settled);
          }
        },
      ),
    );
  }
  const redriveCron = opts.redriveCron ?? '*/30 * * * *';
  if (redriveCron) {
    ids.push(
      await deps.boss.work(QUEUES.webhookRedrive, { pollingIntervalSeconds: 30 }, async () => {
        await redriveWebhookEvents(deps);
      }),
    );
    await deps.boss.schedule(QUEUES.webhookRedrive, redriveCron, {}, { tz: 'UTC' });
  }
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    for (const id of ids) await deps.boss.offWork({ id });
    await Promise.all(running);
  };
}
