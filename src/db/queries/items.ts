import { json, type TimeIn, text, time } from '../params.ts';
import type { Db } from '../pool.ts';

/** The fields of Pluggy's Item we normalize (docs/pluggy.md#item-object); the whole object goes to raw. */
export type PluggyItemIn = {
  id: string;
  connector?: { id?: number | null; name?: string | null } | null;
  status?: string | null;
  executionStatus?: string | null;
  statusDetail?: unknown;
  error?: unknown;
  clientUserId?: string | null;
  consentExpiresAt?: TimeIn;
  createdAt?: TimeIn;
  updatedAt?: TimeIn;
  lastUpdatedAt?: TimeIn;
  nextAutoSyncAt?: TimeIn;
};

export type ItemRow = {
  id: string;
  userId: string | null;
  clientUserId: string | null;
  connectorId: number | null;
  connectorName: string | null;
  status: string | null;
  executionStatus: string | null;
  statusDetail: unknown;
  error: unknown;
  consentExpiresAt: Date | null;
  pluggyCreatedAt: Date | null;
  pluggyUpdatedAt: Date | null;
  /** Pluggy's lastUpdatedAt: its last successful sync of the item. */
  pluggyLastUpdatedAt: Date | null;
  nextAutoSyncAt: Date | null;
  /** Our last successful sync (markItemSynced). */
  lastSyncedAt: Date | null;
  needsReconnect: boolean;
  deletedAt: Date | null;
  raw: unknown;
  createdAt: Date;
  updatedAt: Date;
};

export type WriteOutcome = 'inserted' | 'updated' | 'unchanged';

const COLUMNS = `id, user_id AS "userId", client_user_id AS "clientUserId", connector_id AS "connectorId",
  connector_name AS "connectorName", status, execution_status AS "executionStatus",
  status_detail AS "statusDetail", error, consent_expires_at AS "consentExpiresAt",
  pluggy_created_at AS "pluggyCreatedAt", pluggy_updated_at AS "pluggyUpdatedAt",
  pluggy_last_updated_at AS "pluggyLastUpdatedAt", next_auto_sync_at AS "nextAutoSyncAt",
  last_synced_at AS "lastSyncedAt", needs_reconnect AS "needsReconnect", deleted_at AS "deletedAt",
  raw, created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Stores Pluggy's view of an item. Writes nothing when raw is unchanged, and never lets an older
 * copy (Pluggy `updatedAt` before the stored one, e.g. a slow fetch racing a newer one) overwrite a
 * newer. `userId` links the item to a person (kept when omitted); `needsReconnect` sets that flag
 * (kept when omitted). Returns what happened and the stored row.
 */
export async function upsertItemFromPluggy(
  db: Db,
  item: PluggyItemIn,
  opts: { userId?: string; needsReconnect?: boolean } = {},
): Promise<{ outcome: WriteOutcome; item: ItemRow }> {
  const res = await db.query<{ inserted: boolean }>(
    `INSERT INTO items (id, user_id, client_user_id, connector_id, connector_name, status, execution_status,
       status_detail, error, consent_expires_at, pluggy_created_at, pluggy_updated_at,
       pluggy_last_updated_at, next_auto_sync_at, needs_reconnect, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, coalesce($15, false), $16)
     ON CONFLICT (id) DO UPDATE SET
       client_user_id = excluded.client_user_id,
       connector_id = excluded.connector_id,
       connector_name = excluded.connector_name,
       status = excluded.status,
       execution_status = excluded.execution_status,
       status_detail = excluded.status_detail,
       error = excluded.error,
       consent_expires_at = excluded.consent_expires_at,
       pluggy_created_at = excluded.pluggy_created_at,
       pluggy_updated_at = excluded.pluggy_updated_at,
       pluggy_last_updated_at = excluded.pluggy_last_updated_at,
       next_auto_sync_at = excluded.next_auto_sync_at,
       raw = excluded.raw,
       updated_at = now()
     WHERE items.raw IS DISTINCT FROM excluded.raw
       AND (items.pluggy_updated_at IS NULL OR excluded.pluggy_updated_at IS NULL
            OR excluded.pluggy_updated_at >= items.pluggy_updated_at)
     RETURNING (xmax = 0) AS inserted`,
    [
      item.id,
      opts.userId ?? null,
      text(item.clientUserId),
      item.connector?.id ?? null,
      text(item.connector?.name),
      text(item.status),
      text(item.executionStatus),
      json(item.statusDetail),
      json(item.error),
      time(item.consentExpiresAt),
      time(item.createdAt),
      time(item.updatedAt),
      time(item.lastUpdatedAt),
      time(item.nextAutoSyncAt),
      opts.needsReconnect ?? null,
      json(item),
    ],
  );
  const written = res.rows[0];
  let outcome: WriteOutcome = written ? (written.inserted ? 'inserted' : 'updated') : 'unchanged';
  if (outcome !== 'inserted' && (opts.userId !== undefined || opts.needsReconnect !== undefined)) {
    const linked = await db.query(
      `UPDATE items SET user_id = coalesce($2, user_id), needs_reconnect = coalesce($3, needs_reconnect),
         updated_at = now()
       WHERE id = $1
         AND (($2::uuid IS NOT NULL AND user_id IS DISTINCT FROM $2::uuid)
              OR ($3::boolean IS NOT NULL AND needs_reconnect <> $3::boolean))`,
      [item.id, opts.userId ?? null, opts.needsReconnect ?? null],
    );
    if (linked.rowCount) outcome = 'updated';
  }
  const row = await getItem(db, item.id);
  if (!row) throw new Error(`item ${item.id} vanished during upsert`);
  return { outcome, item: row };
}

export async function getItem(db: Db, id: string): Promise<ItemRow | null> {
  const res = await db.query<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE id = $1`, [id]);
  return res.rows[0] ?? null;
}

/** A person's items, oldest first; items marked deleted are left out unless asked for. */
export async function listItemsByUser(
  db: Db,
  userId: string,
  opts: { includeDeleted?: boolean } = {},
): Promise<ItemRow[]> {
  const res = await db.query<ItemRow>(
    `SELECT ${COLUMNS} FROM items
     WHERE user_id = $1 AND ($2 OR deleted_at IS NULL)
     ORDER BY created_at, id`,
    [userId, opts.includeDeleted ?? false],
  );
  return res.rows;
}

/**
 * The user's live items, each with whether a sync of it is running: one round trip for what every
 * read that shows items needs (financial-data, the items list, each MCP answer's freshness).
 */
export async function listLiveItemsWithSyncState(
  db: Db,
  userId: string,
): Promise<Array<ItemRow & { syncRunning: boolean }>> {
  const res = await db.query<ItemRow & { syncRunning: boolean }>(
    `SELECT ${COLUMNS},
       EXISTS (SELECT 1 FROM sync_runs r WHERE r.item_id = items.id AND r.status = 'running') AS "syncRunning"
     FROM items
     WHERE user_id = $1 AND deleted_at IS NULL
     ORDER BY created_at, id`,
    [userId],
  );
  return res.rows;
}

/** Gives every still-unlinked item created with this clientUserId to the user. Returns how many. */
export async function linkItemsToUser(db: Db, clientUserId: string, userId: string): Promise<number> {
  const res = await db.query(
    `UPDATE items SET user_id = $2, updated_at = now()
     WHERE client_user_id = $1 AND user_id IS NULL`,
    [clientUserId, userId],
  );
  return res.rowCount ?? 0;
}

/** Records our last successful sync of the item (call in the transaction that commits its data). */
export async function markItemSynced(db: Db, itemId: string, at: Date = new Date()): Promise<boolean> {
  const res = await db.query(
    `UPDATE items SET last_synced_at = $2, updated_at = now()
     WHERE id = $1 AND (last_synced_at IS NULL OR last_synced_at < $2)`,
    [itemId, at],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * Changes status fields without a fresh Pluggy object (e.g. from an `item/error` webhook payload).
 * Only the fields given change; `error: null` clears the error. Returns false for an unknown item.
 */
export async function setItemStatus(
  db: Db,
  itemId: string,
  patch: { status?: string; executionStatus?: string; error?: unknown; needsReconnect?: boolean },
): Promise<boolean> {
  const res = await db.query(
    `UPDATE items SET
       status = coalesce($2, status),
       execution_status = coalesce($3, execution_status),
       error = CASE WHEN $4 THEN $5::jsonb ELSE error END,
       needs_reconnect = coalesce($6, needs_reconnect),
       updated_at = now()
     WHERE id = $1`,
    [
      itemId,
      patch.status ?? null,
      patch.executionStatus ?? null,
      'error' in patch,
      json(patch.error),
      patch.needsReconnect ?? null,
    ],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Soft delete (Pluggy said the item is gone); its rows stay until purgeItem. */
export async function markItemDeleted(db: Db, itemId: string, at: Date = new Date()): Promise<boolean> {
  const res = await db.query(
    'UPDATE items SET deleted_at = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL',
    [itemId, at],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * Removes the item and, by cascade, its accounts, transactions, bills, identity, investments,
 * loans and sync state. sync_runs and webhook_events are history and stay. Returns 1 or 0.
 */
export async function purgeItem(db: Db, itemId: string): Promise<number> {
  const res = await db.query('DELETE FROM items WHERE id = $1', [itemId]);
  return res.rowCount ?? 0;
}

/**
 * Live items we have not synced since `cutoff` (never-synced first): the safety net's work list.
 * Items needing reconnection are included (their stored data can still be read); filter if needed.
 */
export async function listItemsStaleSince(
  db: Db,
  cutoff: Date,
  opts: { limit?: number } = {},
): Promise<ItemRow[]> {
  const res = await db.query<ItemRow>(
    `SELECT ${COLUMNS} FROM items
     WHERE deleted_at IS NULL AND (last_synced_at IS NULL OR last_synced_at < $1)
     ORDER BY last_synced_at NULLS FIRST, id
     LIMIT $2`,
    [cutoff, opts.limit ?? 1000],
  );
  return res.rows;
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

/** For metrics: seconds since each live item's last successful sync (never synced: since it was stored). */
export async function itemSyncLagSeconds(db: Db): Promise<Array<{ id: string; lag: number }>> {
  const res = await db.query<{ id: string; lag: number }>(
    `SELECT id, extract(epoch FROM now() - coalesce(last_synced_at, created_at))::float8 AS lag
     FROM items WHERE deleted_at IS NULL`,
  );
  return res.rows;
}

export type FreshnessRow = {
  asOf: Date | null;
  newestSyncAt: Date | null;
  nextSyncAt: Date | null;
  items: number;
};

/**
 * How fresh a person's stored data is: the oldest last successful sync among their live items
 * (every answer is at least that fresh), the newest, and the next automatic sync Pluggy announced.
 */
export async function personFreshness(db: Db, userId: string): Promise<FreshnessRow> {
  const res = await db.query<FreshnessRow>(
    `SELECT min(last_synced_at) AS "asOf", max(last_synced_at) AS "newestSyncAt",
       min(next_auto_sync_at) AS "nextSyncAt", count(*)::int AS items
     FROM items WHERE user_id = $1::uuid AND deleted_at IS NULL`,
    [userId],
  );
  return res.rows[0] ?? { asOf: null, newestSyncAt: null, nextSyncAt: null, items: 0 };
}

/** The operator's status: live items by Pluggy status, with how many of each wait for their person. */
export async function countItemsByStatus(
  db: Db,
): Promise<Array<{ status: string; items: number; needsReconnect: number }>> {
  const res = await db.query<{ status: string; items: number; needsReconnect: number }>(
    `SELECT coalesce(status, 'UNKNOWN') AS status, count(*)::int AS items,
            count(*) FILTER (WHERE needs_reconnect)::int AS "needsReconnect"
       FROM items WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1`,
  );
  return res.rows;
}
