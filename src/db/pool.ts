import pg from 'pg';
import type { Logger } from '../log.ts';

/**
 * Anything that runs a query: the pool (each call on any free connection) or one checked-out
 * client (inside a transaction). Every query module takes one as its first argument, so the same
 * function works alone or as part of a caller's transaction.
 */
export type Db = pg.Pool | pg.PoolClient;

const MASK = '****';

/** Query parameters that carry a credential (`password`, `sslpassword`, …). */
const isSecretParam = (name: string) =>
  ['password', 'secret', 'token'].some((word) => name.toLowerCase().includes(word));

/**
 * A PostgreSQL URL fit for logs and messages: the password masked, in the userinfo and in any query
 * parameter that carries one (`?password=…`), user, host, port and database kept. Parsed, not
 * pattern-matched: forms WHATWG URL rejects (several hosts, a raw `/`, `?` or `#` in the password)
 * are split by hand at the last `@`, which is where libpq ends the userinfo too.
 */
export function redactUrl(url: string): string {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  // `postgres://u:123/x@h/db` parses as host `u`, port 123, path `/x@h/db`: the password hides in
  // the path. An `@` left in the path means the URL was misread, so read it by hand.
  if (!u || decodeURIComponent(u.pathname).includes('@')) return redactByHand(url);
  if (u.password) u.password = MASK;
  for (const name of [...u.searchParams.keys()]) if (isSecretParam(name)) u.searchParams.set(name, MASK);
  return u.toString();
}

function redactByHand(url: string): string {
  const sep = url.indexOf('://');
  if (sep < 0) return '[unreadable database URL]'; // never echo what cannot be read
  let rest = url.slice(sep + 3);
  let user = '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(':');
    // `h/db?password=x@y`: no `user:` before it, and a `?` — the `@` is in the query, not userinfo.
    if (colon >= 0 || !info.includes('?')) {
      user = colon >= 0 ? `${info.slice(0, colon)}:${MASK}@` : `${info}@`;
      rest = rest.slice(at + 1);
    }
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(rest.slice(q + 1));
    for (const name of [...params.keys()]) if (isSecretParam(name)) params.set(name, MASK);
    rest = `${rest.slice(0, q)}?${params.toString()}`;
  }
  return `${url.slice(0, sep + 3)}${user}${rest}`;
}

/**
 * A pool for `url`. An idle connection that dies (server restart, network) emits 'error' on the
 * pool; without a listener that crashes the process, so it is logged here and the pool replaces it.
 */
export function createPool(
  url: string,
  opts: { max?: number; logger?: Logger; pipeline?: boolean } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // Pipelining (node-pg): queries given to one client without waiting are sent at once and
    // answered in one round trip. Only the webhook receiver's own pool asks for it.
    ...(opts.pipeline ? { pipeline: true } : {}),
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

/** Readiness: one round trip; rejects when the database does not answer. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * Runs `fn` inside BEGIN … COMMIT on one client; any throw rolls back and is rethrown. A client
 * whose ROLLBACK itself fails is destroyed rather than returned to the pool.
 *
 * `asyncCommit`: this transaction's COMMIT does not wait for its WAL flush (synchronous_commit
 * off, for this transaction only). Only for writes whose loss in a crash is recovered by something
 * committed synchronously later — the caller says why at the call site.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: { asyncCommit?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // One round trip either way: BEGIN and the SET travel as one simple-protocol query. On a
    // pipelining client (createPool's `pipeline`) it is not even waited for: it goes out with the
    // statements `fn` sends before its first await, all answered in one round trip.
    const begin = client.query(opts.asyncCommit ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
    if (client.pipeline) begin.catch(() => {});
    else await begin;
    const result = await fn(client);
    await begin;
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
