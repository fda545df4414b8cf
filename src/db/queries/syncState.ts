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
