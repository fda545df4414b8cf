import {
  abandonItemRuns,
  addRunProgress,
  deleteRun,
  failRun,
  finishRun,
  type RunCounts,
  startRun,
  type SyncRunKind,
} from '../db/queries/syncRuns.ts';
import type { Db } from '../db/pool.ts';
import { describeError } from '../domain/describeError.ts';
import type { SyncDeps } from './deps.ts';

/**
 * A sync is a record with a state (maybe-finance's lesson): every run of every job writes a
 * sync_runs row — running, then succeeded or failed with its error — and its counters grow in the
 * same transaction as each batch they count, so even a run killed mid-way shows what it committed.
 */
export type RunHandle = {
  id: string;
  /** Adds to the run's counters inside the caller's transaction (`db` = its client). */
  count(db: Db, counts: Partial<RunCounts>): Promise<void>;
  /** Totals so far in this process (for the result and progress). */
  readonly totals: RunCounts;
  /**
   * The run found nothing of ours to work on (an item Pluggy deleted of which we hold no row: a
   * job queued before its person was erased): its row is removed at the end instead of kept as
   * history, so an erased person's item ids do not come back into sync_runs.
   */
  leaveNoTrace(): void;
};

export type RunSpec = { itemId: string; kind: SyncRunKind; jobId?: string | null };

/** Call only while holding the item's lock: stale 'running' rows of the item are closed first. */
export async function recordRun<T>(
  deps: SyncDeps,
  spec: RunSpec,
  fn: (run: RunHandle) => Promise<T>,
): Promise<T> {
  const abandoned = await abandonItemRuns(deps.pool, spec.itemId);
  if (abandoned)
    deps.logger.warn({ itemId: spec.itemId, abandoned }, 'closed sync runs left running by a dead process');
  const row = await startRun(deps.pool, spec);
  const totals: RunCounts = { rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, rowsUnchanged: 0, pages: 0 };
  let traceless = false;
  const handle: RunHandle = {
    id: row.id,
    totals,
    leaveNoTrace() {
      traceless = true;
    },
    async count(db, c) {
      await addRunProgress(db, row.id, c);
      totals.rowsInserted += c.rowsInserted ?? 0;
      totals.rowsUpdated += c.rowsUpdated ?? 0;
      totals.rowsDeleted += c.rowsDeleted ?? 0;
      totals.rowsUnchanged += c.rowsUnchanged ?? 0;
      totals.pages += c.pages ?? 0;
    },
  };
  const started = performance.now();
  try {
    const result = await fn(handle);
    if (traceless) {
      await deleteRun(deps.pool, row.id);
      return result;
    }
    await finishRun(deps.pool, row.id);
    // One line per finished sync, so whoever watches the service's terminal sees the flow. Ids and
    // counts only: nothing here can carry a secret. A failure is logged where it is handled.
    deps.logger.info(
      {
        itemId: spec.itemId,
        kind: spec.kind,
        runId: row.id,
        inserted: totals.rowsInserted,
        updated: totals.rowsUpdated,
        deleted: totals.rowsDeleted,
        unchanged: totals.rowsUnchanged,
        pages: totals.pages,
        durationMs: Math.round(performance.now() - started),
      },
      'sync finished',
    );
    return result;
  } catch (err) {
    await failRun(deps.pool, row.id, describeError(err)).catch((e: Error) =>
      deps.logger.error({ err: e, runId: row.id }, 'could not record the failed sync run'),
    );
    throw err;
  }
}
