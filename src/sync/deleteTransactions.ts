import { withTransaction } from '../db/pool.ts';
import { deleteTransactionsByIds } from '../db/queries/transactions.ts';
import type { SyncDeps } from './deps.ts';
import { type LockOptions, lockOptionsOf, withItemLock } from './itemLock.ts';
import type { TransactionIdsJob } from './jobs.ts';
import { recordRun } from './runRecord.ts';
import { getItem } from '../db/queries/items.ts';

/**
 * `transactions/deleted` (docs/pluggy.md#transaction-events): Pluggy removed these rows — a card restatement
 * at bill closing, a pending purchase confirmed with different data
 * (docs/pluggy.md#restatements-and-deletions). Their replacements arrive with NEW ids through
 * `transactions/created`; nothing links old and new, so the old ids are simply removed. Scoped to the item,
 * so an event can only touch its own item's rows; ids we never stored are no-ops, which makes a redelivered
 * event harmless.
 */
export async function deleteTransactions(
  deps: SyncDeps,
  job: TransactionIdsJob,
  opts: LockOptions & { jobId?: string } = {},
): Promise<{ runId: string | null; deleted: number }> {
  const ids = [...new Set(job.transactionIds)];
  if (ids.length === 0) return { runId: null, deleted: 0 };
  return withItemLock(deps.pool, job.itemId, lockOptionsOf(opts), async () => {
    // Nothing of the item here (purged, or its person erased): nothing to delete, and no run left.
    if (!(await getItem(deps.pool, job.itemId))) return { runId: null, deleted: 0 };
    return recordRun(
      deps,
      { itemId: job.itemId, kind: 'deleted', jobId: opts.jobId ?? null },
      async (run) => {
        const deleted = await withTransaction(deps.pool, async (client) => {
          const n = await deleteTransactionsByIds(client, ids, { itemId: job.itemId });
          await run.count(client, { rowsDeleted: n });
          return n;
        });
        return { runId: run.id, deleted };
      },
    );
  });
}
