import { withTransaction } from '../db/pool.ts';
import { listAccountsByItem } from '../db/queries/accounts.ts';
import { itemDeletedAt } from '../db/queries/items.ts';
import { accountsOfTransactions, upsertTransactions } from '../db/queries/transactions.ts';
import type { Transaction } from '../pluggy/index.ts';
import type { SyncDeps } from './deps.ts';
import { type LockOptions, lockOptionsOf, withItemLock } from './itemLock.ts';
import type { TransactionIdsJob } from './jobs.ts';
import { recordRun } from './runRecord.ts';
import { syncItemLocked } from './syncItem.ts';

export type RefreshTransactionsResult = {
  runId: string | null;
  requested: number;
  /** Ids Pluggy returned and we stored (inserted or updated or found identical). */
  found: number;
  inserted: number;
  updated: number;
  unchanged: number;
};

/**
 * `transactions/updated` (docs/pluggy.md#transaction-events): re-reads the named rows by id (≤ 500 per
 * request, docs/pluggy.md#listing-transactions) and upserts them; a pending row that posted in place, a new
 * category, a bill id set at closing all arrive this way. An id Pluggy no longer returns is left alone here:
 * its deletion comes as `transactions/deleted` (or the periodic full relist's diff).
 */
export async function refreshTransactions(
  deps: SyncDeps,
  job: TransactionIdsJob,
  opts: LockOptions & { jobId?: string } = {},
): Promise<RefreshTransactionsResult> {
  const { itemId } = job;
  const ids = [...new Set(job.transactionIds)];
  const none = { runId: null, requested: ids.length, found: 0, inserted: 0, updated: 0, unchanged: 0 };
  if (ids.length === 0) return none;
  return withItemLock(deps.pool, itemId, lockOptionsOf(opts), async () => {
    if (await itemDeletedAt(deps.pool, itemId)) return none;
    const accounts = new Set((await listAccountsByItem(deps.pool, itemId)).map((a) => a.id));
    if (accounts.size === 0) {
      // An item we never synced: the full sync reads these rows along with everything else.
      const synced = await syncItemLocked(deps, itemId, {
        reason: 'webhook',
        ...(opts.jobId ? { jobId: opts.jobId } : {}),
      });
      return { ...none, runId: synced.runId };
    }
    return recordRun(deps, { itemId, kind: 'updated', jobId: opts.jobId ?? null }, async (run) => {
      // v2 lists need an accountId: ids we hold say which; the rest go to the event's account, or
      // to every account of the item when the event named none.
      const stored = await accountsOfTransactions(deps.pool, itemId, ids);
      const byAccount = new Map<string, string[]>();
      for (const id of ids) {
        const targets = stored.has(id) ? [stored.get(id)!] : job.accountId ? [job.accountId] : [...accounts];
        for (const a of targets) {
          if (!accounts.has(a)) continue;
          const list = byAccount.get(a);
          if (list) list.push(id);
          else byAccount.set(a, [id]);
        }
      }
      const fetched: Transaction[] = [];
      for (const [accountId, accountIds] of byAccount) {
        const rows = await deps.pluggy.getTransactionsByIds(accountId, accountIds);
        fetched.push(...rows.filter((r) => r.accountId === accountId));
      }
      const counts = await withTransaction(deps.pool, async (client) => {
        const c = await upsertTransactions(client, itemId, fetched);
        await run.count(client, {
          rowsInserted: c.inserted,
          rowsUpdated: c.updated,
          rowsUnchanged: c.unchanged,
          pages: byAccount.size,
        });
        return c;
      });
      return { runId: run.id, requested: ids.length, found: fetched.length, ...counts };
    });
  });
}
