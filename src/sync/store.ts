import type { Db } from '../db/pool.ts';

/**
 * The few statements sync needs that the shared query modules (src/db/queries) do not have. Kept
 * here, visible, rather than spread through the sync code.
 */

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

/** Which of these ids we store for the item, and in which account. */
export async function accountsOfTransactions(
  db: Db,
  itemId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const res = await db.query<{ id: string; accountId: string }>(
    `SELECT id, account_id AS "accountId" FROM transactions WHERE item_id = $1 AND id = ANY($2::text[])`,
    [itemId, [...ids]],
  );
  return new Map(res.rows.map((r) => [r.id, r.accountId]));
}

/** After a complete movement list of one investment: removes the stored movements not in it. */
export async function deleteInvestmentTransactionsNotIn(
  db: Db,
  investmentId: string,
  keepIds: readonly string[],
): Promise<number> {
  const res = await db.query(
    'DELETE FROM investment_transactions WHERE investment_id = $1 AND NOT (id = ANY($2::text[]))',
    [investmentId, [...keepIds]],
  );
  return res.rowCount ?? 0;
}

/** Every item not marked deleted, oldest first: `backfill --all`. */
export async function listLiveItemIds(db: Db): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    'SELECT id FROM items WHERE deleted_at IS NULL ORDER BY created_at, id',
  );
  return res.rows.map((r) => r.id);
}

/** Whether the item is stored and marked deleted (an `item/deleted` arrived): nothing to sync. */
export async function itemDeletedAt(db: Db, itemId: string): Promise<Date | null> {
  const res = await db.query<{ deletedAt: Date | null }>(
    'SELECT deleted_at AS "deletedAt" FROM items WHERE id = $1',
    [itemId],
  );
  return res.rows[0]?.deletedAt ?? null;
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

/**
 * Whether the item's next sync is a backfill: no accounts yet, or an account whose transactions were
 * never listed to the end (no watermark, no completed full listing — an empty account has the
 * latter only). Only labels the run; the listing decides per account.
 */
export async function itemNeedsBackfill(db: Db, itemId: string): Promise<boolean> {
  const res = await db.query<{ needs: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM accounts WHERE item_id = $1)
         OR EXISTS (
           SELECT 1 FROM accounts a
           WHERE a.item_id = $1
             AND NOT EXISTS (
               SELECT 1 FROM sync_state s
               WHERE s.item_id = a.item_id AND s.account_id = a.id
                 AND ((s.resource = 'transactions' AND s.watermark IS NOT NULL)
                      OR s.resource = 'transactions:full-list')
             )
         ) AS needs`,
    [itemId],
  );
  return res.rows[0]?.needs ?? true;
}

/** Rows an item's purge removes (its own row, accounts, transactions, bills, identity, investments, loans). */
export async function countItemRows(db: Db, itemId: string): Promise<number> {
  const res = await db.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM items WHERE id = $1)
           + (SELECT count(*) FROM accounts WHERE item_id = $1)
           + (SELECT count(*) FROM transactions WHERE item_id = $1)
           + (SELECT count(*) FROM credit_card_bills WHERE item_id = $1)
           + (SELECT count(*) FROM identities WHERE item_id = $1)
           + (SELECT count(*) FROM investments WHERE item_id = $1)
           + (SELECT count(*) FROM investment_transactions WHERE item_id = $1)
           + (SELECT count(*) FROM loans WHERE item_id = $1))::int AS n`,
    [itemId],
  );
  return res.rows[0]?.n ?? 0;
}

/**
 * The safety net's work list: live items not synced successfully since `staleBefore` (never-synced
 * first), leaving out those with a run started since `attemptedBefore` — an item that is failing or
 * waits for its person to reconnect is retried at that pace, not on every tick.
 */
export async function listItemsDueForSafetyNet(
  db: Db,
  staleBefore: Date,
  attemptedBefore: Date,
  limit = 500,
): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `SELECT i.id FROM items i
     WHERE i.deleted_at IS NULL
       AND (i.last_synced_at IS NULL OR i.last_synced_at < $1)
       AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.item_id = i.id AND r.started_at >= $2)
     ORDER BY i.last_synced_at NULLS FIRST, i.id
     LIMIT $3`,
    [staleBefore, attemptedBefore, limit],
  );
  return res.rows.map((r) => r.id);
}

/**
 * Which of these rows we already hold exactly (same raw). A re-read listing sends them through this
 * read-only check first: an upsert whose ON CONFLICT … WHERE skips an identical row still locks it,
 * which rewrites the tuple header and WAL-logs the lock — a physical write for nothing. Only the
 * rows that differ go on to the upsert. Not worth a round trip when the rows are surely new.
 */
export async function identicalTransactionIds(db: Db, rows: readonly { id: string }[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const res = await db.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::text[], $2::jsonb[]) AS u(id, raw)
     JOIN transactions t ON t.id = u.id
     WHERE t.raw = u.raw`,
    [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r))],
  );
  return new Set(res.rows.map((r) => r.id));
}
