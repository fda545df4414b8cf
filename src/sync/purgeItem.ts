import { withTransaction } from '../db/pool.ts';
import { countItemRows, purgeItem as deleteItemRows, getItem } from '../db/queries/items.ts';
import type { SyncDeps } from './deps.ts';
import { type LockOptions, lockOptionsOf, withItemLock } from './itemLock.ts';
import { type RunHandle, recordRun } from './runRecord.ts';

/**
 * Removes every local row of an item Pluggy deleted (`item/deleted`, or its GET answering 404).
 * The item row goes too, by cascade with everything under it; sync_runs and webhook_events stay as
 * history. Runs under the item's lock, so it never interleaves with a sync writing the same rows.
 */
export async function purgeItem(
  deps: SyncDeps,
  itemId: string,
  opts: { jobId?: string } & LockOptions = {},
): Promise<{ runId: string; rowsDeleted: number }> {
  return withItemLock(deps.pool, itemId, lockOptionsOf(opts), () =>
    recordRun(deps, { itemId, kind: 'purge', jobId: opts.jobId ?? null }, async (run) => ({
      runId: run.id,
      rowsDeleted: await purgeItemLocked(deps, run, itemId),
    })),
  );
}

/** For callers already holding the item's lock inside a run. */
export async function purgeItemLocked(deps: SyncDeps, run: RunHandle, itemId: string): Promise<number> {
  if (!(await getItem(deps.pool, itemId))) {
    // Nothing of it here: purged already, or its person erased (whose promise is no row left).
    run.leaveNoTrace();
    return 0;
  }
  const rowsDeleted = await withTransaction(deps.pool, async (client) => {
    const n = await countItemRows(client, itemId);
    await deleteItemRows(client, itemId);
    await run.count(client, { rowsDeleted: n });
    return n;
  });
  deps.logger.info({ itemId, rowsDeleted }, 'item purged');
  return rowsDeleted;
}
