import { getAccount, upsertAccounts } from '../db/queries/accounts.ts';
import { itemDeletedAt } from '../db/queries/items.ts';
import { PluggyError } from '../pluggy/index.ts';
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
/**
 * New rows move the account's balance (and a card's available limit), and the event that announces
 * them is often the only one: the assistant asked "how much do I have" right after a purchase must not
 * see the balance of the last full sync beside today's rows. One call, after the rows are stored.
 * An account Pluggy no longer has is left to the next item sync, which removes it.
 */
async function refreshAccountRow(deps: SyncDeps, itemId: string, accountId: string): Promise<void> {
  let fresh: Awaited<ReturnType<SyncDeps['pluggy']['getAccount']>>;
  try {
    fresh = await deps.pluggy.getAccount(accountId);
  } catch (err) {
    if (err instanceof PluggyError && err.code === 'not-found') return;
    throw err;
  }
  if (fresh.itemId && fresh.itemId !== itemId) return;
  await upsertAccounts(deps.pool, itemId, [fresh]);
}

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
    return recordRun(deps, { itemId, kind: 'created', jobId: opts.jobId ?? null }, async (run) => {
      const result = await syncAccountTransactions(deps, run, {
        itemId,
        accountId,
        createdAtFrom: job.createdAtFrom,
      });
      await refreshAccountRow(deps, itemId, accountId);
      return { kind: 'account' as const, runId: run.id, result };
    });
  });
}
