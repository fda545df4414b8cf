import type { UpsertCounts } from '../db/batch.ts';
import { type Db, withTransaction } from '../db/pool.ts';
import { getWatermark, setWatermark, type SyncStateKey } from '../db/queries/syncState.ts';
import {
  deleteAccountTransactionsNotIn,
  identicalTransactionIds,
  upsertTransactions,
} from '../db/queries/transactions.ts';
import type { Transaction } from '../pluggy/index.ts';
import { nowOf, type SyncDeps, tuningOf } from './deps.ts';
import { prefetched, SerialWriter } from './pageOverlap.ts';
import type { RunHandle } from './runRecord.ts';
import {
  type ListingEnd,
  type ListingMode,
  ListingObservation,
  type ListingPlan,
  planListing,
} from './transactionListing.ts';

/**
 * One account's transactions, streamed page by page from Pluggy's v2 cursor
 * (docs/pluggy.md#listing-transactions) and committed in batches. Memory holds at most the page being
 * fetched, the page being read and one batch, however long the history.
 *
 * Three ways to list, chosen from sync_state:
 * - full: no filter — the whole history Pluggy has. Used when the account was never listed to the
 *   end, when asked, and every `fullRelistAfterMs` as the safety net for deletions and in-place
 *   updates whose webhooks were lost. Only a full listing run start to end diffs id sets
 *   (docs/pluggy.md#restatements-and-deletions: lists carry no tombstones), and only within the dates it
 *   returned.
 * - resume: a full listing a crash interrupted continues after its last committed batch. The
 *   cursor is ordered by (date, id) (docs/pluggy.md#listing-transactions), so the remaining rows are those
 *   dated from the last committed row's date on (`dateFrom`, or `dateTo` if Pluggy lists newest first — the
 *   direction is unverified, so it is observed, and without a clear direction the listing restarts instead).
 * - incremental: `createdAtFrom` = watermark − margin (docs/pluggy.md#incremental-sync-by-createdat: never by
 *   `date`, which misses rows Pluggy stores late with an old date).
 *
 * The watermark is the later of max(createdAt) and the time Pluggy answered the first page (its
 * Date header, Pluggy's clock) of a listing that reached its end, and moves in the transaction of
 * that listing's last batch: a quiet account's next listing then starts near that time, not at
 * its newest row (docs/pluggy.md#watermark-by-pluggys-clock). It is not advanced batch by batch, because the listing is ordered
 * by date, not createdAt: after a crash mid-listing, a watermark taken from the committed part
 * could skip older-created rows dated later. Re-fetching a listing is harmless: upserts that find
 * identical rows write nothing.
 *
 * The choice of listing and what its rows say live in transactionListing.ts (pure); this file
 * drives the pages and commits the batches.
 */

export const TRANSACTIONS_RESOURCE = 'transactions';
/** When the account was last listed in full (our clock), for the periodic relist. */
export const FULL_LIST_RESOURCE = 'transactions:full-list';
export const LISTING_RESOURCES = { watermark: TRANSACTIONS_RESOURCE, fullList: FULL_LIST_RESOURCE };

export type { ListingMode };

export type AccountTransactionsResult = {
  accountId: string;
  mode: ListingMode;
  fetched: number;
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Why a full listing did not diff deletions, when it did not. */
  diffSkipped?: string;
};

export type AccountTransactionsOptions = {
  itemId: string;
  accountId: string;
  /** List everything even if a watermark exists (and diff deletions). */
  full?: boolean;
  /** A lower bound announced by `transactions/created`; the listing starts at the earlier of it and the watermark. */
  createdAtFrom?: string;
  onPage?: (fetched: number, pages: number) => void;
};

/** What a batch's transaction writes besides its rows: nothing, the resume position, or the listing's end. */
type Checkpoint =
  | { kind: 'none' }
  | { kind: 'progress'; cursor: string }
  | ({ kind: 'end'; now: Date } & ListingEnd);

type Batch = { rows: Transaction[]; pages: number; checkpoint: Checkpoint };

type Listing = {
  deps: SyncDeps;
  itemId: string;
  run: RunHandle;
  keys: { listing: SyncStateKey; fullList: SyncStateKey };
  plan: ListingPlan;
  result: AccountTransactionsResult;
};

export async function syncAccountTransactions(
  deps: SyncDeps,
  run: RunHandle,
  opts: AccountTransactionsOptions,
): Promise<AccountTransactionsResult> {
  const tuning = tuningOf(deps);
  const { itemId, accountId } = opts;
  const keys = {
    listing: { itemId, resource: TRANSACTIONS_RESOURCE, accountId },
    fullList: { itemId, resource: FULL_LIST_RESOURCE, accountId },
  };
  const now = nowOf(deps);
  const plan = planListing({
    listing: await getWatermark(deps.pool, keys.listing),
    lastFull: await getWatermark(deps.pool, keys.fullList),
    full: opts.full ?? false,
    createdAtFrom: opts.createdAtFrom,
    now,
    tuning,
  });
  const listing: Listing = { deps, itemId, run, keys, plan, result: emptyResult(accountId, plan.mode) };
  const { result } = listing;
  const seen = new ListingObservation(plan, tuning.maxDiffIds);
  // One batch is written while the next is being fetched; batches still commit one at a time, in
  // listing order, so the stored resume position never passes an uncommitted row.
  const writer = new SerialWriter();
  let rows: Transaction[] = [];
  let pages = 0;
  const commit = (checkpoint: Checkpoint) => {
    const batch = { rows, pages, checkpoint };
    rows = [];
    pages = 0;
    return writer.write(() => commitBatch(listing, batch), { last: checkpoint.kind === 'end' });
  };

  try {
    const listed = deps.pluggy.transactionPages(accountId, plan.filter, {
      onListingStart: (pluggyTime) => seen.started(pluggyTime),
    });
    for await (const page of prefetched(listed)) {
      result.pages++;
      pages++;
      for (const t of ownRows(deps, opts, page)) {
        result.fetched++;
        seen.observe(t);
        rows.push(t);
      }
      if (rows.length >= tuning.batchRows) {
        const cursor = seen.progress();
        await commit(cursor ? { kind: 'progress', cursor } : { kind: 'none' });
      }
      opts.onPage?.(result.fetched, result.pages);
    }
    const end = seen.end();
    if (seen.diffSkipped !== undefined) result.diffSkipped = seen.diffSkipped;
    await commit({ kind: 'end', now, ...end });
  } finally {
    // A failed fetch must not leave a write running after we return (and release the item's lock).
    await writer.settle();
  }
  if (seen.unordered)
    deps.logger.warn({ itemId, accountId }, 'transaction listing was not ordered by date; resume disabled');
  return result;
}

/** The page's rows of this account. The cursor is per account; a foreign row would be booked to the wrong account. */
function ownRows(deps: SyncDeps, opts: AccountTransactionsOptions, page: Transaction[]): Transaction[] {
  const own = page.filter((t) => t.accountId === opts.accountId);
  if (own.length === page.length) return page;
  for (const t of page) {
    if (t.accountId === opts.accountId) continue;
    deps.logger.warn(
      { itemId: opts.itemId, accountId: opts.accountId, transactionId: t.id, other: t.accountId },
      'skipped a row of another account',
    );
  }
  return own;
}

/** One batch in one transaction: its rows, its checkpoint and the run's counters. */
async function commitBatch(listing: Listing, batch: Batch): Promise<void> {
  const { deps, run, result } = listing;
  await withTransaction(deps.pool, async (client) => {
    const counts = await writeRows(client, listing, batch.rows);
    const deleted = await writeCheckpoint(client, listing, batch.checkpoint);
    await run.count(client, {
      rowsInserted: counts.inserted,
      rowsUpdated: counts.updated,
      rowsUnchanged: counts.unchanged,
      rowsDeleted: deleted,
      pages: batch.pages,
    });
    result.inserted += counts.inserted;
    result.updated += counts.updated;
    result.unchanged += counts.unchanged;
    result.deleted += deleted;
  });
}

/**
 * Upserts the rows. A listing of rows we may hold already (not a first backfill) skips the
 * identical ones before the upsert (see identicalTransactionIds).
 */
async function writeRows(db: Db, listing: Listing, rows: Transaction[]): Promise<UpsertCounts> {
  const identical =
    listing.plan.rereads && rows.length > 0 ? await identicalTransactionIds(db, rows) : new Set<string>();
  const changed = identical.size > 0 ? rows.filter((r) => !identical.has(r.id)) : rows;
  const counts =
    changed.length > 0
      ? await upsertTransactions(db, listing.itemId, changed)
      : { inserted: 0, updated: 0, unchanged: 0 };
  return { ...counts, unchanged: counts.unchanged + rows.length - changed.length };
}

/** Writes the batch's checkpoint; returns the rows the deletion diff removed. */
async function writeCheckpoint(db: Db, listing: Listing, checkpoint: Checkpoint): Promise<number> {
  const { keys, plan, result } = listing;
  switch (checkpoint.kind) {
    case 'none':
      return 0;
    case 'progress':
      await setWatermark(db, keys.listing, { watermark: null, cursor: checkpoint.cursor });
      return 0;
    case 'end': {
      const deleted = checkpoint.diff
        ? await deleteAccountTransactionsNotIn(db, result.accountId, checkpoint.diff.keepIds, {
            from: checkpoint.diff.from,
          })
        : 0;
      await setWatermark(db, keys.listing, { watermark: checkpoint.watermark, cursor: null });
      if (plan.mode !== 'incremental') {
        await setWatermark(db, keys.fullList, { watermark: checkpoint.now, cursor: null });
      }
      return deleted;
    }
  }
}

function emptyResult(accountId: string, mode: ListingMode): AccountTransactionsResult {
  return { accountId, mode, fetched: 0, pages: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0 };
}
