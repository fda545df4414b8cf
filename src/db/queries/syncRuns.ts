import { clampLimit } from '../params.ts';
import type { Db } from '../pool.ts';

/** One sync of an item, as a record with a state: running → succeeded | failed. */
export type SyncRunKind = 'full' | 'incremental' | 'updated' | 'deleted' | 'safety_net' | (string & {});
export type SyncRunStatus = 'running' | 'succeeded' | 'failed';

export type RunCounts = {
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
  rowsUnchanged: number;
  pages: number;
};

export type SyncRunRow = RunCounts & {
  id: string;
  itemId: string;
  kind: SyncRunKind;
  status: SyncRunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  jobId: string | null;
};

const COLUMNS = `id, item_id AS "itemId", kind, status, started_at AS "startedAt", finished_at AS "finishedAt",
  rows_inserted AS "rowsInserted", rows_updated AS "rowsUpdated", rows_deleted AS "rowsDeleted",
  rows_unchanged AS "rowsUnchanged", pages, error, job_id AS "jobId"`;

function delta(c: Partial<RunCounts> = {}): number[] {
  return [c.rowsInserted ?? 0, c.rowsUpdated ?? 0, c.rowsDeleted ?? 0, c.rowsUnchanged ?? 0, c.pages ?? 0];
}

const ADD_COUNTS = `rows_inserted = rows_inserted + $2, rows_updated = rows_updated + $3,
  rows_deleted = rows_deleted + $4, rows_unchanged = rows_unchanged + $5, pages = pages + $6`;

export async function startRun(
  db: Db,
  run: { itemId: string; kind: SyncRunKind; jobId?: string | null },
): Promise<SyncRunRow> {
  const res = await db.query<SyncRunRow>(
    `INSERT INTO sync_runs (item_id, kind, job_id) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    [run.itemId, run.kind, run.jobId ?? null],
  );
  return res.rows[0]!;
}

/**
 * Adds to a running run's counters (e.g. after each committed page, in that page's transaction).
 * finishRun and failRun add their counts the same way: counts are cumulative, never overwritten.
 */
export async function addRunProgress(db: Db, runId: string, counts: Partial<RunCounts>): Promise<boolean> {
  const res = await db.query(`UPDATE sync_runs SET ${ADD_COUNTS} WHERE id = $1 AND status = 'running'`, [
    runId,
    ...delta(counts),
  ]);
  return (res.rowCount ?? 0) > 0;
}

/** Removes a run that should leave no trace (a job for an item we hold nothing of: see runRecord.ts). */
export async function deleteRun(db: Db, runId: string): Promise<void> {
  await db.query('DELETE FROM sync_runs WHERE id = $1', [runId]);
}

/** running → succeeded. Returns false when the run was not running (already finished or failed). */
export async function finishRun(db: Db, runId: string, counts?: Partial<RunCounts>): Promise<boolean> {
  const res = await db.query(
    `UPDATE sync_runs SET ${ADD_COUNTS}, status = 'succeeded', finished_at = now()
     WHERE id = $1 AND status = 'running'`,
    [runId, ...delta(counts)],
  );
  return (res.rowCount ?? 0) > 0;
}

/** running → failed with the error text (no secrets: it is shown to operators). */
export async function failRun(
  db: Db,
  runId: string,
  error: string,
  counts?: Partial<RunCounts>,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE sync_runs SET ${ADD_COUNTS}, status = 'failed', finished_at = now(), error = $7
     WHERE id = $1 AND status = 'running'`,
    [runId, ...delta(counts), error],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function getRun(db: Db, runId: string): Promise<SyncRunRow | null> {
  const res = await db.query<SyncRunRow>(`SELECT ${COLUMNS} FROM sync_runs WHERE id = $1`, [runId]);
  return res.rows[0] ?? null;
}

/** Newest first; all items or one; `limit` 1–500 (default 50). */
export async function listRuns(
  db: Db,
  opts: { itemId?: string; status?: SyncRunStatus; limit?: number } = {},
): Promise<SyncRunRow[]> {
  const res = await db.query<SyncRunRow>(
    `SELECT ${COLUMNS} FROM sync_runs
     WHERE ($1::text IS NULL OR item_id = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY started_at DESC, id DESC LIMIT $3`,
    [opts.itemId ?? null, opts.status ?? null, clampLimit(opts.limit, 50, 500)],
  );
  return res.rows;
}

/**
 * Runs still 'running' that started before `startedBefore` belong to a process that died: mark
 * them failed (call at start-up with the start time). Returns how many.
 */
export async function abandonRunningRuns(
  db: Db,
  startedBefore: Date,
  reason = 'abandoned: the process running it stopped',
): Promise<number> {
  const res = await db.query(
    `UPDATE sync_runs SET status = 'failed', finished_at = now(), error = $2
     WHERE status = 'running' AND started_at < $1`,
    [startedBefore, reason],
  );
  return res.rowCount ?? 0;
}

/**
 * Runs of this item still marked 'running' belong to a process that died mid-run (SIGKILL, OOM,
 * power): the caller holds the item's lock, so no live process can be running them. Marked failed
 * so the audit trail tells the truth. Returns how many.
 */
export async function abandonItemRuns(db: Db, itemId: string): Promise<number> {
  const res = await db.query(
    `UPDATE sync_runs SET status = 'failed', finished_at = now(),
       error = 'interrupted: the process running it stopped before finishing'
     WHERE item_id = $1 AND status = 'running'`,
    [itemId],
  );
  return res.rowCount ?? 0;
}

/**
 * The state of an item's syncing for operators and the API: the last run, the last success and how
 * many runs failed in a row since. A job that keeps failing shows up here (and in pg-boss's failed
 * jobs), never silently.
 */
export type ItemSyncHealth = {
  lastRunAt: Date | null;
  lastStatus: 'running' | 'succeeded' | 'failed' | null;
  lastError: string | null;
  lastSuccessAt: Date | null;
  failuresSinceSuccess: number;
};

export async function getItemSyncHealth(db: Db, itemId: string): Promise<ItemSyncHealth> {
  const res = await db.query<ItemSyncHealth>(
    `WITH last_ok AS (
       SELECT max(finished_at) AS at FROM sync_runs WHERE item_id = $1 AND status = 'succeeded'
     ), last_run AS (
       SELECT started_at, status, error FROM sync_runs WHERE item_id = $1
       ORDER BY started_at DESC, id DESC LIMIT 1
     )
     SELECT (SELECT started_at FROM last_run) AS "lastRunAt",
            (SELECT status FROM last_run) AS "lastStatus",
            (SELECT error FROM last_run) AS "lastError",
            (SELECT at FROM last_ok) AS "lastSuccessAt",
            (SELECT count(*)::int FROM sync_runs r, last_ok
              WHERE r.item_id = $1 AND r.status = 'failed'
                AND (last_ok.at IS NULL OR r.started_at > last_ok.at)) AS "failuresSinceSuccess"`,
    [itemId],
  );
  return res.rows[0]!;
}

/** Per item: whether a sync run is in progress right now (a crashed run is closed by abandonRunningRuns). */
export async function runningItemIds(db: Db, itemIds: readonly string[]): Promise<Set<string>> {
  if (itemIds.length === 0) return new Set();
  const res = await db.query<{ itemId: string }>(
    `SELECT DISTINCT item_id AS "itemId" FROM sync_runs WHERE status = 'running' AND item_id = ANY($1::text[])`,
    [[...itemIds]],
  );
  return new Set(res.rows.map((r) => r.itemId));
}

/** Erasure: the sync history of these items (kept after a purge otherwise). Returns the count. */
export async function deleteRunsOfItems(db: Db, itemIds: readonly string[]): Promise<number> {
  if (itemIds.length === 0) return 0;
  const res = await db.query('DELETE FROM sync_runs WHERE item_id = ANY($1::text[])', [[...itemIds]]);
  return res.rowCount ?? 0;
}

/** For metrics: finished runs of the last day by kind and status, with their summed duration. */
export async function recentRunStats(
  db: Db,
): Promise<Array<{ kind: string; status: string; n: number; seconds: number }>> {
  const res = await db.query<{ kind: string; status: string; n: number; seconds: number }>(
    `SELECT kind, status, count(*)::int AS n,
            coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8 AS seconds
     FROM sync_runs WHERE finished_at > now() - interval '1 day' GROUP BY kind, status`,
  );
  return res.rows;
}

/**
 * The person's items with a sync running, found by the person rather than by item ids, so a read
 * can ask it at the same time as the items themselves (one round trip less on its critical path).
 */
export async function runningItemIdsOfUser(db: Db, userId: string): Promise<Set<string>> {
  const res = await db.query<{ itemId: string }>({
    name: 'sync-runs.running-of-user',
    text: `SELECT DISTINCT r.item_id AS "itemId" FROM sync_runs r JOIN items i ON i.id = r.item_id
            WHERE r.status = 'running' AND i.user_id = $1`,
    values: [userId],
  });
  return new Set(res.rows.map((r) => r.itemId));
}

/** The operator's status: runs going now, and runs failed within the last `hours`, by kind. */
export async function runStatusSince(
  db: Db,
  hours: number,
): Promise<{ running: number; failed: number; failedByKind: Array<{ kind: string; n: number }> }> {
  const res = await db.query<{ kind: string; running: number; failed: number }>(
    `SELECT kind,
            count(*) FILTER (WHERE status = 'running')::int AS running,
            count(*) FILTER (WHERE status = 'failed'
                               AND coalesce(finished_at, started_at) > now() - make_interval(hours => $1))::int AS failed
       FROM sync_runs
      WHERE status = 'running' OR coalesce(finished_at, started_at) > now() - make_interval(hours => $1)
      GROUP BY kind ORDER BY kind`,
    [hours],
  );
  return {
    running: res.rows.reduce((n, r) => n + r.running, 0),
    failed: res.rows.reduce((n, r) => n + r.failed, 0),
    failedByKind: res.rows.filter((r) => r.failed > 0).map((r) => ({ kind: r.kind, n: r.failed })),
  };
}

/** Every run of the given items (oldest first): the scale-out test's check that none overlapped. */
export async function listRunIntervals(
  db: Db,
  itemIds: readonly string[],
): Promise<Array<{ itemId: string; startedAt: Date; finishedAt: Date | null; status: string }>> {
  const res = await db.query<{ itemId: string; startedAt: Date; finishedAt: Date | null; status: string }>(
    `SELECT item_id AS "itemId", started_at AS "startedAt", finished_at AS "finishedAt", status
       FROM sync_runs WHERE item_id = ANY($1::text[]) ORDER BY item_id, started_at`,
    [[...itemIds]],
  );
  return res.rows;
}
