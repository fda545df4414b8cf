import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getItem } from '../db/queries/items.ts';
import { listRuns } from '../db/queries/syncRuns.ts';
import { deleteTransactions } from './deleteTransactions.ts';
import { purgeItem } from './purgeItem.ts';
import { refreshTransactions } from './refreshTransactions.ts';
import { syncItem } from './syncItem.ts';
import { syncNewTransactions } from './syncNewTransactions.ts';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedRaw,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';

const DAY = 86_400_000;

let h: Harness;
let itemId: string;
let checking: string;
let card: string;

beforeAll(async () => {
  h = await startHarness({ v2PageSize: 100, tuning: { batchRows: 150 } });
  itemId = await createSyncedItem(h);
  await syncItem(h.deps, itemId, { reason: 'connected' });
  const accounts = h.sandbox.admin.truth(itemId).accounts;
  checking = accounts.find((a) => a.subtype === 'CHECKING_ACCOUNT')!.id;
  card = accounts.find((a) => a.type === 'CREDIT')!.id;
});
afterAll(async () => {
  await h?.close();
});

const idsOf = (snap: Record<string, { ids: string[] }>, accountId: string) =>
  new Set(snap[accountId]?.ids ?? []);
const expectEqualsTruth = async () => {
  expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));
  const raw = await storedRaw(h.db, itemId);
  for (const rows of Object.values(h.sandbox.admin.truth(itemId).transactionsByAccount)) {
    for (const t of rows) expect(raw.get(t.id)).toEqual(t);
  }
};

describe('transactions changing after the backfill', () => {
  it('new rows, backdated ones included, arrive by createdAtFrom: the incremental sync adds exactly them', async () => {
    const before = await storedSnapshot(h.db, itemId);
    await h.sandbox.admin.advanceClock(2 * DAY); // two daily auto-syncs: new rows in several accounts
    const added = await h.sandbox.admin.addTransactions(itemId, {
      accountId: checking,
      count: 6,
      backdatedDays: 40,
    });
    expect(added.some((t) => Date.parse(t.date) < Date.parse(t.createdAt) - DAY)).toBe(true);
    const truth = truthSnapshot(h.sandbox, itemId);
    const fresh = [...idsOf(truth, checking)].filter((id) => !idsOf(before, checking).has(id));
    expect(fresh.length).toBeGreaterThan(added.length);

    const res = await syncNewTransactions(h.deps, {
      itemId,
      accountId: checking,
      createdAtFrom: added[0]!.createdAt,
    });
    expect(res.kind).toBe('account');
    if (res.kind !== 'account') return;
    expect(res.result).toMatchObject({ mode: 'incremental', inserted: fresh.length, updated: 0, deleted: 0 });
    expect((await storedSnapshot(h.db, itemId))[checking]).toEqual(truth[checking]);
    // The balance moved with the new rows; the event that announced them brings it too.
    const balance = h.sandbox.admin.truthSummary(itemId).accounts.find((a) => a.id === checking)!.balance;
    const stored = await h.db.pool.query<{ balance: string }>(
      'SELECT balance::text FROM accounts WHERE id = $1',
      [checking],
    );
    expect(Number(stored.rows[0]!.balance)).toBe(Number(balance));

    // The watermark now sits past the history: the next listing reads only rows created within the
    // safety margin (1 h) before it — today's arrivals, not yesterday's, not the history.
    const rows = h.sandbox.admin.truth(itemId).transactionsByAccount[checking]!;
    const newest = Math.max(...rows.map((t) => Date.parse(t.createdAt)));
    const recent = rows.filter((t) => Date.parse(t.createdAt) >= newest - 3_600_000).length;
    expect(recent).toBeGreaterThanOrEqual(added.length);
    expect(recent).toBeLessThan(fresh.length);
    const again = await syncNewTransactions(h.deps, {
      itemId,
      accountId: checking,
      createdAtFrom: added[0]!.createdAt,
    });
    if (again.kind !== 'account') throw new Error('expected an account sync');
    expect(again.result).toMatchObject({ mode: 'incremental', fetched: recent, inserted: 0, updated: 0 });

    // The other accounts' new rows (no webhook handled for them) come with the item sync.
    const item = await syncItem(h.deps, itemId, { reason: 'webhook' });
    expect(item.accounts.every((a) => a.updated === 0 && a.deleted === 0)).toBe(true);
    await expectEqualsTruth();
  });

  it('pending rows posted in place are re-read by id: updated, never duplicated', async () => {
    const posted = await h.sandbox.admin.postPending(itemId);
    expect(posted.length).toBeGreaterThan(0);
    // A payload without accountId: the rows we hold say which account to ask.
    const res = await refreshTransactions(h.deps, { itemId, transactionIds: posted });
    expect(res).toMatchObject({
      requested: posted.length,
      found: posted.length,
      updated: posted.length,
      inserted: 0,
    });
    const { rows } = await h.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM transactions WHERE id = ANY($1) AND status = 'POSTED'",
      [posted],
    );
    expect(rows[0]!.n).toBe(posted.length);
    await expectEqualsTruth();
    const redelivered = await refreshTransactions(h.deps, {
      itemId,
      accountId: card,
      transactionIds: posted,
    });
    expect(redelivered).toMatchObject({ updated: 0, inserted: 0 });
  });

  it('a restated card bill (old ids deleted, the purchases re-created with new ids) leaves no duplicate and loses nothing', async () => {
    const { deleted, created } = await h.sandbox.admin.restateCardBill(itemId, card);
    expect(deleted.length).toBeGreaterThan(0);
    expect(created.length).toBe(deleted.length);
    const createdAt = h.sandbox.admin.now().toISOString();

    const del = await deleteTransactions(h.deps, { itemId, accountId: card, transactionIds: deleted });
    expect(del.deleted).toBe(deleted.length);
    const add = await syncNewTransactions(h.deps, { itemId, accountId: card, createdAtFrom: createdAt });
    if (add.kind !== 'account') throw new Error('expected an account sync');
    expect(add.result.inserted).toBe(created.length);
    await expectEqualsTruth();
  });

  it('the same restatement with its events handled in the opposite order ends the same', async () => {
    const { deleted, created } = await h.sandbox.admin.restateCardBill(itemId, card);
    const createdAt = h.sandbox.admin.now().toISOString();
    const add = await syncNewTransactions(h.deps, { itemId, accountId: card, createdAtFrom: createdAt });
    if (add.kind !== 'account') throw new Error('expected an account sync');
    expect(add.result.inserted).toBe(created.length);
    // Between the two events both generations are stored: the deletion is what reconciles them.
    const del = await deleteTransactions(h.deps, { itemId, accountId: card, transactionIds: deleted });
    expect(del.deleted).toBe(deleted.length);
    await expectEqualsTruth();
  });

  it('deleted ids are gone; a redelivered deletion and one naming another item change nothing', async () => {
    const victims = truthSnapshot(h.sandbox, itemId)[checking]!.ids.slice(0, 3);
    await h.sandbox.admin.deleteTransactions(itemId, victims);
    const foreign = await deleteTransactions(h.deps, { itemId: 'some-other-item', transactionIds: victims });
    expect(foreign.deleted).toBe(0);
    const first = await deleteTransactions(h.deps, { itemId, accountId: checking, transactionIds: victims });
    expect(first.deleted).toBe(3);
    const again = await deleteTransactions(h.deps, { itemId, accountId: checking, transactionIds: victims });
    expect(again.deleted).toBe(0);
    await expectEqualsTruth();
  });

  it('without any webhook, the periodic full relist finds deletions and restatements', async () => {
    const gone = truthSnapshot(h.sandbox, itemId)[checking]!.ids.slice(0, 2);
    await h.sandbox.admin.deleteTransactions(itemId, gone);
    await h.sandbox.admin.restateCardBill(itemId, card);

    // An incremental sync sees the re-created rows but cannot know the old ones went away.
    await syncItem(h.deps, itemId, { reason: 'webhook' });
    const stale = await storedSnapshot(h.db, itemId);
    expect(stale[checking]!.ids).toEqual(expect.arrayContaining(gone));

    // Once the relist is due (here: at once), the id diff removes them.
    const relist = await syncItem({ ...h.deps, tuning: { ...h.deps.tuning, fullRelistAfterMs: 0 } }, itemId, {
      reason: 'safety-net',
    });
    expect(relist.accounts.every((a) => a.mode === 'full')).toBe(true);
    expect(relist.counts.rowsDeleted).toBeGreaterThanOrEqual(gone.length + 1);
    expect(relist.counts).toMatchObject({ rowsInserted: 0, rowsUpdated: 0 });
    await expectEqualsTruth();
  });

  it('after all of that, a second run writes zero rows', async () => {
    const res = await syncItem(h.deps, itemId, { reason: 'manual' });
    expect(res.counts).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 });
    const full = await syncItem(h.deps, itemId, { reason: 'manual', full: true });
    expect(full.counts).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 });
  });
});

describe('events for data we do not hold yet', () => {
  it('transactions/created for an account we never stored syncs the whole item instead', async () => {
    const other = await createSyncedItem(h);
    const account = h.sandbox.admin.truth(other).accounts[0]!.id;
    const res = await syncNewTransactions(h.deps, {
      itemId: other,
      accountId: account,
      createdAtFrom: h.sandbox.admin.now().toISOString(),
    });
    expect(res.kind).toBe('item');
    expect(await storedSnapshot(h.db, other)).toEqual(truthSnapshot(h.sandbox, other));
  });
});

describe('purge', () => {
  it('removes every local row of the item and keeps the audit trail', async () => {
    const res = await purgeItem(h.deps, itemId);
    expect(res.rowsDeleted).toBeGreaterThan(1000);
    expect(await getItem(h.db.pool, itemId)).toBeNull();
    for (const table of [
      'accounts',
      'transactions',
      'credit_card_bills',
      'identities',
      'investments',
      'loans',
    ]) {
      const { rows } = await h.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE item_id = $1`,
        [itemId],
      );
      expect(rows[0]!.n, table).toBe(0);
    }
    const runs = await listRuns(h.db.pool, { itemId, limit: 100 });
    expect(runs[0]).toMatchObject({ kind: 'purge', status: 'succeeded', rowsDeleted: res.rowsDeleted });
    expect(runs.length).toBeGreaterThan(5);

    // A job queued before the item went (its person erased, say) finds nothing of it: no new run.
    await h.db.pool.query('DELETE FROM sync_runs WHERE item_id = $1', [itemId]);
    expect((await purgeItem(h.deps, itemId)).rowsDeleted).toBe(0);
    await h.deps.pluggy.deleteItem(itemId);
    expect((await syncItem(h.deps, itemId, { reason: 'webhook' })).outcome).toBe('purged');
    expect(await listRuns(h.db.pool, { itemId, limit: 100 })).toEqual([]);
  });
});
