import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWatermark } from '../db/queries/syncState.ts';
import { syncItem } from './syncItem.ts';
import {
  createSyncedItem,
  type Harness,
  startHarness,
  storedSnapshot,
  truthSnapshot,
} from './testing/harness.ts';

// Small pages so "the whole history" and "one page" are far apart.
const PAGE = 50;
const HOUR = 3_600_000;
const MARGIN = HOUR;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ v2PageSize: PAGE, tuning: { createdAtMarginMs: MARGIN } });
});
afterAll(async () => {
  await h?.close();
});

const watermarkOf = async (itemId: string, accountId: string) =>
  (await getWatermark(h.db.pool, { itemId, resource: 'transactions', accountId }))?.watermark?.getTime();

describe('incremental sync costs what changed', () => {
  it("a listing's watermark is Pluggy's clock when the listing started (its Date header), not the newest row", async () => {
    const itemId = await createSyncedItem(h);
    // The Date header has whole seconds; the watermark can be no earlier than the second the sync began.
    const before = Math.floor(h.sandbox.admin.now().getTime() / 1000) * 1000;
    await syncItem(h.deps, itemId, { reason: 'manual' });
    const truth = h.sandbox.admin.truth(itemId).transactionsByAccount;
    for (const [accountId, rows] of Object.entries(truth)) {
      const newest = Math.max(...rows.map((r) => Date.parse(r.createdAt)));
      const mark = await watermarkOf(itemId, accountId);
      expect(mark).toBeGreaterThanOrEqual(Math.max(before, newest));
      expect(mark).toBeLessThanOrEqual(h.sandbox.admin.now().getTime());
    }
  });

  it('after a quiet spell, each quiet account costs one page and the busy one only its new rows', async () => {
    const itemId = await createSyncedItem(h);
    const full = await syncItem(h.deps, itemId, { reason: 'manual' });
    expect(full.accounts.every((a) => a.mode === 'full' && a.pages > 2)).toBe(true);

    // The rows the backfill saw were created within the margin of its start: the first incremental
    // re-reads them once (that is what the margin is for); from then on the watermark has moved.
    await h.sandbox.admin.advanceClock(3 * HOUR);
    const settle = await syncItem(h.deps, itemId, { reason: 'manual' });
    expect(settle.accounts.every((a) => a.mode === 'incremental')).toBe(true);
    expect(settle.counts).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 });

    await h.sandbox.admin.advanceClock(3 * HOUR);
    const checking = await h.sandbox.admin.addTransactions(itemId, { count: 100, backdatedDays: 20 });
    const busy = checking[0]!.accountId;
    const result = await syncItem(h.deps, itemId, { reason: 'manual' });

    // (counts also cover the accounts, whose balances moved; the listings' own figures are per account)
    expect(result.accounts.reduce((n, a) => n + a.inserted, 0)).toBe(100);
    for (const a of result.accounts) {
      expect(a.mode).toBe('incremental');
      if (a.accountId === busy) {
        expect(a).toMatchObject({ fetched: 100, inserted: 100, updated: 0, deleted: 0 });
        expect(a.pages).toBe(Math.ceil(100 / PAGE));
      } else {
        expect(a).toMatchObject({ fetched: 0, inserted: 0, updated: 0, deleted: 0 });
        expect(a.pages).toBe(1);
      }
    }
    expect(await storedSnapshot(h.db, itemId)).toEqual(truthSnapshot(h.sandbox, itemId));

    // A quiet account's next listing asks from (its last listing's start − margin): nothing older.
    const quiet = result.accounts.find((a) => a.accountId !== busy)!.accountId;
    const mark = await watermarkOf(itemId, quiet);
    expect(h.sandbox.admin.now().getTime() - mark!).toBeLessThan(HOUR);
  });

  it('rows created while a listing runs, dated in any of its pages, are caught by the next sync', async () => {
    const itemId = await createSyncedItem(h);
    let added: Promise<string[]> | undefined;
    // Rows arrive in the middle of the backfill's first account, dated over the last 30 days: a
    // listing in date order may already have passed their dates.
    const first = await syncItem(h.deps, itemId, {
      reason: 'manual',
      onProgress: (e) => {
        if (e.kind === 'page' && e.pages === 3 && !added) {
          added = h.sandbox.admin
            .addTransactions(itemId, { count: 6, backdatedDays: 30 })
            .then((rows) => rows.map((t) => t.id));
        }
      },
    });
    expect(first.outcome).toBe('synced');
    const ids = await added!;
    expect(ids).toHaveLength(6);
    await h.sandbox.admin.advanceClock(3 * HOUR);
    await syncItem(h.deps, itemId, { reason: 'manual' });
    const stored = await storedSnapshot(h.db, itemId);
    const held = new Set(Object.values(stored).flatMap((a) => a.ids));
    for (const id of ids) expect(held.has(id)).toBe(true);
    expect(stored).toEqual(truthSnapshot(h.sandbox, itemId));
  });
});
