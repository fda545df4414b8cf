import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import {
  claimStaleLease,
  heartbeatLeases,
  type JobLease,
  listStaleLeases,
  releaseLeases,
  takeLeases,
} from '../db/queries/jobLeases.ts';
import type { Logger } from '../log.ts';
import { ItemBusyError, withItemLock } from './itemLock.ts';
import { type Boss, inTransaction } from './jobs.ts';
import { withTransaction } from '../db/pool.ts';
import type PgBoss from 'pg-boss';
import { abandonItemRuns } from '../db/queries/syncRuns.ts';

/**
 * Recovery of jobs whose worker process died (kill -9, OOM, a platform's kill after its grace
 * period). pg-boss 10 notices a dead worker only when the job's expiry runs out — an hour for a
 * sync — and offers no heartbeat. So each running attempt holds a lease row (job_leases) that its
 * process renews every few seconds with one statement; every process runs a reclaimer that looks
 * for leases nobody renewed for `staleSeconds` and puts their jobs back in line through pg-boss's
 * public API (cancel + resume; `fail` once the job's retries are spent).
 *
 * Two conditions, so a live but slow worker is never robbed: the heartbeat stopped AND the item's
 * advisory lock is free (PostgreSQL drops a dead session's locks at once; a sync holds its item's
 * lock from start to end). The reclaimer takes that lock itself while it closes the dead run's
 * sync_runs row as failed and fails the job, so nothing of the item runs meanwhile. The retried
 * sync resumes from its last committed batch, as any sync does.
 */

const UNIQUE_VIOLATION = '23505';

export type LeaseOptions = {
  /** How often this process renews its leases. Default 2 s. */
  heartbeatSeconds?: number;
  /** A lease not renewed for this long belongs to a dead process. Default 10 s. */
  staleSeconds?: number;
  /** How often the reclaimer looks (it also looks once at start). Default 3 s. */
  reclaimEverySeconds?: number;
};

export type LeaseKeeper = {
  /** This process, as lease owner: host, pid and a random part (a restarted pid is another owner). */
  owner: string;
  /**
   * pg-boss's fetch with each job's lease written in the same transaction: a job is never active
   * without a lease, so a process killed at any moment leaves nothing that only pg-boss's expiry
   * (an hour for a sync) would hand back. `itemIdOf` names the item whose lock a job takes, if any.
   */
  fetch<T extends object>(
    queue: string,
    batchSize: number,
    itemIdOf?: (data: T) => string | null,
  ): Promise<PgBoss.JobWithMetadata<T>[]>;
  /** Ends leases taken with fetch, in one statement (jobs completed, failed or handed back). */
  releaseAll(jobIds: readonly string[]): Promise<void>;
  /** One reclaim pass now (also run on a timer); returns the job ids handed back. */
  reclaim(): Promise<string[]>;
  /** Stops renewing and reclaiming. Leases of attempts still running go stale: that is the point. */
  stop(): Promise<void>;
};

export function startLeaseKeeper(
  deps: { pool: pg.Pool; boss: Boss; logger: Logger },
  opts: LeaseOptions = {},
): LeaseKeeper {
  const { pool, boss, logger } = deps;
  const owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const staleSeconds = opts.staleSeconds ?? 10;
  let stopped = false;
  let reclaiming: Promise<string[]> | undefined;

  const heartbeat = setInterval(
    () => {
      heartbeatLeases(pool, owner).catch((err: Error) =>
        logger.warn({ err: { message: err.message } }, 'could not renew job leases'),
      );
    },
    (opts.heartbeatSeconds ?? 2) * 1000,
  );
  heartbeat.unref();

  const reclaimOne = async (lease: JobLease): Promise<boolean> => {
    if (!(await claimStaleLease(pool, lease, staleSeconds))) return false; // renewed, taken over, or another reclaimer's
    let abandoned = 0;
    if (lease.itemId) abandoned = await abandonItemRuns(pool, lease.itemId);
    const job = await boss.getJobById(lease.queue, lease.jobId);
    // Only the attempt the lease was for: a retry of the same job already running elsewhere is alive.
    const same = job?.state === 'active' && job.startedOn?.getTime() === lease.startedOn.getTime();
    let outcome: 'requeued' | 'coalesced' | 'failed' | 'already-ended' = 'already-ended';
    if (job && same) {
      const message = `worker ${lease.owner} stopped renewing its lease (process died)`;
      if (job.retryCount >= job.retryLimit) {
        await boss.fail(lease.queue, lease.jobId, { message });
        outcome = 'failed';
      } else {
        // Back in line at once: `fail` would apply the queue's retry back-off, which is meant to
        // give Pluggy time to recover, and a dead process is no Pluggy failure. The attempt still
        // counts (pg-boss counts a fetch of a job that started before), so a job that keeps
        // killing its worker ends failed like any other.
        await boss.cancel(lease.queue, lease.jobId);
        outcome = (await resumed(lease)) ? 'requeued' : 'coalesced';
      }
    }
    logger.warn(
      {
        queue: lease.queue,
        jobId: lease.jobId,
        itemId: lease.itemId ?? undefined,
        deadOwner: lease.owner,
        outcome,
        runsClosed: abandoned,
      },
      'reclaimed a job whose worker died',
    );
    return outcome === 'requeued';
  };

  /**
   * Resumes a cancelled job. An item sync ('short' policy) cannot be resumed while another sync of
   * the item is queued — that one does the work, so false; any other failure is thrown.
   */
  const resumed = async (lease: JobLease): Promise<boolean> => {
    try {
      await boss.resume(lease.queue, lease.jobId);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false;
      logger.error(
        { err, jobId: lease.jobId, queue: lease.queue },
        'could not put a reclaimed job back in line; the safety net will re-sync its item',
      );
      throw err;
    }
  };

  const pass = async (): Promise<string[]> => {
    const handedBack: string[] = [];
    for (const lease of await listStaleLeases(pool, staleSeconds)) {
      if (stopped) break;
      if (lease.owner === owner) continue; // ours: we are alive; a missed heartbeat is not death
      try {
        const requeued = lease.itemId
          ? await withItemLock(pool, lease.itemId, { waitMs: 0 }, () => reclaimOne(lease))
          : await reclaimOne(lease);
        if (requeued) handedBack.push(lease.jobId);
      } catch (err) {
        // Busy: someone is running the item, so the attempt may be alive; look again next pass.
        if (!(err instanceof ItemBusyError))
          logger.warn({ err, jobId: lease.jobId }, 'could not reclaim a stale job lease');
      }
    }
    return handedBack;
  };

  const reclaim = () => {
    reclaiming ??= pass().finally(() => {
      reclaiming = undefined;
    });
    return reclaiming;
  };

  const timer = setInterval(
    () => {
      reclaim().catch((err: Error) => logger.warn({ err }, 'job lease reclaim failed'));
    },
    (opts.reclaimEverySeconds ?? 3) * 1000,
  );
  timer.unref();
  reclaim().catch((err: Error) => logger.warn({ err }, 'job lease reclaim failed'));

  return {
    owner,
    fetch: <T extends object>(queue: string, batchSize: number, itemIdOf?: (data: T) => string | null) =>
      withTransaction(pool, async (client) => {
        const jobs =
          (await boss.fetch<T>(queue, { batchSize, includeMetadata: true, db: inTransaction(client) })) ?? [];
        await takeLeases(
          client,
          owner,
          jobs.map((j) => ({
            jobId: j.id,
            queue,
            itemId: itemIdOf?.(j.data) ?? null,
            startedOn: j.startedOn,
          })),
        );
        return jobs;
      }),
    releaseAll: (jobIds) => releaseLeases(pool, jobIds, owner),
    reclaim,
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      clearInterval(timer);
      await reclaiming?.catch(() => {});
    },
  };
}

/** Waits for every promise, at most `ms`; true if some were still pending then. */
export async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => false as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
