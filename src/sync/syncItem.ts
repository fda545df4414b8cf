import { withTransaction } from '../db/pool.ts';
import { deleteAccountsNotIn, upsertAccounts } from '../db/queries/accounts.ts';
import { itemDeletedAt } from '../db/queries/items.ts';
import { itemNeedsBackfill } from '../db/queries/syncState.ts';
import type { RunCounts } from '../db/queries/syncRuns.ts';
import { type Item, PluggyError } from '../pluggy/index.ts';
import {
  type AccountTransactionsResult,
  LISTING_RESOURCES,
  syncAccountTransactions,
} from './accountTransactions.ts';
import { nowOf, type SyncDeps } from './deps.ts';
import { itemCollects, syncBills, syncIdentity, syncInvestments, syncLoans } from './itemProducts.ts';
import { type LockOptions, lockOptionsOf, withItemLock } from './itemLock.ts';
import type { ItemSyncJob } from './jobs.ts';
import type { SyncProgressEvent } from './progressEvents.ts';
import { purgeItemLocked } from './purgeItem.ts';
import { type RunHandle, recordRun } from './runRecord.ts';
import { markItemCurrent, storeItem } from './storeItem.ts';

/**
 * Item statuses where Pluggy has nothing new to give until the person acts (docs/pluggy.md#item-statuses,
 * #execution-lifecycle): a failed login or a prompt waiting for them. Their products are not fetched.
 * OUTDATED is not here: the login worked, the run failed, and Pluggy keeps serving what it collected before.
 * Whether the person is asked to reconnect is a separate rule (domain/itemHealth.ts).
 */
export const NOTHING_NEW_STATUSES: ReadonlySet<string> = new Set([
  'LOGIN_ERROR',
  'WAITING_USER_INPUT',
  'WAITING_USER_ACTION',
]);

export class UnknownItemError extends Error {
  override name = 'UnknownItemError';
  constructor(readonly itemId: string) {
    super(
      `Pluggy does not know item ${itemId}: a wrong id, or PLUGGY_BASE_URL points at another Pluggy. ` +
        'Nothing was removed (the service itself removes items Pluggy has deleted).',
    );
  }
}

export type SyncItemOptions = LockOptions & {
  reason: ItemSyncJob['reason'];
  /** List every account's whole history even where a watermark exists (and diff deletions). */
  full?: boolean;
  jobId?: string;
  onProgress?: (event: SyncProgressEvent) => void;
};

export type SyncItemOutcome =
  /** Everything fetched and stored. */
  | 'synced'
  /** Pluggy's item needs the person (see NOTHING_NEW_STATUSES): status stored, products skipped. */
  | 'needs-reconnect'
  /** Pluggy no longer knows the item: its local rows were removed. */
  | 'purged'
  /** We hold the item as deleted (an `item/deleted` arrived): nothing to do. */
  | 'deleted';

export type SyncItemResult = {
  itemId: string;
  outcome: SyncItemOutcome;
  runId: string | null;
  /** Pluggy's item status as fetched. */
  status: string | null;
  counts: RunCounts;
  accounts: AccountTransactionsResult[];
};

/**
 * Syncs everything of one item under its lock: Pluggy's item (status first), accounts, each
 * account's transactions (backfill, resume or incremental — see accountTransactions.ts), card
 * bills, identity, investments with movements, loans. Recorded as a sync run. Errors propagate
 * after the run is marked failed: 'rate-limited' and 'unavailable' are meant to be retried by the
 * job queue with back-off, and whatever was committed before stays committed.
 */
export async function syncItem(
  deps: SyncDeps,
  itemId: string,
  opts: SyncItemOptions,
): Promise<SyncItemResult> {
  return withItemLock(deps.pool, itemId, lockOptionsOf(opts), () => syncItemLocked(deps, itemId, opts));
}

/** For callers already holding the item's lock. */
export async function syncItemLocked(
  deps: SyncDeps,
  itemId: string,
  opts: SyncItemOptions,
): Promise<SyncItemResult> {
  const empty = (outcome: SyncItemOutcome): SyncItemResult => ({
    itemId,
    outcome,
    runId: null,
    status: null,
    counts: { rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, rowsUnchanged: 0, pages: 0 },
    accounts: [],
  });
  if (await itemDeletedAt(deps.pool, itemId)) {
    deps.logger.info({ itemId, reason: opts.reason }, 'item is deleted; sync skipped');
    return empty('deleted');
  }
  const kind =
    opts.reason === 'safety-net'
      ? 'safety_net'
      : opts.full || (await itemNeedsBackfill(deps.pool, itemId, LISTING_RESOURCES))
        ? 'full'
        : 'incremental';
  return recordRun(deps, { itemId, kind, jobId: opts.jobId ?? null }, async (run) => {
    const result = await syncWithinRun(deps, run, itemId, opts);
    return { ...result, runId: run.id, counts: { ...run.totals } };
  });
}

async function syncWithinRun(
  deps: SyncDeps,
  run: RunHandle,
  itemId: string,
  opts: SyncItemOptions,
): Promise<Omit<SyncItemResult, 'runId' | 'counts'>> {
  const { pool, pluggy, logger } = deps;
  const progress = opts.onProgress ?? (() => {});
  let item: Item;
  try {
    item = await pluggy.getItem(itemId);
  } catch (err) {
    if (err instanceof PluggyError && err.code === 'not-found') {
      // From the CLI a 404 more likely means a typo or the wrong Pluggy (PLUGGY_BASE_URL) than a
      // deleted connection: never erase data on that. Jobs purge; Pluggy deleted the item.
      if (opts.reason === 'manual') throw new UnknownItemError(itemId);
      await purgeItemLocked(deps, run, itemId);
      return { itemId, outcome: 'purged', status: null, accounts: [] };
    }
    throw err;
  }

  const stored = await storeItem(pool, item);
  if (NOTHING_NEW_STATUSES.has(item.status)) {
    logger.info({ itemId, status: item.status }, 'item needs the person to reconnect; products not fetched');
    progress({ kind: 'item', itemId, status: item.status, accounts: 0 });
    return { itemId, outcome: 'needs-reconnect', status: item.status, accounts: [] };
  }

  const accounts = await pluggy.getAccounts(itemId);
  progress({ kind: 'item', itemId, status: item.status, accounts: accounts.length });
  await withTransaction(pool, async (client) => {
    const counts = await upsertAccounts(client, itemId, accounts);
    // An empty list or a failed accounts collection is no proof the accounts are gone.
    const listed = accounts.length > 0 && item.statusDetail?.accounts?.isUpdated !== false;
    const deleted = listed
      ? await deleteAccountsNotIn(
          client,
          itemId,
          accounts.map((a) => a.id),
        )
      : 0;
    await run.count(client, {
      rowsInserted: counts.inserted,
      rowsUpdated: counts.updated,
      rowsUnchanged: counts.unchanged,
      rowsDeleted: deleted,
    });
  });

  const results: AccountTransactionsResult[] = [];
  for (const [index, account] of accounts.entries()) {
    progress({
      kind: 'account-start',
      itemId,
      accountId: account.id,
      name: account.name,
      index,
      total: accounts.length,
    });
    const res = await syncAccountTransactions(deps, run, {
      itemId,
      accountId: account.id,
      ...(opts.full ? { full: true } : {}),
      onPage: (rows, pages) => progress({ kind: 'page', itemId, accountId: account.id, rows, pages }),
    });
    results.push(res);
    progress({
      kind: 'account-done',
      itemId,
      accountId: account.id,
      rows: res.fetched,
      index,
      total: accounts.length,
    });
  }

  for (const account of accounts) {
    if (account.type !== 'CREDIT') continue;
    const n = await syncBills(deps, run, itemId, account);
    progress({ kind: 'product', itemId, product: 'bills', rows: n });
  }
  if (itemCollects(item, 'IDENTITY')) {
    progress({ kind: 'product', itemId, product: 'identity', rows: await syncIdentity(deps, run, itemId) });
  }
  if (itemCollects(item, 'INVESTMENTS')) {
    const inv = await syncInvestments(deps, run, item);
    progress({ kind: 'product', itemId, product: 'investments', rows: inv.investments + inv.movements });
  }
  if (itemCollects(item, 'LOANS')) {
    progress({ kind: 'product', itemId, product: 'loans', rows: await syncLoans(deps, run, itemId) });
  }

  await withTransaction(pool, (client) =>
    markItemCurrent(client, item, stored.item.needsReconnect, nowOf(deps)),
  );
  return { itemId, outcome: 'synced', status: item.status, accounts: results };
}
