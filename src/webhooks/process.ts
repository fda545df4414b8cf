import type pg from 'pg';
import type PgBoss from 'pg-boss';
import {
  claimEventProcessed,
  getEventByEventId,
  getEventsByEventIds,
  markFailed,
  markIgnored,
  markProcessed,
  type WebhookEventRow,
} from '../db/queries/webhookEvents.ts';
import { enqueue, QUEUES, rateLimitDelaySeconds, type WebhookEventJob } from '../sync/jobs.ts';
import { withTransaction } from '../db/pool.ts';
import { describeError } from '../domain/describeError.ts';
import { type LeaseKeeper, type LeaseOptions, settledWithin, startLeaseKeeper } from '../sync/leases.ts';
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
  opts: ProcessOptions = {},
): Promise<ProcessOutcome> {
  const seen: { event?: string; itemId?: string | null } = {};
  const outcome = await processStoredEvent(deps, eventId, opts, seen);
  // One line per event, ids only: payloads may hold personal data.
  deps.logger.info(
    { event: seen.event, eventId, itemId: seen.itemId ?? undefined, outcome },
    'webhook event processed',
  );
  return outcome;
}

export type ProcessOptions = {
  replay?: boolean;
  /**
   * The event's row as already loaded (the worker reads a fetched batch's rows in one query). It
   * may be a little old: whether the event is already processed is decided again, under the
   * row's lock, when the handler commits.
   */
  row?: WebhookEventRow | null;
};

async function processStoredEvent(
  deps: WebhookDeps,
  eventId: string,
  opts: ProcessOptions,
  seen: { event?: string; itemId?: string | null },
): Promise<ProcessOutcome> {
  const row = opts.row !== undefined ? opts.row : await getEventByEventId(deps.pool, eventId);
  if (row) {
    seen.event = row.event;
    seen.itemId = row.itemId;
  }
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
    await withAsyncCommit(deps.pool, async (client) => {
      // Lock and outcome in one statement, before the handler's writes (its failure rolls it back).
      if (!(await claimEventProcessed(client, eventId, opts.replay ?? false))) {
        alreadyDone = true;
        return;
      }
      await fn(client);
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

/**
 * A transaction whose COMMIT does not wait for its WAL flush (synchronous_commit off, this
 * transaction only): an event's writes are small and many, and a flush per event capped the rate.
 * Nothing acknowledged can be lost by it. The receiver's insert, which the 2xx to Pluggy rests on,
 * stays synchronous. And the job that asked for this processing is completed afterwards by a
 * synchronous commit, which flushes the WAL up to its own record — this transaction's included,
 * as WAL is flushed in order. So after a crash either both survive, or the job is still active
 * and runs again, finding the event as it was (its effects are idempotent per event).
 */
function withAsyncCommit<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, fn, { asyncCommit: true });
}

export type WebhookWorkerOptions = {
  /** Events processed at once by this process. Default 16 (the service sizes it from SYNC_CONCURRENCY). */
  concurrency?: number;
  /** Most jobs taken per fetch. Default 50. */
  batchSize?: number;
  /**
   * How often an idle worker looks for work it was not told about (events stored by another
   * process, retries coming due). Default 2. Events this process stores wake it at once (`wake`).
   */
  pollingIntervalSeconds?: number;
  /** How long stop() waits for events in flight before handing them back to the queue. Default 25 s. */
  shutdownTimeoutMs?: number;
  /** When to queue again events whose retries ran out (src/webhooks/redrive.ts); false = never. */
  redriveCron?: string | false;
  /** Heartbeat and reclaim timings of the job leases (src/sync/leases.ts defaults). */
  leases?: LeaseOptions;
  /** The process's lease keeper, shared with its sync workers; its owner stops it. */
  leaseKeeper?: LeaseKeeper;
};

const WAKE_COALESCE_MS = 10;

/** Stops fetching, waits (bounded) for the events in flight; `wake()` says new events are stored. */
export type WebhookWorker = (() => Promise<void>) & { wake(): void };

/**
 * Consumes the webhook-event queue with a loop of its own over pg-boss's public fetch/complete/fail:
 * up to `concurrency` events in flight, topped up as each one finishes rather than batch by batch
 * (one slow event — a Pluggy call waiting out a rate limit — holds no others back), jobs fetched
 * many at a time, and finished jobs completed together. pg-boss's own `work` loop fetches, runs the
 * whole batch, then sleeps its polling interval even when more jobs wait; at one job per poll that
 * was 2 events per second.
 *
 * A failed event fails its own job (retried with the queue's back-off); a rate-limited one is
 * queued again after Pluggy's Retry-After. Returns the stop function, with `wake` attached.
 */
export async function startWebhookWorker(
  deps: WebhookDeps,
  opts: WebhookWorkerOptions = {},
): Promise<WebhookWorker> {
  const { boss, logger } = deps;
  const queue = QUEUES.webhookEvent;
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const batchSize = Math.max(1, opts.batchSize ?? 50);
  const pollMs = Math.max(100, (opts.pollingIntervalSeconds ?? 2) * 1000);
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 25_000;

  // A worker that dies holds its fetched jobs 'active' until pg-boss's expiry (minutes, then a
  // maintenance pass): leases let a live process take them back within seconds, as for syncs.
  // Taken with the fetch, released with a burst of completions: never a statement per event.
  const leases = opts.leaseKeeper ?? startLeaseKeeper(deps, opts.leases);
  const release = (jobIds: string[]) =>
    leases
      .releaseAll(jobIds)
      .catch((err: Error) =>
        logger.warn({ err: { message: err.message }, jobs: jobIds.length }, 'could not release job leases'),
      );

  const inFlight = new Map<string, Promise<void>>();
  let stopping = false;
  // Jobs fetched and not started yet. Fetching many at once matters: pg-boss's fetch sorts every
  // waiting job of the queue, so its cost grows with the backlog, and one fetch per finished event
  // made a backlog of 10 000 crawl.
  const buffer: PgBoss.JobWithMetadata<WebhookEventJob>[] = [];
  // The last fetch found fewer jobs than asked: no fetching again until news (a wake or the poll).
  let queueEmpty = false;
  let sleeping: (() => void) | undefined;
  const wakeLoop = () => sleeping?.();

  // Finished jobs are completed together: one statement per burst instead of one per event.
  let toComplete: string[] = [];
  let completing: Promise<void> | undefined;
  const flushCompletions = (): Promise<void> => {
    completing ??= (async () => {
      while (toComplete.length) {
        const ids = toComplete;
        toComplete = [];
        await boss
          .complete(queue, ids)
          .catch((err: Error) => logger.warn({ err, jobs: ids.length }, 'could not complete webhook jobs'));
        await release(ids);
      }
      completing = undefined;
    })();
    return completing;
  };

  // Rows of the fetched jobs' events, loaded in one query per fetch instead of one per event.
  const rows = new Map<string, WebhookEventRow>();

  const handle = async (job: PgBoss.JobWithMetadata<WebhookEventJob>): Promise<void> => {
    const row = rows.get(job.data.eventId);
    rows.delete(job.data.eventId);
    try {
      await processWebhookEvent(deps, job.data.eventId, row ? { row } : {});
      toComplete.push(job.id);
      void flushCompletions();
    } catch (err) {
      const waitSeconds = rateLimitDelaySeconds(err);
      if (waitSeconds !== undefined) {
        await enqueue(boss, queue, job.data, { startAfter: waitSeconds });
        logger.warn(
          { eventId: job.data.eventId, waitSeconds },
          'Pluggy rate-limited the event; stepped aside',
        );
        toComplete.push(job.id);
        void flushCompletions();
        return;
      }
      // The last attempt leaves the event 'failed' for good (until `webhooks replay` or the redrive).
      const final = job.retryCount >= job.retryLimit;
      logger[final ? 'error' : 'warn'](
        { eventId: job.data.eventId, jobId: job.id, attempt: job.retryCount + 1, error: describeError(err) },
        final ? 'webhook event processing failed for good' : 'webhook event processing failed; will retry',
      );
      await boss.fail(queue, job.id, { message: describeError(err) });
      await release([job.id]);
    }
  };

  /** Fails jobs we hold but will not finish, so the queue retries them now rather than at expiry. */
  const handBack = async (jobIds: string[], message: string) => {
    await Promise.all(
      jobIds.map((id) =>
        boss
          .fail(queue, id, { message })
          .catch((err: Error) => logger.warn({ err, jobId: id }, 'could not hand a webhook job back')),
      ),
    );
    await release(jobIds);
  };

  const run = (job: PgBoss.JobWithMetadata<WebhookEventJob>) => {
    const p = handle(job)
      .catch((err: Error) => logger.error({ err, jobId: job.id }, 'webhook job bookkeeping failed'))
      .finally(() => {
        inFlight.delete(job.id);
        wakeLoop();
      });
    inFlight.set(job.id, p);
  };

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        queueEmpty = false; // the poll: look again for work nobody told us about
        done();
      }, pollMs);
      const done = () => {
        clearTimeout(timer);
        sleeping = undefined;
        resolve();
      };
      sleeping = done;
    });

  const loop = (async () => {
    while (!stopping) {
      while (inFlight.size < concurrency && buffer.length) run(buffer.shift()!);
      const held = inFlight.size + buffer.length;
      const want = Math.min(batchSize, concurrency + batchSize - held);
      // Fetch when the queue may hold work and a worthwhile batch fits (or nothing is held at all).
      if (!queueEmpty && want > 0 && (held === 0 || want >= Math.ceil(batchSize / 2))) {
        let jobs: PgBoss.JobWithMetadata<WebhookEventJob>[];
        try {
          // Each job's lease is taken in the fetch's own transaction (leases.ts).
          jobs = await leases.fetch<WebhookEventJob>(queue, want);
        } catch (err) {
          logger.warn({ err }, 'fetching webhook jobs failed; will try again');
          queueEmpty = true;
          await sleep();
          continue;
        }
        await getEventsByEventIds(
          deps.pool,
          jobs.map((j) => j.data.eventId),
        )
          .then((found) => {
            for (const r of found) rows.set(r.eventId, r);
          })
          // Each event then reads its own row, as without the batch.
          .catch((err: Error) => logger.warn({ err }, 'could not load the fetched webhook events'));
        buffer.push(...jobs);
        if (jobs.length < want) queueEmpty = true;
        continue;
      }
      await sleep();
    }
    // Fetched but never started: back in line at once (cancel + resume keeps them immediately due).
    const unstarted = buffer.splice(0).map((j) => j.id);
    if (unstarted.length) {
      await boss
        .cancel(queue, unstarted)
        .then(() => boss.resume(queue, unstarted))
        .catch((err: Error) => logger.warn({ err }, 'could not hand back unstarted webhook jobs'));
      await release(unstarted);
    }
  })();

  const ids: string[] = [];
  const redriveCron = opts.redriveCron ?? '*/30 * * * *';
  if (redriveCron) {
    ids.push(
      await boss.work(QUEUES.webhookRedrive, { pollingIntervalSeconds: 30 }, async () => {
        await redriveWebhookEvents(deps);
      }),
    );
    await boss.schedule(QUEUES.webhookRedrive, redriveCron, {}, { tz: 'UTC' });
  }

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      wakeLoop();
      for (const id of ids) await boss.offWork({ id });
      await loop;
      const left = await settledWithin([...inFlight.values()], shutdownTimeoutMs);
      if (left) {
        // Still running after the grace period: their jobs go back to the queue now (processing is
        // idempotent per event, so a late finish here and a retry elsewhere cannot apply it twice).
        const jobIds = [...inFlight.keys()];
        logger.warn(
          { jobs: jobIds.length },
          'webhook events still in flight at shutdown; handed back to the queue',
        );
        await handBack(jobIds, 'service stopped before the event finished');
      }
      await flushCompletions();
      if (!opts.leaseKeeper) await leases.stop();
    })();
    return stopped;
  };
  // Deliveries arrive one by one; a fetch per delivery would cost more than the events. A wake
  // waits a few milliseconds so the deliveries of a burst share one fetch.
  let wakeTimer: NodeJS.Timeout | undefined;
  const wake = () => {
    if (wakeTimer) return;
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      queueEmpty = false;
      wakeLoop();
    }, WAKE_COALESCE_MS);
  };
  return Object.assign(stop, { wake });
}
