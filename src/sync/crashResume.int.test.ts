import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLeases } from '../db/queries/jobLeases.ts';
import { getWatermark } from '../db/queries/syncState.ts';
import { listRuns } from '../db/queries/syncRuns.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createLogger } from '../log.ts';
import { type Boss, enqueue, QUEUES, startBoss } from './jobs.ts';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';

/**
 * Failure drills. A process killed with SIGKILL in the middle of a backfill (no chance to clean
 * up), then started again, ends in the same state as a backfill that was never interrupted — both
 * for a sync run by hand and for the service's own job, which must not wait for pg-boss's expiry.
 *
 * Bounded but generous: every wait is an expect.poll with a limit far above what an idle machine
 * needs, so a loaded 2-core machine slows these tests down without failing them.
 */

const PER_ACCOUNT = 4000;
let h: Harness;
let clean: TestDatabase;

let boss: Boss;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  h = await startHarness({ v2PageSize: 100, size: { transactionsPerAccount: PER_ACCOUNT } });
  clean = await createTestDatabase();
  boss = await startBoss(h.db.url, createLogger('silent'), { schedule: false, max: 2 });
}, 120_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await boss?.stop({ graceful: false, wait: true, timeout: 5_000 });
  await clean?.drop();
  await h?.close();
}, 120_000);

type ChildResult = { accounts: { accountId: string; mode: string; fetched: number }[] };

function backfillProcess(
  databaseUrl: string,
  itemId: string,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/sync/testing/backfillProcess.ts', databaseUrl, h.sandbox.url, itemId, '500'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        children.delete(child);
        resolve({ code, signal, out, err });
      });
    },
  );
  return { child, done };
}

const transactionsIn = async (db: TestDatabase, itemId: string) =>
  (
    await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE item_id = $1', [
      itemId,
    ])
  ).rows[0]!.n;

/** Everything a backfill writes that a reader sees, in a comparable form. */
async function contents(db: TestDatabase, itemId: string) {
  const q = async (sql: string) => (await db.pool.query(sql, [itemId])).rows;
  return {
    accounts: await q('SELECT id, raw FROM accounts WHERE item_id = $1 ORDER BY id'),
    transactions: await q(
      `SELECT id, account_id, amount::text, date, status, bill_id, pluggy_created_at, raw
       FROM transactions WHERE item_id = $1 ORDER BY id`,
    ),
    bills: await q('SELECT id, raw FROM credit_card_bills WHERE item_id = $1 ORDER BY id'),
    investments: await q('SELECT id, raw FROM investments WHERE item_id = $1 ORDER BY id'),
    movements: await q('SELECT id, raw FROM investment_transactions WHERE item_id = $1 ORDER BY id'),
    loans: await q('SELECT id, raw FROM loans WHERE item_id = $1 ORDER BY id'),
    identity: await q('SELECT id, raw FROM identities WHERE item_id = $1'),
    // The watermark's value is Pluggy's clock when the listing started (a later run has a later
    // one); the end is the same: one per account, no listing in progress.
    syncState: await q(
      "SELECT resource, account_id, watermark IS NOT NULL AS listed, cursor FROM sync_state WHERE item_id = $1 AND resource = 'transactions' ORDER BY account_id",
    ),
  };
}

describe('a backfill worker killed with SIGKILL', () => {
  it('resumes from its last committed batch when restarted and ends like an uninterrupted run', {
    timeout: 240_000,
  }, async () => {
    const itemId = await createSyncedItem(h);
    const total = Object.values(truthSnapshot(h.sandbox, itemId)).reduce((n, a) => n + a.count, 0);
    expect(total).toBeGreaterThanOrEqual(3 * PER_ACCOUNT - 10);

    // Slow pages a little so the kill lands mid-backfill however fast the machine is.
    const fault = h.sandbox.admin.addFault({
      kind: 'latency',
      ms: 4,
      method: 'GET',
      path: '/v2/transactions',
    });
    const first = backfillProcess(h.db.url, itemId);
    await expect
      .poll(
        async () => {
          if (first.child.exitCode !== null) throw new Error('backfill ended before it could be killed');
          return transactionsIn(h.db, itemId);
        },
        { timeout: 90_000, interval: 20 },
      )
      .toBeGreaterThanOrEqual(total * 0.45);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    h.sandbox.admin.removeFault(fault);
    expect(killed.signal).toBe('SIGKILL');
    const atKill = await transactionsIn(h.db, itemId);
    expect(atKill).toBeLessThan(total);
    const atKillByAccount = new Map(
      Object.entries(await storedSnapshot(h.db, itemId)).map(([id, snap]) => [id, snap.count]),
    );

    // What the dead process left: committed batches, a listing position to resume from, a run still marked running.
    const states = await Promise.all(
      h.sandbox.admin
        .truth(itemId)
        .accounts.map((a) => getWatermark(h.db.pool, { itemId, resource: 'transactions', accountId: a.id })),
    );
    expect(states.some((s) => s?.cursor && s.watermark === null)).toBe(true);
    expect((await listRuns(h.db.pool, { itemId }))[0]).toMatchObject({ status: 'running' });

    const second = await backfillProcess(h.db.url, itemId).done;
    expect(second.err).toContain('closed sync runs left running by a dead process');
    expect(second.code).toBe(0);
    const resumed = JSON.parse(second.out) as ChildResult;
    // The interrupted account continued from its last committed batch instead of starting over: it
    // fetched only what was missing, plus the rows of the boundary day (dateFrom is inclusive).
    const interrupted = resumed.accounts.filter((a) => a.mode === 'resume');
    expect(interrupted).toHaveLength(1);
    const acct = interrupted[0]!;
    const accountTotal = truthSnapshot(h.sandbox, itemId)[acct.accountId]!.count;
    const heldAtKill = atKillByAccount.get(acct.accountId) ?? 0;
    expect(heldAtKill).toBeGreaterThan(0);
    expect(acct.fetched).toBeLessThan(accountTotal - heldAtKill + 200);

    const runs = await listRuns(h.db.pool, { itemId });
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(runs[1]!.error).toMatch(/interrupted/);
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));

    const uninterrupted = await backfillProcess(clean.url, itemId).done;
    expect(uninterrupted.code).toBe(0);
    expect(await contents(h.db, itemId)).toEqual(await contents(clean, itemId));
    // The resumed account's watermark is the interrupted listing's start, never the resumed one's.
    const mark = async (db: TestDatabase) =>
      (await getWatermark(db.pool, { itemId, resource: 'transactions', accountId: acct.accountId }))
        ?.watermark;
    expect((await mark(h.db))!.getTime()).toBeLessThanOrEqual((await mark(clean))!.getTime());
  });
});

/** The service itself (`cli start`) in a process of its own, on the harness's database and sandbox. */
function serviceProcess(): {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: h.db.url,
      PLUGGY_BASE_URL: h.sandbox.url,
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  children.add(child);
  let out = '';
  let err = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('pluggy-bridge is running')) resolve();
    });
    child.on('close', () => reject(new Error(`service exited before it was ready:\n${err}`)));
  });
  ready.catch(() => {});
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, err });
    });
  });
  return { child, ready, done };
}

describe('the service killed with SIGKILL in the middle of a queued backfill', () => {
  it('retries the job within seconds of coming back, resumes, and reaches the exact truth', {
    timeout: 300_000,
  }, async () => {
    const itemId = await createSyncedItem(h);
    const truth = truthSnapshot(h.sandbox, itemId);
    const total = Object.values(truth).reduce((n, a) => n + a.count, 0);

    const first = serviceProcess();
    await first.ready;
    const fault = h.sandbox.admin.addFault({
      kind: 'latency',
      ms: 4,
      method: 'GET',
      path: '/v2/transactions',
    });
    const jobId = await enqueue(boss, QUEUES.itemSync, { itemId, reason: 'connected' });
    expect(jobId).toBeTruthy();
    await expect
      .poll(() => transactionsIn(h.db, itemId), { timeout: 120_000, interval: 20 })
      .toBeGreaterThanOrEqual(total * 0.3);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    h.sandbox.admin.removeFault(fault);

    // What the dead service left: a job pg-boss still holds active (its expiry is an hour), a run
    // still 'running', the lease nobody renews any more, part of the rows.
    expect(await transactionsIn(h.db, itemId)).toBeLessThan(total);
    expect((await boss.getJobById(QUEUES.itemSync, jobId!))?.state).toBe('active');
    expect((await listRuns(h.db.pool, { itemId }))[0]).toMatchObject({ status: 'running' });
    expect((await listLeases(h.db.pool)).map((l) => l.jobId)).toContain(jobId);

    const second = serviceProcess();
    try {
      const restarted = Date.now();
      await second.ready;
      // The same job, retried and finished: no second job was needed.
      await expect
        .poll(async () => (await boss.getJobById(QUEUES.itemSync, jobId!))?.state, {
          timeout: 60_000 - (Date.now() - restarted),
          interval: 250,
        })
        .toBe('completed');
      expect(Date.now() - restarted).toBeLessThan(60_000);
      // Count, cents and ids per account: nothing missing, nothing twice.
      expect(await storedSnapshot(h.db, itemId)).toEqual(truth);
      const runs = await listRuns(h.db.pool, { itemId });
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
      expect(runs[1]!.error).toMatch(/interrupted|abandoned/);
      expect(runs.every((r) => r.jobId === jobId)).toBe(true);
      expect(await listLeases(h.db.pool)).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      const stopped = await second.done;
      expect(stopped.code).toBe(0);
    }
  });
});
