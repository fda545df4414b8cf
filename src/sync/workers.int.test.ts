import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getItem } from '../db/queries/items.ts';
import { listLeases, takeLease } from '../db/queries/jobLeases.ts';
import { listRuns, startRun, type SyncRunRow } from '../db/queries/syncRuns.ts';
import { ItemBusyError, isItemLocked, withItemLock } from './itemLock.ts';
import { type Boss, enqueue, QUEUES, startBoss } from './jobs.ts';
import { startLeaseKeeper } from './leases.ts';
import { runSafetyNet } from './safetyNet.ts';
import { getItemSyncHealth } from '../db/queries/syncRuns.ts';
import { syncItem } from './syncItem.ts';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';
import { startSyncWorkers } from './workers.ts';

let h: Harness;
let boss: Boss;

beforeAll(async () => {
  h = await startHarness({ v2PageSize: 100, tuning: { batchRows: 200 } });
  boss = await startBoss(h.db.url, h.deps.logger, { max: 3 });
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true, timeout: 5_000 });
  await h?.close();
});

/** Polls until `check` returns a value (not undefined/false), or fails after the deadline. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runsOf = (itemId: string) => listRuns(h.db.pool, { itemId, limit: 100 });
const finished = (runs: SyncRunRow[], n: number) =>
  runs.length >= n && runs.every((r) => r.status !== 'running');

describe('one sync per item', () => {
  it('two syncs of one item started together: one runs, the other waits for it; no duplicate rows', async () => {
    const itemId = await createSyncedItem(h);
    // Slow pages, so the first sync is surely still running when the second asks for the lock.
    h.sandbox.admin.addFault({ kind: 'latency', ms: 30, method: 'GET', path: '/v2/transactions', times: 10 });
    let waited = 0;
    const [a, b] = await Promise.all([
      syncItem(h.deps, itemId, { reason: 'webhook', onLockWait: () => waited++ }),
      syncItem(h.deps, itemId, { reason: 'safety-net', onLockWait: () => waited++ }),
    ]);
    expect(waited).toBe(1);
    expect([a.outcome, b.outcome]).toEqual(['synced', 'synced']);
    const runs = (await runsOf(itemId)).reverse();
    expect(runs).toHaveLength(2);
    const [first, second] = runs as [SyncRunRow, SyncRunRow];
    expect(first.finishedAt!.getTime()).toBeLessThanOrEqual(second.startedAt.getTime());
    expect(first.rowsInserted).toBeGreaterThan(0);
    expect(second).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, status: 'succeeded' });
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  });

  it('a sync that must not wait fails fast with ItemBusyError while the item is locked, recording nothing', async () => {
    const itemId = await createSyncedItem(h);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const holding = withItemLock(h.db.pool, itemId, { waitMs: 0 }, () => held);
    await until('the lock to be taken', () => isItemLocked(h.db.pool, itemId));
    const err = await syncItem(h.deps, itemId, { reason: 'manual', lockWaitMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemBusyError);
    const bounded = await syncItem(h.deps, itemId, { reason: 'manual', lockWaitMs: 150 }).catch(
      (e: unknown) => e,
    );
    expect(bounded).toBeInstanceOf(ItemBusyError);
    expect(await runsOf(itemId)).toHaveLength(0);
    release();
    await holding;
    expect(await isItemLocked(h.db.pool, itemId)).toBe(false);
    expect((await syncItem(h.deps, itemId, { reason: 'manual', lockWaitMs: 0 })).outcome).toBe('synced');
  });
});

describe('sync workers', () => {
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    stop = await startSyncWorkers(
      { ...h.deps, boss },
      {
        concurrency: 2,
        pollingIntervalSeconds: 0.5,
        lockWaitMs: 200,
        busyRetrySeconds: 1,
        staleAfterHours: 24,
      },
    );
  });
  afterAll(async () => {
    await stop?.();
  });

  it('item-sync requests for one item coalesce into one queued job', async () => {
    const itemId = await createSyncedItem(h);
    // Sent inside one transaction, as the webhook receiver does: no worker can take the first before the rest arrive.
    const client = await h.db.pool.connect();
    const ids: (string | null)[] = [];
    try {
      await client.query('BEGIN');
      for (let i = 0; i < 5; i++)
        ids.push(await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'webhook' }, { db: client }));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(ids.filter(Boolean)).toHaveLength(1);
    const runs = await until('the sync run', async () => {
      const r = await runsOf(itemId);
      return finished(r, 1) && r;
    });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', kind: 'full', jobId: ids[0] });
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  });

  it('runs every queue: created, updated, deleted (a restatement), purge', async () => {
    const itemId = await createSyncedItem(h);
    await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'connected' });
    await until('the backfill', async () => finished(await runsOf(itemId), 1));
    const accounts = h.sandbox.admin.truth(itemId).accounts;
    const checking = accounts.find((a) => a.subtype === 'CHECKING_ACCOUNT')!.id;
    const card = accounts.find((a) => a.type === 'CREDIT')!.id;

    const added = await h.sandbox.admin.addTransactions(itemId, {
      accountId: checking,
      count: 4,
      backdatedDays: 9,
    });
    await enqueue(boss, QUEUES.transactionsCreated, {
      itemId,
      accountId: checking,
      createdAtFrom: added[0]!.createdAt,
    });
    const posted = await h.sandbox.admin.postPending(itemId);
    await enqueue(boss, QUEUES.transactionsUpdated, { itemId, transactionIds: posted });
    const { deleted } = await h.sandbox.admin.restateCardBill(itemId, card);
    const now = h.sandbox.admin.now().toISOString();
    await enqueue(boss, QUEUES.transactionsDeleted, { itemId, accountId: card, transactionIds: deleted });
    await enqueue(boss, QUEUES.transactionsCreated, { itemId, accountId: card, createdAtFrom: now });

    const runs = await until('four more runs', async () => {
      const r = await runsOf(itemId);
      return finished(r, 5) && r;
    });
    expect(runs.map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    expect(runs.map((r) => r.kind).sort()).toEqual(['created', 'created', 'deleted', 'full', 'updated']);
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));

    await enqueue(boss, QUEUES.itemPurge, { itemId });
    await until('the purge', async () =>
      (await runsOf(itemId)).some((r) => r.kind === 'purge' && r.status === 'succeeded'),
    );
    expect(await getItem(h.db.pool, itemId)).toBeNull();
  });

  it('a job finding its item busy steps aside, is queued again, and runs once the item is free', async () => {
    const itemId = await createSyncedItem(h);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const holding = withItemLock(h.db.pool, itemId, { waitMs: 0 }, () => held);
    const jobId = await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'webhook' });
    await until('the first job to finish by stepping aside', async () => {
      const job = await boss.getJobById(QUEUES.itemSync, jobId!);
      return job?.state === 'completed';
    });
    expect(await runsOf(itemId)).toHaveLength(0);
    release();
    await holding;
    const runs = await until('the re-queued sync', async () => {
      const r = await runsOf(itemId);
      return finished(r, 1) && r;
    });
    expect(runs[0]).toMatchObject({ status: 'succeeded' });
    expect(runs[0]!.jobId).not.toBe(jobId);
  });

  it("a job Pluggy rate-limits steps aside until Pluggy's Retry-After instead of spending its retries", async () => {
    const itemId = await createSyncedItem(h);
    // Pluggy's usual 429 says 60 s; 120 s is beyond what the client will sleep inside one call.
    h.sandbox.admin.addFault({
      kind: 'respond',
      status: 429,
      headers: { 'retry-after': '120' },
      method: 'GET',
      path: `/items/${itemId}`,
      times: 1,
    });
    const jobId = await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'webhook' });
    const job = await until('the rate-limited job to finish by stepping aside', async () => {
      const j = await boss.getJobById(QUEUES.itemSync, jobId!);
      return j?.state === 'completed' && j;
    });
    expect(job.retryCount).toBe(0);
    // The job queued in its place, seen through pg-boss's API (fetch, ignoring its start time).
    const queued = (
      await boss.fetch<{ itemId: string }>(QUEUES.itemSync, {
        batchSize: 50,
        includeMetadata: true,
        ignoreStartAfter: true,
      })
    ).filter((j) => j.data.itemId === itemId);
    expect(queued).toHaveLength(1);
    const later = (queued[0]!.startAfter.getTime() - Date.now()) / 1000;
    expect(later).toBeGreaterThan(100);
    expect(later).toBeLessThanOrEqual(120);
    await boss.complete(QUEUES.itemSync, queued[0]!.id);
  });

  it('a job that keeps failing is retried, then kept as failed, and every attempt shows in sync_runs', async () => {
    const itemId = await createSyncedItem(h);
    h.sandbox.admin.addFault({ kind: 'respond', status: 503, method: 'GET', path: `/items/${itemId}` });
    // The queue's own retry policy waits minutes between attempts; this job asks for one quick retry.
    const jobId = await boss.send(
      QUEUES.itemSync,
      { itemId, reason: 'webhook' },
      { retryLimit: 1, retryDelay: 1, retryBackoff: false },
    );
    const job = await until('the job to fail for good', async () => {
      const j = await boss.getJobById(QUEUES.itemSync, jobId!);
      return j?.state === 'failed' && j;
    });
    expect(job.retryCount).toBe(1);
    const runs = await runsOf(itemId);
    expect(runs.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(runs[0]!.error).toMatch(/PluggyError \[unavailable\]/);
    expect(await getItemSyncHealth(h.db.pool, itemId)).toMatchObject({
      lastStatus: 'failed',
      lastSuccessAt: null,
      failuresSinceSuccess: 2,
    });
    h.sandbox.admin.clearFaults();
  });

  it('the safety net is scheduled and re-syncs items not synced for too long', async () => {
    expect((await boss.getSchedules()).map((s) => s.name)).toContain(QUEUES.safetyNet);
    const stale = await createSyncedItem(h);
    await syncItem(h.deps, stale, { reason: 'manual' });
    await h.db.pool.query("UPDATE items SET last_synced_at = now() - interval '2 days' WHERE id = $1", [
      stale,
    ]);
    await h.db.pool.query("UPDATE sync_runs SET started_at = now() - interval '2 days' WHERE item_id = $1", [
      stale,
    ]);
    const before = (await getItem(h.db.pool, stale))!.lastSyncedAt!;

    await boss.send(QUEUES.safetyNet, {});
    // The item is marked synced inside the run; the run is closed just after: wait for both.
    const run = await until('the stale item to be synced again', async () => {
      const [latest] = await runsOf(stale);
      return latest?.kind === 'safety_net' && latest.status !== 'running' ? latest : undefined;
    });
    expect(run).toMatchObject({ kind: 'safety_net', status: 'succeeded', rowsInserted: 0 });
    const after = (await getItem(h.db.pool, stale))!;
    expect(after.lastSyncedAt!.getTime()).toBeGreaterThan(before.getTime());
    expect(after.lastSyncedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('safety net selection', () => {
  it('queues stale and never-synced items, and leaves alone fresh ones and those attempted within the hour', async () => {
    const ids = ['sn-fresh', 'sn-stale', 'sn-never', 'sn-failing', 'sn-deleted'];
    for (const id of ids)
      await h.db.pool.query('INSERT INTO items (id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
    await h.db.pool.query(`UPDATE items SET last_synced_at = now() WHERE id = 'sn-fresh'`);
    await h.db.pool.query(
      `UPDATE items SET last_synced_at = now() - interval '30 hours' WHERE id IN ('sn-stale', 'sn-failing')`,
    );
    await h.db.pool.query(
      `INSERT INTO sync_runs (item_id, kind, status, error) VALUES ('sn-failing', 'incremental', 'failed', 'x')`,
    );
    await h.db.pool.query(`UPDATE items SET deleted_at = now() WHERE id = 'sn-deleted'`);
    const queued = await runSafetyNet({ ...h.deps, boss }, { staleAfterHours: 24 });
    expect(queued.filter((id) => id.startsWith('sn-')).sort()).toEqual(['sn-never', 'sn-stale']);
  });
});

describe('job leases: recovery of a job whose worker died', () => {
  const deadOwner = 'dead-host:1:00000000';
  const keeperDeps = () => ({ pool: h.db.pool, boss, logger: h.deps.logger });

  /** Takes the job as a worker would (pg-boss fetch), under a lease its dead owner renewed last a minute ago. */
  async function jobOfDeadWorker(queue: typeof QUEUES.itemSync, jobId: string, itemId: string) {
    let job: PgBoss.JobWithMetadata<object> | undefined;
    await vi.waitFor(
      async () => {
        for (const j of await boss.fetch<object>(queue, { batchSize: 10, includeMetadata: true })) {
          if (j.id === jobId) job = j;
          else await boss.complete(queue, j.id); // left over by earlier tests
        }
        expect(job).toBeDefined();
      },
      { timeout: 30_000, interval: 200 },
    );
    await takeLease(h.db.pool, { jobId, queue, itemId, owner: deadOwner, startedOn: job!.startedOn });
    await h.db.pool.query(
      `UPDATE job_leases SET heartbeat_at = now() - interval '1 minute' WHERE job_id = $1`,
      [jobId],
    );
    await startRun(h.db.pool, { itemId, kind: 'full', jobId });
    return job!;
  }

  it('puts the job back in line once its lease is stale AND its item is free, and closes the dead run', async () => {
    const itemId = await createSyncedItem(h);
    const jobId = (await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'webhook' }))!;
    await jobOfDeadWorker(QUEUES.itemSync, jobId, itemId);

    // Someone holds the item: the attempt may be alive (a stalled heartbeat), so it is left alone.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const holding = withItemLock(h.db.pool, itemId, { waitMs: 0 }, () => held);
    await vi.waitFor(async () => expect(await isItemLocked(h.db.pool, itemId)).toBe(true));
    const keeper = startLeaseKeeper(keeperDeps(), { reclaimEverySeconds: 3600 });
    try {
      expect(await keeper.reclaim()).toEqual([]);
      expect((await boss.getJobById(QUEUES.itemSync, jobId))?.state).toBe('active');
      expect((await listLeases(h.db.pool)).map((l) => l.jobId)).toContain(jobId);

      release();
      await holding;
      expect(await keeper.reclaim()).toEqual([jobId]);
      const job = await boss.getJobById(QUEUES.itemSync, jobId);
      // Back in line now, not after the queue's retry back-off; same job, its attempt counted on the next fetch.
      expect(job?.state).toBe('created');
      expect(job!.startAfter.getTime()).toBeLessThanOrEqual(Date.now());
      expect((await runsOf(itemId))[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/interrupted/),
      });
      expect((await listLeases(h.db.pool)).map((l) => l.jobId)).not.toContain(jobId);
      const [again] = await boss.fetch<object>(QUEUES.itemSync, { includeMetadata: true });
      expect(again).toMatchObject({ id: jobId, retryCount: 1 });
      await boss.complete(QUEUES.itemSync, jobId);
    } finally {
      release();
      await keeper.stop();
    }
  });

  it('never takes a lease its owner keeps renewing, and fails for good a job whose retries are spent', async () => {
    const itemId = await createSyncedItem(h);
    const spent = (await boss.send(QUEUES.itemSync, { itemId, reason: 'webhook' }, { retryLimit: 0 }))!;
    await jobOfDeadWorker(QUEUES.itemSync, spent, itemId);
    const alive = await createSyncedItem(h);
    const aliveJob = (await enqueue(boss, QUEUES.itemSync, { itemId: alive, reason: 'webhook' }))!;
    await jobOfDeadWorker(QUEUES.itemSync, aliveJob, alive);
    await h.db.pool.query('UPDATE job_leases SET heartbeat_at = now() WHERE job_id = $1', [aliveJob]);

    const keeper = startLeaseKeeper(keeperDeps(), { reclaimEverySeconds: 3600, staleSeconds: 30 });
    try {
      await keeper.reclaim();
      expect((await boss.getJobById(QUEUES.itemSync, spent))?.state).toBe('failed');
      expect((await boss.getJobById(QUEUES.itemSync, aliveJob))?.state).toBe('active');
      expect((await listLeases(h.db.pool)).map((l) => l.jobId)).toEqual([aliveJob]);
    } finally {
      await keeper.stop();
      await boss.complete(QUEUES.itemSync, aliveJob);
      await h.db.pool.query('DELETE FROM job_leases');
    }
  });
});

describe('stopping the sync workers', () => {
  it('waits a bounded time for a running sync, then returns and leaves it to recovery', async () => {
    const itemId = await createSyncedItem(h);
    // Slow pages: the sync cannot end inside the stop's grace period, however fast the machine.
    const fault = h.sandbox.admin.addFault({
      kind: 'latency',
      ms: 1500,
      method: 'GET',
      path: '/v2/transactions',
    });
    const stop = await startSyncWorkers(
      { ...h.deps, boss },
      { concurrency: 1, pollingIntervalSeconds: 0.5, shutdownTimeoutMs: 500, safetyNetCron: '0 0 1 1 *' },
    );
    const jobId = await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'connected' });
    await expect.poll(async () => (await runsOf(itemId))[0]?.status, { timeout: 60_000 }).toBe('running');

    await stop();

    // stop() came back while the sync still runs: its run is open, its lease held (and no longer
    // renewed, so another process would take the job over once it goes stale).
    expect((await runsOf(itemId))[0]?.status).toBe('running');
    expect((await listLeases(h.db.pool)).map((l) => l.jobId)).toContain(jobId);

    h.sandbox.admin.removeFault(fault);
    // The orphan still finishes here (nothing kills it in a test); wait, so nothing outlives the file.
    await expect.poll(async () => (await runsOf(itemId))[0]?.status, { timeout: 120_000 }).toBe('succeeded');
  }, 180_000);
});
