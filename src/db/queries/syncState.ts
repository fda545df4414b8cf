import { type TimeIn, time } from '../params.ts';
import type { Db } from '../pool.ts';

/**
 * Where incremental sync resumes, per (item, resource, account). Advance it with setWatermark in
 * the SAME transaction that commits the batch it covers, so a crash never skips rows. Item-wide
 * resources use no accountId (stored as '').
 */
export type SyncStateKey = { itemId: string; resource: string; accountId?: string };
export type SyncStateRow = { watermark: Date | null; cursor: string | null; updatedAt: Date };

export async function getWatermark(db: Db, key: SyncStateKey): Promise<SyncStateRow | null> {
  const res = await db.query<SyncStateRow>(
    `SELECT watermark, cursor, updated_at AS "updatedAt" FROM sync_state
     WHERE item_id = $1 AND resource = $2 AND account_id = $3`,
    [key.itemId, key.resource, key.accountId ?? ''],
  );
  return res.rows[0] ?? null;
}

/** Sets watermark and cursor (both as given; null clears). The item must exist. */
export async function setWatermark(
  db: Db,
  key: SyncStateKey,
  value: { watermark?: TimeIn; cursor?: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO sync_state (item_id, resource, account_id, watermark, cursor)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (item_id, resource, account_id) DO UPDATE SET
       watermark = excluded.watermark, cursor = excluded.cursor, updated_at = now()`,
    [key.itemId, key.resource, key.accountId ?? '', time(value.watermark), value.cursor ?? null],
  );
}

/** Forgets the positions of an item (all resources, or one), forcing a full re-read. Returns the count. */
export async function clearWatermarks(db: Db, itemId: string, resource?: string): Promise<number> {
  const res = await db.query(
    'DELETE FROM sync_state WHERE item_id = $1 AND ($2::text IS NULL OR resource = $2)',
    [itemId, resource ?? null],
  );
  return res.rowCount ?? 0;
}

/**
 * Whether the item's next sync is a backfill: no accounts yet, or an account whose transactions were
 * never listed to the end (no watermark, no completed full listing — an empty account has the
 * latter only). Only labels the run; the listing decides per account. `resources` names the two
 * sync_state resources of a transactions listing (src/sync/accountTransactions.ts owns them).
 */
export async function itemNeedsBackfill(
  db: Db,
  itemId: string,
  resources: { watermark: string; fullList: string },
): Promise<boolean> {
  const res = await db.query<{ needs: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM accounts WHERE item_id = $1)
         OR EXISTS (
           SELECT 1 FROM accounts a
           WHERE a.item_id = $1
             AND NOT EXISTS (
               SELECT 1 FROM sync_state s
               WHERE s.item_id = a.item_id AND s.account_id = a.id
                 AND ((s.resource = $2 AND s.watermark IS NOT NULL) OR s.resource = $3)
             )
         ) AS needs`,
    [itemId, resources.watermark, resources.fullList],
  );
  return res.rows[0]?.needs ?? true;
}
