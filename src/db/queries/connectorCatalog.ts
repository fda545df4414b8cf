import type pg from 'pg';
import type { Db } from '../pool.ts';

/**
 * The connector list shared by every process (table connector_catalog, migration 011). Ages come
 * from the database's clock, so processes on different machines agree on when the list expires.
 */

export type StoredCatalog<T> = { connectors: T[]; ageMs: number };

export async function readCatalog<T>(db: Db, scope: string): Promise<StoredCatalog<T> | undefined> {
  const res = await db.query<{ connectors: T[]; ageMs: number }>(
    `SELECT connectors, (extract(epoch FROM clock_timestamp() - fetched_at) * 1000)::float8 AS "ageMs"
       FROM connector_catalog WHERE scope = $1`,
    [scope],
  );
  return res.rows[0];
}

export async function writeCatalog<T>(db: Db, scope: string, connectors: T[]): Promise<void> {
  await db.query(
    `INSERT INTO connector_catalog (scope, fetched_at, connectors) VALUES ($1, clock_timestamp(), $2)
     ON CONFLICT (scope) DO UPDATE SET fetched_at = excluded.fetched_at, connectors = excluded.connectors`,
    [scope, JSON.stringify(connectors)],
  );
}

/**
 * Runs `fn` holding the scope's refresh lock (a transaction-level advisory lock): processes that
 * find the list expired at the same moment queue here, and the ones after the first find it fresh.
 * The lock ends with the transaction, also when the process dies.
 */
export async function withCatalogLock<R>(
  pool: pg.Pool,
  scope: string,
  fn: (db: pg.PoolClient) => Promise<R>,
): Promise<R> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('connector_catalog:' || $1, 0))`, [
      scope,
    ]);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
