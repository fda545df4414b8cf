import { withTransaction } from '../db/pool.ts';
import type { UpsertCounts } from '../db/batch.ts';
import { deleteBillsNotIn, upsertBills } from '../db/queries/bills.ts';
import { upsertIdentity } from '../db/queries/identities.ts';
import {
  deleteInvestmentsNotIn,
  deleteInvestmentTransactionsNotIn,
  upsertInvestments,
  upsertInvestmentTransactions,
} from '../db/queries/investments.ts';
import { deleteLoansNotIn, upsertLoans } from '../db/queries/loans.ts';
import type { Account, InvestmentTransaction, Item } from '../pluggy/index.ts';
import type { SyncDeps } from './deps.ts';
import type { RunHandle } from './runRecord.ts';

/**
 * The item's products besides accounts and transactions: card bills, identity, investments (with
 * their movements) and loans. Each is a short complete list, re-read on every sync and written with
 * change detection, so an unchanged product writes nothing. A row Pluggy no longer lists is
 * removed, but only when the list is not empty: an empty answer (product not granted, a failed
 * collection) must not wipe what we hold.
 */

/**
 * Products the item collects (docs/pluggy.md#products). Pluggy's `products` is absent from older items: then
 * everything.
 */
export function itemCollects(item: Item, product: string): boolean {
  return !item.products || item.products.includes(product);
}

function toRunCounts(c: UpsertCounts, deleted = 0) {
  return {
    rowsInserted: c.inserted,
    rowsUpdated: c.updated,
    rowsUnchanged: c.unchanged,
    rowsDeleted: deleted,
  };
}

export async function syncBills(
  deps: SyncDeps,
  run: RunHandle,
  itemId: string,
  account: Account,
): Promise<number> {
  const bills = await deps.pluggy.getBills(account.id);
  await withTransaction(deps.pool, async (client) => {
    const counts = await upsertBills(client, itemId, account.id, bills);
    const deleted = bills.length
      ? await deleteBillsNotIn(
          client,
          account.id,
          bills.map((b) => b.id),
        )
      : 0;
    await run.count(client, toRunCounts(counts, deleted));
  });
  return bills.length;
}

export async function syncIdentity(deps: SyncDeps, run: RunHandle, itemId: string): Promise<number> {
  // null = Pluggy has no identity for the item (404): nothing to store, nothing to remove.
  const identity = await deps.pluggy.getIdentity(itemId);
  if (!identity) return 0;
  await withTransaction(deps.pool, async (client) => {
    const outcome = await upsertIdentity(client, itemId, identity);
    await run.count(client, {
      rowsInserted: outcome === 'inserted' ? 1 : 0,
      rowsUpdated: outcome === 'updated' ? 1 : 0,
      rowsUnchanged: outcome === 'unchanged' ? 1 : 0,
    });
  });
  return 1;
}

export async function syncInvestments(
  deps: SyncDeps,
  run: RunHandle,
  item: Item,
): Promise<{ investments: number; movements: number }> {
  const investments = await deps.pluggy.getInvestments(item.id);
  await withTransaction(deps.pool, async (client) => {
    const counts = await upsertInvestments(client, item.id, investments);
    const deleted = investments.length
      ? await deleteInvestmentsNotIn(
          client,
          item.id,
          investments.map((i) => i.id),
        )
      : 0;
    await run.count(client, toRunCounts(counts, deleted));
  });
  let movements = 0;
  if (!itemCollects(item, 'INVESTMENTS_TRANSACTIONS')) return { investments: investments.length, movements };
  for (const investment of investments) {
    // One investment's movements are few (trades, not card swipes), so a whole list is held.
    const rows: InvestmentTransaction[] = [];
    for await (const page of deps.pluggy.investmentTransactionPages(investment.id)) rows.push(...page);
    movements += rows.length;
    await withTransaction(deps.pool, async (client) => {
      const counts = await upsertInvestmentTransactions(client, item.id, investment.id, rows);
      const deleted = rows.length
        ? await deleteInvestmentTransactionsNotIn(
            client,
            investment.id,
            rows.map((r) => r.id),
          )
        : 0;
      await run.count(client, toRunCounts(counts, deleted));
    });
  }
  return { investments: investments.length, movements };
}

export async function syncLoans(deps: SyncDeps, run: RunHandle, itemId: string): Promise<number> {
  const loans = await deps.pluggy.getLoans(itemId);
  await withTransaction(deps.pool, async (client) => {
    const counts = await upsertLoans(client, itemId, loans);
    const deleted = loans.length
      ? await deleteLoansNotIn(
          client,
          itemId,
          loans.map((l) => l.id),
        )
      : 0;
    await run.count(client, toRunCounts(counts, deleted));
  });
  return loans.length;
}
