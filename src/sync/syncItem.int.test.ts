import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getItem } from '../db/queries/items.ts';
import { getWatermark } from '../db/queries/syncState.ts';
import { listRuns } from '../db/queries/syncRuns.ts';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { createLogger } from '../log.ts';
import { createPluggyClient } from '../pluggy/index.ts';
import { syncItem } from './syncItem.ts';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedRaw,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';

// Small pages and batches so one backfill crosses many pages and many commits.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ v2PageSize: 50, tuning: { batchRows: 120 } });
});
afterAll(async () => {
  await h?.close();
});

const count = async (table: string, itemId: string) =>
  (
    await h.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE item_id = $1`, [
      itemId,
    ])
  ).rows[0]!.n;

describe('syncItem: full backfill', () => {
  let itemId: string;

  beforeAll(async () => {
    itemId = await createSyncedItem(h);
  });

  it("stores every account's whole history exactly as the sandbox holds it: same ids, count and sum", async () => {
    const result = await syncItem(h.deps, itemId, { reason: 'manual' });
    expect(result.outcome).toBe('synced');

    const truth = truthSnapshot(h.sandbox, itemId);
    expect(Object.keys(truth).length).toBeGreaterThan(1);
    const total = Object.values(truth).reduce((n, a) => n + a.count, 0);
    expect(total).toBeGreaterThan(500);
    expect(await storedSnapshot(h.db, itemId)).toEqual(truth);
    expect(result.accounts.every((a) => a.mode === 'full' && a.pages > 1)).toBe(true);

    // Each row as Pluggy sent it, kept whole in raw.
    const raw = await storedRaw(h.db, itemId);
    for (const rows of Object.values(h.sandbox.admin.truth(itemId).transactionsByAccount)) {
      for (const t of rows) expect(raw.get(t.id)).toEqual(t);
    }

    const [run] = await listRuns(h.db.pool, { itemId });
    expect(run).toMatchObject({ kind: 'full', status: 'succeeded', rowsDeleted: 0, error: null });
    expect(run!.rowsInserted).toBeGreaterThanOrEqual(total);
    expect(run!.pages).toBeGreaterThan(Object.keys(truth).length);
    expect((await getItem(h.db.pool, itemId))?.lastSyncedAt).toBeInstanceOf(Date);
  });

  it("moves each watermark to the newest createdAt it committed or later (Pluggy's clock at the listing's start) and leaves no listing in progress", async () => {
    for (const [accountId, rows] of Object.entries(h.sandbox.admin.truth(itemId).transactionsByAccount)) {
      const state = await getWatermark(h.db.pool, { itemId, resource: 'transactions', accountId });
      const newest = Math.max(...rows.map((r) => Date.parse(r.createdAt)));
      expect(state?.watermark?.getTime()).toBeGreaterThanOrEqual(newest);
      expect(state?.watermark?.getTime()).toBeLessThanOrEqual(h.sandbox.admin.now().getTime());
      expect(state?.cursor).toBeNull();
    }
  });

  it('stores identity, investments with their movements, loans and card bills', async () => {
    const investments = await h.pluggy.getInvestments(itemId);
    const loans = await h.pluggy.getLoans(itemId);
    const cards = (await h.pluggy.getAccounts(itemId)).filter((a) => a.type === 'CREDIT');
    let bills = 0;
    for (const c of cards) bills += (await h.pluggy.getBills(c.id)).length;
    let movements = 0;
    for (const inv of investments)
      for await (const p of h.pluggy.investmentTransactionPages(inv.id)) movements += p.length;

    expect(investments.length + loans.length + bills).toBeGreaterThan(0);
    expect(await count('identities', itemId)).toBe((await h.pluggy.getIdentity(itemId)) ? 1 : 0);
    expect(await count('investments', itemId)).toBe(investments.length);
    expect(await count('investment_transactions', itemId)).toBe(movements);
    expect(await count('loans', itemId)).toBe(loans.length);
    expect(await count('credit_card_bills', itemId)).toBe(bills);
  });

  it('a second sync of unchanged data writes zero rows', async () => {
    const again = await syncItem(h.deps, itemId, { reason: 'manual' });
    expect(again.counts).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 });
    expect(again.counts.rowsUnchanged).toBeGreaterThan(0);
    expect(again.accounts.every((a) => a.mode === 'incremental')).toBe(true);
    const [run] = await listRuns(h.db.pool, { itemId });
    expect(run).toMatchObject({ kind: 'incremental', status: 'succeeded', rowsInserted: 0, rowsUpdated: 0 });
    // Not even a row lock: an upsert skipping an identical row would still stamp its xmax.
    const { rows } = await h.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM transactions WHERE item_id = $1 AND xmax::text <> '0'",
      [itemId],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('a forced full relist of unchanged data writes zero rows and deletes nothing', async () => {
    const full = await syncItem(h.deps, itemId, { reason: 'manual', full: true });
    expect(full.counts).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 });
    expect(full.accounts.every((a) => a.mode === 'full' && a.diffSkipped === undefined)).toBe(true);
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  });
});

describe('syncItem: item status and failures', () => {
  it('an item needing its person to log in again is flagged and its products are not fetched; reconnecting clears the flag', async () => {
    const itemId = await createSyncedItem(h);
    await syncItem(h.deps, itemId, { reason: 'manual' });
    await h.sandbox.admin.requireRelogin(itemId);
    h.sandbox.admin.resetRequests();

    const result = await syncItem(h.deps, itemId, { reason: 'webhook' });
    expect(result.outcome).toBe('needs-reconnect');
    const stored = await getItem(h.db.pool, itemId);
    expect(stored).toMatchObject({ status: 'LOGIN_ERROR', needsReconnect: true });
    expect(
      h.sandbox.admin
        .requests()
        .filter((r) => r.path !== '/auth')
        .map((r) => r.path),
    ).toEqual([`/items/${itemId}`]);
    // Rows already held stay readable.
    expect(await count('transactions', itemId)).toBeGreaterThan(0);

    await h.pluggy.updateItem(itemId, { parameters: { user: 'user-ok', password: 'password-ok' } });
    await h.sandbox.admin.waitForItemStatus(itemId, 'UPDATED');
    const after = await syncItem(h.deps, itemId, { reason: 'reconnected' });
    expect(after.outcome).toBe('synced');
    expect(await getItem(h.db.pool, itemId)).toMatchObject({ status: 'UPDATED', needsReconnect: false });
  });

  it('a manual sync never erases data on a 404: wrong id or wrong Pluggy is more likely than a deletion', async () => {
    const itemId = await createSyncedItem(h);
    await syncItem(h.deps, itemId, { reason: 'manual' });
    const held = await count('transactions', itemId);
    await h.pluggy.deleteItem(itemId);
    await expect(syncItem(h.deps, itemId, { reason: 'manual' })).rejects.toThrow(/does not know item/);
    expect(await count('transactions', itemId)).toBe(held);
    expect(await getItem(h.db.pool, itemId)).not.toBeNull();
  });

  it('an item Pluggy no longer knows is purged locally', async () => {
    const itemId = await createSyncedItem(h);
    await syncItem(h.deps, itemId, { reason: 'manual' });
    expect(await count('transactions', itemId)).toBeGreaterThan(0);
    await h.pluggy.deleteItem(itemId);

    const result = await syncItem(h.deps, itemId, { reason: 'safety-net' });
    expect(result.outcome).toBe('purged');
    expect(await getItem(h.db.pool, itemId)).toBeNull();
    expect(await count('transactions', itemId)).toBe(0);
    expect(await count('sync_state', itemId)).toBe(0);
    const [run] = await listRuns(h.db.pool, { itemId });
    expect(run).toMatchObject({ kind: 'safety_net', status: 'succeeded' });
    expect(run!.rowsDeleted).toBeGreaterThan(0);
  });

  it('a rate-limited Pluggy fails the run visibly, leaves the item unsynced, and the retry completes it', async () => {
    const itemId = await createSyncedItem(h);
    const impatient = createPluggyClient({
      baseUrl: h.sandbox.url,
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
      maxAttempts: 1,
    });
    const deps = { ...h.deps, pluggy: impatient };
    h.sandbox.admin.addFault({
      kind: 'respond',
      status: 429,
      method: 'GET',
      path: '/v2/transactions',
      times: 1,
      rate: 1,
    });
    const err = await syncItem(deps, itemId, { reason: 'webhook' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PluggyError', code: 'rate-limited' });

    const [failed] = await listRuns(h.db.pool, { itemId });
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed!.error).toMatch(/rate-limited/);
    expect((await getItem(h.db.pool, itemId))?.lastSyncedAt).toBeNull();

    const retried = await syncItem(deps, itemId, { reason: 'webhook' });
    expect(retried.outcome).toBe('synced');
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  });

  it("an OUTDATED item (the bank was down, nothing for the person to fix) still syncs Pluggy's last data and is not flagged", async () => {
    const itemId = await createSyncedItem(h);
    await syncItem(h.deps, itemId, { reason: 'manual' });
    const connectorId = (await h.pluggy.getItem(itemId)).connector.id;
    await h.sandbox.admin.setConnectorStatus(connectorId, 'OFFLINE');
    try {
      // Pluggy's daily auto-sync runs while the bank is down.
      await h.sandbox.admin.advanceClock(25 * 3_600_000);
      const outdated = await h.sandbox.admin.waitForItemStatus(itemId, 'OUTDATED');
      expect(outdated.executionStatus).toBe('SITE_NOT_AVAILABLE');
      await h.sandbox.admin.addTransactions(itemId, { count: 3 });

      const result = await syncItem(h.deps, itemId, { reason: 'webhook' });
      expect(result.outcome).toBe('synced');
      expect(await getItem(h.db.pool, itemId)).toMatchObject({ status: 'OUTDATED', needsReconnect: false });
      expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
    } finally {
      await h.sandbox.admin.setConnectorStatus(connectorId, 'ONLINE');
    }
  });
});

describe('syncItem: the log', () => {
  it('writes one info line per finished sync with its counts and duration, and no secret', async () => {
    const itemId = await createSyncedItem(h);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger('info', sink);
    await syncItem({ ...h.deps, logger }, itemId, { reason: 'manual' });
    await syncItem({ ...h.deps, logger }, itemId, { reason: 'manual' });

    const finished = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'sync finished');
    const runs = (await listRuns(h.db.pool, { itemId })).reverse();
    expect(finished).toHaveLength(2);
    expect(finished.map((l) => l.runId)).toEqual(runs.map((r) => r.id));
    for (const [i, line] of finished.entries()) {
      expect(line).toMatchObject({
        level: 30,
        itemId,
        kind: runs[i]!.kind,
        inserted: runs[i]!.rowsInserted,
        updated: runs[i]!.rowsUpdated,
        deleted: runs[i]!.rowsDeleted,
        pages: runs[i]!.pages,
      });
      expect(line.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(finished.map((l) => l.kind)).toEqual(['full', 'incremental']);
    expect(lines.join('\n')).not.toContain(SANDBOX_CLIENT_SECRET);
  });
});
