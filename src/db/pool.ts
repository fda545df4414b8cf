import pg from 'pg';
import type { Logger } from '../log.ts';

/**
 * Anything that runs a query: the pool (each call on any free connection) or one checked-out
 * client (inside a transaction). Every query module takes one as its first argument, so the same
 * function works alone or as part of a caller's transaction.
 */
export type Db = pg.Pool | pg.PoolClient;

/** `postgres://user:secret@host/db` → `postgres://user:****@host/db`, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@/]*@/, '$1:****@');
}

/**
 * A pool for `url`. An idle connection that dies (server restart, network) emits 'error' on the
 * pool; without a listener that crashes the process, so it is logged here and the pool replaces it.
 */
export function createPool(url: string, opts: { max?: number; logger?: Logger } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err: Error & { code?: string }) => {
    // Only message and code: the error object may carry connection parameters.
    const level = err.code === '57P01' ? 'warn' : 'error'; // 57P01: server shutting down
    opts.logger?.[level](
      { err: { message: err.message, code: err.code } },
      'idle database connection failed',
    );
  });
  // pg-pool listens for errors only on idle clients; a checked-out client (a transaction, the
  // per-item sync lock) whose connection drops emits 'error' with no listener, which would crash
  // the process. The query in flight still rejects, so the caller sees the failure; the client is
  // then released broken and replaced.
  pool.on('connect', (client) => {
    client.on('error', (err: Error & { code?: string }) => {
      opts.logger?.warn({ err: { message: err.message, code: err.code } }, 'database connection lost');
    });
  });
  return pool;
}

/**
 * Runs `fn` inside BEGIN … COMMIT on one client; any throw rolls back and is rethrown. A client
 * whose ROLLBACK itself fails is destroyed rather than returned to the pool.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
