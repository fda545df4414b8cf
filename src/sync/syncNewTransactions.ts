import { getAccount } from '../db/queries/accounts.ts';
import { itemDeletedAt } from '../db/queries/items.ts';
import { type AccountTransactionsResult, syncAccountTransactions } from './accountTransactions.ts';
import type { SyncDeps } from './deps.ts';
import { type LockOptions, lockOptionsOf, withItemLock } from './itemLock.ts';
import type { TransactionsCreatedJob } from './jobs.ts';
import { recordRun } from './runRecord.ts';
import { type SyncItemResult, syncItemLocked } from './syncItem.ts';

export type SyncNewTransactionsResult =
  | { kind: 'account'; runId: string; result: AccountTransactionsResult }
  /** The account (or item) was not stored yet: the whole item was synced instead. */
  | { kind: 'item'; result: SyncItemResult }
  | { kind: 'deleted' };

/**
 * `transactions/created` (docs/pluggy.md#transaction-events): fetches the account's rows created since the
 * announced `createdAtFrom` — or since our watermark minus the margin, if that is earlier, so a webhook that
 * arrives after a gap never leaves one. Never by transaction date
 * (docs/pluggy.md#incremental-sync-by-createdat). An account we do not hold yet (a new card, a first webhook
 * before the first sync) triggers a full item sync: its rows need the account row first.
 */
export async function syncNewTransactions(
  deps: SyncDeps,
  job: TransactionsCreatedJob,
  opts: LockOptions & { jobId?: string } = {},
): Promise<SyncNewTransactionsResult> {
  const { itemId, accountId } = job;
  return withItemLock(deps.pool, itemId, lockOptionsOf(opts), async () => {
    if (await itemDeletedAt(deps.pool, itemId)) return { kind: 'deleted' as const };
    const account = await getAccount(deps.pool, accountId);
    if (!account || account.itemId !== itemId) {
      const result = await syncItemLocked(deps, itemId, {
        reason: 'webhook',
        ...(opts.jobId ? { jobId: opts.jobId } : {}),
      });
      return { kind: 'item' as const, result };
    }
    return recordRun(deps, { itemId, kind: 'created', jobId: opts.jobId ?? null }, async (run) => ({
      kind: 'account' as const,
      runId: run.id,
      result: await syncAccountTransactions(deps, run, {
        itemId,
        accountId,
        createdAtFrom: job.createdAtFrom,
      }),
    }));
  });
}
