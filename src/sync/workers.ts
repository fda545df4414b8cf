import type PgBoss from 'pg-boss';
import type { SyncDeps } from './deps.ts';
import { deleteTransactions } from './deleteTransactions.ts';
import { ItemBusyError } from './itemLock.ts';
import { type LeaseKeeper, type LeaseOptions, settledWithin, startLeaseKeeper } from './leases.ts';
import {
  type Boss,
  enqueue,
  type ItemPurgeJob,
  type ItemSyncJob,
  type JobPayloads,
  QUEUES,
  type QueueName,
  rateLimitDelaySeconds,
  type TransactionIdsJob,
  type TransactionsCreatedJob,
} from './jobs.ts';
import { purgeItem } from './purgeItem.ts';
import { refreshTransactions } from './refreshTransactions.ts';
import { describeError } from '../domain/describeError.ts';
import { runSafetyNet } from './safetyNet.ts';
import { syncItem } from './syncItem.ts';
import { syncNewTransactions } from './syncNewTransactions.ts';

export type SyncWorkerDeps = SyncDeps & {
  boss: Boss;
  /** The service passes its whole config; only `sync` is read. */
  config?: { sync: { staleAfterHours: number; concurrency: number }; shutdownTimeoutSeconds?: number };
};

export type SyncWorkerOptions = {
  /** Jobs of each queue run at once in this process (default config SYNC_CONCURRENCY, else 2). */
  concurrency?: number;
  /** Default config SYNC_STALE_AFTER_HOURS, else 24. */
  staleAfterHours?: number;
  /** When the safety net runs (cron, UTC); default every 15 minutes. */
  safetyNetCron?: string;
  /** How often an idle worker polls its queue (default 2 s). */
  pollingIntervalSeconds?: number;
  /** How long a job waits for another job of the same item before stepping aside (default 5 s). */
  lockWaitMs?: number;
  /** A job that stepped aside is queued again this much later (default 30 s). */
  busyRetrySeconds?: number;
  /**
   * How long stop() waits for running jobs (default config SHUTDOWN_TIMEOUT_SECONDS, else 25 s).
   * What still runs then is left to recovery: its lease goes stale and another process (or this
   * service restarted) hands the job back to the queue (leases.ts).
   */
  shutdownTimeoutMs?: number;
  /** Heartbeat and reclaim timings of the job leases (leases.ts defaults). */
  leases?: LeaseOptions;
  /**
   * The process's lease keeper, shared with its webhook worker (one heartbeat and one reclaimer per
   * process); its owner stops it. Without one, these workers keep their own.
   */
  leaseKeeper?: LeaseKeeper;
};

type Handler<Q extends QueueName> = (
  data: JobPayloads[Q],
  jobId: string,
  lock: { lockWaitMs: number },
) => Promise<unknown>;

/**
 * Consumes every sync queue of jobs.ts except `webhook-event` (the webhook receiver's own worker).
 * Each job takes its item's lock; if another job of the same item holds it past a short wait, the
 * job steps aside — queued again a little later (item syncs coalesce into the one already queued)
 * — instead of holding a worker or spending a retry. Any other failure fails the job in pg-boss, which
 * retries with back-off (queue settings in jobs.ts) and finally keeps the job as failed; every
 * attempt is also a failed sync_runs row with its error. Every attempt holds a lease renewed by
 * this process, so the job of a process that dies is retried within seconds (leases.ts) instead of
 * after its hour-long expiry. Returns a stop function (bounded: `shutdownTimeoutMs`).
 */
export async function startSyncWorkers(
  deps: SyncWorkerDeps,
  opts: SyncWorkerOptions = {},
): Promise<() => Promise<void>> {
  const { boss, logger } = deps;
  const concurrency = Math.max(1, opts.concurrency ?? deps.config?.sync.concurrency ?? 2);
  const staleAfterHours = opts.staleAfterHours ?? deps.config?.sync.staleAfterHours ?? 24;
  const lockWaitMs = opts.lockWaitMs ?? 5_000;
  const busyRetrySeconds = opts.busyRetrySeconds ?? 30;
  const pollMs = Math.max(100, (opts.pollingIntervalSeconds ?? 2) * 1000);
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? (deps.config?.shutdownTimeoutSeconds ?? 25) * 1000;
  const running = new Set<Promise<void>>();
  const leases = opts.leaseKeeper ?? startLeaseKeeper(deps, opts.leases);
  let stopping = false;
  const sleepers = new Set<() => void>();
  const idle = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      sleepers.add(done);
    });
  const itemIdOf = (data: object) => (data as { itemId?: string }).itemId ?? null;

  /**
   * One job at a time per slot, `count` slots per queue. Our own loop rather than pg-boss's work():
   * the job and its lease are taken in one transaction (leases.ts fetch), so a process killed
   * between the two never leaves a job active without a lease.
   */
  const register = async <Q extends QueueName>(queue: Q, count: number, handle: Handler<Q>) => {
    const slot = async () => {
      while (!stopping) {
        let job: PgBoss.JobWithMetadata<JobPayloads[Q]> | undefined;
        try {
          [job] = await leases.fetch<JobPayloads[Q] & object>(queue, 1, itemIdOf);
        } catch (err) {
          logger.warn(
            { err: { message: (err as Error).message }, queue },
            'fetching sync jobs failed; will try again',
          );
        }
        if (!job) {
          await idle();
          continue;
        }
        const p = runJob(queue, job, handle);
        running.add(p);
        try {
          await p;
        } finally {
          running.delete(p);
        }
      }
    };
    for (let i = 0; i < count; i++) void slot();
  };

  const runJob = async <Q extends QueueName>(
    queue: Q,
    job: PgBoss.JobWithMetadata<JobPayloads[Q]>,
    handle: Handler<Q>,
  ): Promise<void> => {
    const log = logger.child({ queue, jobId: job.id, itemId: itemIdOf(job.data as object) ?? undefined });
    try {
      await handle(job.data, job.id, { lockWaitMs });
      await boss.complete(queue, job.id);
    } catch (err) {
      await settleFailure(queue, job, err, log);
    } finally {
      await leases
        .releaseAll([job.id])
        .catch((e: Error) => log.warn({ err: { message: e.message } }, 'could not release a job lease'));
    }
  };

  /** A job that did not finish: stepped aside (queued again, this one completed), or failed. */
  const settleFailure = async <Q extends QueueName>(
    queue: Q,
    job: PgBoss.JobWithMetadata<JobPayloads[Q]>,
    err: unknown,
    log: typeof logger,
  ): Promise<void> => {
    try {
      if (err instanceof ItemBusyError) {
        const again = await enqueue(boss, queue, job.data, { startAfter: busyRetrySeconds });
        log.info({ requeued: again ?? 'coalesced' }, 'item busy with another job; stepped aside');
        await boss.complete(queue, job.id);
        return;
      }
      const waitSeconds = rateLimitDelaySeconds(err);
      if (waitSeconds !== undefined) {
        const again = await enqueue(boss, queue, job.data, { startAfter: waitSeconds });
        log.warn(
          { requeued: again ?? 'coalesced', waitSeconds },
          'Pluggy rate-limited the job; stepped aside',
        );
        await boss.complete(queue, job.id);
        return;
      }
      const final = job.retryCount >= job.retryLimit;
      log[final ? 'error' : 'warn'](
        { err: describeError(err), attempt: job.retryCount + 1, of: job.retryLimit + 1 },
        final ? 'sync job failed for good' : 'sync job failed; will retry',
      );
      await boss.fail(queue, job.id, { message: describeError(err) });
    } catch (e) {
      // The lease goes with this attempt; the job, still active, is reclaimed once it is stale.
      log.error({ err: { message: (e as Error).message } }, 'could not settle a sync job');
    }
  };

  await register(QUEUES.itemSync, concurrency, (data: ItemSyncJob, jobId, lock) =>
    syncItem(deps, data.itemId, { reason: data.reason, jobId, ...lock }),
  );
  await register(QUEUES.transactionsCreated, concurrency, (data: TransactionsCreatedJob, jobId, lock) =>
    syncNewTransactions(deps, data, { jobId, ...lock }),
  );
  await register(QUEUES.transactionsUpdated, concurrency, (data: TransactionIdsJob, jobId, lock) =>
    refreshTransactions(deps, data, { jobId, ...lock }),
  );
  await register(QUEUES.transactionsDeleted, concurrency, (data: TransactionIdsJob, jobId, lock) =>
    deleteTransactions(deps, data, { jobId, ...lock }),
  );
  await register(QUEUES.itemPurge, 1, (data: ItemPurgeJob, jobId, lock) =>
    purgeItem(deps, data.itemId, { jobId, ...lock }),
  );
  await register(QUEUES.safetyNet, 1, () => runSafetyNet(deps, { staleAfterHours }));
  await boss.schedule(QUEUES.safetyNet, opts.safetyNetCron ?? '*/15 * * * *', {}, { tz: 'UTC' });

  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    // The slots stop fetching; the jobs already running are awaited here, for a bounded time.
    stopping = true;
    for (const wake of [...sleepers]) wake();
    const left = await settledWithin([...running], shutdownTimeoutMs);
    if (left)
      logger.warn(
        { jobs: running.size, waitedMs: shutdownTimeoutMs },
        'sync jobs still running at shutdown; left to recovery (their leases go stale, the jobs are retried and resume from their last batch)',
      );
    if (!opts.leaseKeeper) await leases.stop();
  };
}
