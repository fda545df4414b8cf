import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWatermark } from '../db/queries/syncState.ts';
import { listRuns } from '../db/queries/syncRuns.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';

/**
 * A worker killed with SIGKILL in the middle of a backfill (no chance to clean up), then started
 * again, ends in the same state as a backfill that was never interrupted.
 */

const PER_ACCOUNT = 4000;
let h: Harness;
let clean: TestDatabase;

beforeAll(async () => {
  h = await startHarness({ v2PageSize: 100, size: { transactionsPerAccount: PER_ACCOUNT } });
  clean = await createTestDatabase();
});
afterAll(async () => {
  await clean?.drop();
  await h?.close();
});

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
      child.on('close', (code, signal) => resolve({ code, signal, out, err }));
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
    syncState: await q(
      "SELECT resource, account_id, watermark, cursor FROM sync_state WHERE item_id = $1 AND resource = 'transactions' ORDER BY account_id",
    ),
  };
}

describe('a backfill worker killed with SIGKILL', () => {
  it('resumes from its last committed batch when restarted and ends like an uninterrupted run', async () => {
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
    const deadline = Date.now() + 60_000;
    let committed = 0;
    while (committed < total * 0.45) {
      if (first.child.exitCode !== null || Date.now() > deadline)
        throw new Error('backfill ended before it could be killed');
      committed = await transactionsIn(h.db, itemId);
      await new Promise((r) => setTimeout(r, 10));
    }
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
  });
});
