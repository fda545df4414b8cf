import type { Db } from './pool.ts';

/** What a batched upsert did; `unchanged` rows were identical (same raw) and were not written. */
export type UpsertCounts = { inserted: number; updated: number; unchanged: number };

/** One round trip handles at most this many rows (arrays, so no parameter-count limit applies). */
export const BATCH_SIZE = 1000;

export function emptyCounts(): UpsertCounts {
  return { inserted: 0, updated: 0, unchanged: 0 };
}

export function addCounts(a: UpsertCounts, b: UpsertCounts): UpsertCounts {
  return {
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
  };
}

/**
 * Last occurrence of each id wins: one INSERT … ON CONFLICT DO UPDATE cannot touch the same row
 * twice ("command cannot affect row a second time"), and a page may repeat an id.
 */
export function dedupeById<T extends { id: string }>(rows: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const r of rows) {
    byId.delete(r.id);
    byId.set(r.id, r);
  }
  return [...byId.values()];
}

/**
 * Runs an UNNEST upsert per batch of BATCH_SIZE rows. `sql` takes one array parameter per column
 * (from `columns(batch)`) and ends in `RETURNING (xmax = 0) AS inserted`; rows its WHERE skipped
 * return nothing and count as unchanged. Batches are separate statements: for all-or-nothing, pass
 * a client inside withTransaction.
 */
export async function upsertInBatches<T extends { id: string }>(
  db: Db,
  rows: readonly T[],
  sql: string,
  columns: (batch: T[]) => unknown[],
): Promise<UpsertCounts> {
  const unique = dedupeById(rows);
  let counts = emptyCounts();
  for (let i = 0; i < unique.length; i += BATCH_SIZE) {
    const batch = unique.slice(i, i + BATCH_SIZE);
    const res = await db.query<{ inserted: boolean }>(sql, columns(batch));
    const inserted = res.rows.filter((r) => r.inserted).length;
    const updated = res.rows.length - inserted;
    counts = addCounts(counts, { inserted, updated, unchanged: batch.length - res.rows.length });
  }
  return counts;
}
