import { withTransaction } from '../db/pool.ts';
import { getWatermark, setWatermark, type SyncStateKey } from '../db/queries/syncState.ts';
import {
  deleteAccountTransactionsNotIn,
  identicalTransactionIds,
  upsertTransactions,
} from '../db/queries/transactions.ts';
import type { Transaction, TransactionFilter } from '../pluggy/index.ts';
import { nowOf, type SyncDeps, tuningOf } from './deps.ts';
import type { RunHandle } from './runRecord.ts';

/**
 * One account's transactions, streamed page by page from Pluggy's v2 cursor (contract part 02 §2.1)
 * and committed in batches. Memory holds at most the page being fetched, the page being read and
 * one batch, however long the history.
 *
 * Three ways to list, chosen from sync_state:
 * - full: no filter — the whole history Pluggy has. Used when the account was never listed to the
 *   end, when asked, and every `fullRelistAfterMs` as the safety net for deletions and in-place
 *   updates whose webhooks were lost. Only a full listing run start to end diffs id sets (§8.3: lists
 *   carry no tombstones), and only within the dates it returned.
 * - resume: a full listing a crash interrupted continues after its last committed batch. The
 *   cursor is ordered by (date, id) (§2.1), so the remaining rows are those dated from the last
 *   committed row's date on (`dateFrom`, or `dateTo` if Pluggy lists newest first — the direction is
 *   unverified, so it is observed, and without a clear direction the listing restarts instead).
 * - incremental: `createdAtFrom` = watermark − margin (§2.7: never by `date`, which misses rows
 *   Pluggy stores late with an old date).
 *
 * The watermark is max(createdAt) of a listing that reached its end, and moves in the transaction
 * of that listing's last batch. It is not advanced batch by batch, because the listing is ordered
 * by date, not createdAt: after a crash mid-listing, a watermark taken from the committed part
 * could skip older-created rows dated later. Re-fetching a listing is harmless: upserts that find
 * identical rows write nothing.
 */

export const TRANSACTIONS_RESOURCE = 'transactions';
/** When the account was last listed in full (our clock), for the periodic relist. */
export const FULL_LIST_RESOURCE = 'transactions:full-list';
export const LISTING_RESOURCES = { watermark: TRANSACTIONS_RESOURCE, fullList: FULL_LIST_RESOURCE };

export type ListingMode = 'full' | 'resume' | 'incremental';

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

/** A full listing in progress, stored in sync_state.cursor so a crash resumes instead of restarting. */
type ListingProgress = {
  v: 1;
  order: 'asc' | 'desc' | null;
  /** `date` of the last committed row in listing order. */
  resumeDate: string | null;
  /** max(createdAt) over everything committed by this listing so far. */
  maxCreatedAt: string | null;
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

export async function syncAccountTransactions(
  deps: SyncDeps,
  run: RunHandle,
  opts: AccountTransactionsOptions,
): Promise<AccountTransactionsResult> {
  const { pool, pluggy, logger } = deps;
  const tuning = tuningOf(deps);
  const { itemId, accountId } = opts;
  const key: SyncStateKey = { itemId, resource: TRANSACTIONS_RESOURCE, accountId };
  const fullKey: SyncStateKey = { itemId, resource: FULL_LIST_RESOURCE, accountId };
  const state = await getWatermark(pool, key);
  const lastFull = await getWatermark(pool, fullKey);
  const watermark = state?.watermark ?? null;
  const saved = parseProgress(state?.cursor);
  const now = nowOf(deps);

  let mode: ListingMode;
  let filter: TransactionFilter = {};
  if (!watermark && !opts.full && saved?.resumeDate && saved.order) {
    mode = 'resume';
    filter = saved.order === 'asc' ? { dateFrom: saved.resumeDate } : { dateTo: saved.resumeDate };
  } else if (
    !watermark ||
    opts.full ||
    !lastFull?.watermark ||
    now.getTime() - lastFull.watermark.getTime() >= tuning.fullRelistAfterMs
  ) {
    mode = 'full';
  } else {
    mode = 'incremental';
    let from = watermark.getTime() - tuning.createdAtMarginMs;
    const hinted = opts.createdAtFrom ? Date.parse(opts.createdAtFrom) : Number.NaN;
    if (Number.isFinite(hinted) && hinted < from) from = hinted;
    filter = { createdAtFrom: new Date(from).toISOString() };
  }
  // Progress is only worth keeping for a listing that has no watermark to fall back on.
  const keepsProgress = !watermark && mode !== 'incremental';
  // Without a watermark the account was never listed to the end: its rows are new (bar a resumed
  // listing's boundary day), so checking for identical ones first would only cost a round trip.
  const rereads = watermark !== null;

  const result: AccountTransactionsResult = {
    accountId,
    mode,
    fetched: 0,
    pages: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
  };
  let seen: Set<string> | null = mode === 'full' ? new Set() : null;
  if (mode === 'resume') result.diffSkipped = 'resumed after an interruption';
  let maxCreatedAt = mode === 'resume' ? ms(saved?.maxCreatedAt) : null;
  let order: ListingProgress['order'] = mode === 'resume' ? (saved?.order ?? null) : null;
  let orderBroken = false;
  let prevDate: number | null = null;
  let lastDate: string | null = mode === 'resume' ? (saved?.resumeDate ?? null) : null;
  let minDate: number | null = null;
  let batch: Transaction[] = [];
  let pendingPages = 0;

  const write = async (rows: Transaction[], pages: number, progress: string | null, last: boolean) => {
    await withTransaction(pool, async (client) => {
      // A listing of rows we may hold already (not a first backfill) skips the identical ones before the upsert.
      const identical =
        rereads && rows.length > 0 ? await identicalTransactionIds(client, rows) : new Set<string>();
      const changed = identical.size > 0 ? rows.filter((r) => !identical.has(r.id)) : rows;
      const counts =
        changed.length > 0
          ? await upsertTransactions(client, itemId, changed)
          : { inserted: 0, updated: 0, unchanged: 0 };
      counts.unchanged += rows.length - changed.length;
      let deleted = 0;
      if (last) {
        if (seen && seen.size > 0 && minDate !== null) {
          // Only within the dates Pluggy returned: an empty or shortened history (a consent without
          // the transactions permission, history ageing out) never wipes what we hold.
          deleted = await deleteAccountTransactionsNotIn(client, accountId, [...seen], {
            from: new Date(minDate),
          });
        } else if (seen) {
          result.diffSkipped = 'the listing returned no rows';
        }
        const next = maxOf(watermark?.getTime() ?? null, maxCreatedAt);
        await setWatermark(client, key, { watermark: next === null ? null : new Date(next), cursor: null });
        if (mode !== 'incremental') await setWatermark(client, fullKey, { watermark: now, cursor: null });
      } else if (progress) {
        await setWatermark(client, key, { watermark: null, cursor: progress });
      }
      await run.count(client, {
        rowsInserted: counts.inserted,
        rowsUpdated: counts.updated,
        rowsUnchanged: counts.unchanged,
        rowsDeleted: deleted,
        pages,
      });
      result.inserted += counts.inserted;
      result.updated += counts.updated;
      result.unchanged += counts.unchanged;
      result.deleted += deleted;
    });
  };

  // One batch is written while the next is being fetched; batches still commit one at a time, in
  // listing order, so the stored resume position never passes an uncommitted row.
  let inflight: Promise<void> | null = null;
  const flush = async (last: boolean) => {
    const rows = batch;
    const pages = pendingPages;
    batch = [];
    pendingPages = 0;
    const progress =
      keepsProgress && !last
        ? JSON.stringify({
            v: 1,
            order: orderBroken ? null : order,
            resumeDate: lastDate,
            maxCreatedAt: maxCreatedAt === null ? null : new Date(maxCreatedAt).toISOString(),
          } satisfies ListingProgress)
        : null;
    if (inflight) await inflight;
    const writing = write(rows, pages, progress, last);
    inflight = writing;
    // Observed by the next flush (or the finally below); never an unhandled rejection meanwhile.
    writing.catch(() => {});
    if (last) await writing;
  };

  try {
    for await (const page of prefetched(pluggy.transactionPages(accountId, filter))) {
      result.pages++;
      pendingPages++;
      for (const t of page) {
        if (t.accountId !== accountId) {
          // The cursor is per account; a foreign row would be booked to the wrong account.
          logger.warn(
            { itemId, accountId, transactionId: t.id, other: t.accountId },
            'skipped a row of another account',
          );
          continue;
        }
        result.fetched++;
        const date = Date.parse(t.date);
        if (prevDate !== null && date !== prevDate) {
          const dir = date > prevDate ? 'asc' : 'desc';
          if (order === null) order = dir;
          else if (order !== dir) orderBroken = true;
        }
        prevDate = date;
        lastDate = t.date;
        if (minDate === null || date < minDate) minDate = date;
        maxCreatedAt = maxOf(maxCreatedAt, Date.parse(t.createdAt));
        if (seen) {
          seen.add(t.id);
          if (seen.size > tuning.maxDiffIds) {
            seen = null;
            result.diffSkipped = `more than ${tuning.maxDiffIds} transactions in the account`;
          }
        }
        batch.push(t);
      }
      if (batch.length >= tuning.batchRows) await flush(false);
      opts.onPage?.(result.fetched, result.pages);
    }
    await flush(true);
  } finally {
    // A failed fetch must not leave a write running after we return (and release the item's lock).
    if (inflight) await (inflight as Promise<void>).catch(() => {});
  }
  if (orderBroken)
    logger.warn({ itemId, accountId }, 'transaction listing was not ordered by date; resume disabled');
  return result;
}

/**
 * Asks for the next page while the current one is being written, so the HTTP round trip and the
 * database write overlap. At most one page is in flight.
 */
async function* prefetched<T>(pages: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = pages.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = pages.next();
      // If the consumer stops (a failed commit), the in-flight fetch must not become an unhandled rejection.
      next.catch(() => {});
      yield r.value;
    }
  } finally {
    void next.then(
      () => pages.return(undefined),
      () => {},
    );
  }
}

function parseProgress(cursor: string | null | undefined): ListingProgress | null {
  if (!cursor) return null;
  try {
    const p = JSON.parse(cursor) as Partial<ListingProgress>;
    if (p.v !== 1) return null;
    return {
      v: 1,
      order: p.order === 'asc' || p.order === 'desc' ? p.order : null,
      resumeDate: typeof p.resumeDate === 'string' ? p.resumeDate : null,
      maxCreatedAt: typeof p.maxCreatedAt === 'string' ? p.maxCreatedAt : null,
    };
  } catch {
    return null;
  }
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null || !Number.isFinite(a)) return b !== null && Number.isFinite(b) ? b : null;
  if (b === null || !Number.isFinite(b)) return a;
  return Math.max(a, b);
}
