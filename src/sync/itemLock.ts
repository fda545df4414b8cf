import type pg from 'pg';

/**
 * One sync per item at a time, across every process sharing the database: a session-level
 * PostgreSQL advisory lock keyed by the item id, held on a dedicated pooled connection for as long
 * as the work runs. The work itself uses other connections (its own transactions), so the lock
 * survives every commit in between. If the process dies, PostgreSQL ends the session and the lock
 * goes with it: a SIGKILLed worker never strands an item.
 */

export class ItemBusyError extends Error {
  override name = 'ItemBusyError';
  constructor(readonly itemId: string) {
    super(`another sync of item ${itemId} is running`);
  }
}

export type ItemLockOptions = {
  /** How long to wait for a running sync of the same item to finish; 0 = try once. */
  waitMs: number;
  /** Called once when the lock is taken by someone else and we start waiting (CLI feedback). */
  onWait?: () => void;
};

const LOCK_KEY = "hashtextextended('item:' || $1::text, 0)";

/** PostgreSQL's lock_not_available: lock_timeout expired while waiting. */
const LOCK_NOT_AVAILABLE = '55P03';

export async function withItemLock<T>(
  pool: pg.Pool,
  itemId: string,
  opts: ItemLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const tried = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`, [
      itemId,
    ]);
    if (!tried.rows[0]?.ok) {
      if (opts.waitMs <= 0) throw new ItemBusyError(itemId);
      opts.onWait?.();
      try {
        // SET cannot take a parameter; the value is an integer we computed.
        await client.query(`SET lock_timeout = ${Math.max(1, Math.trunc(opts.waitMs))}`);
        await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [itemId]);
      } catch (err) {
        if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) throw new ItemBusyError(itemId);
        throw err;
      } finally {
        await client.query('RESET lock_timeout').catch((e: Error) => {
          broken = e;
        });
      }
    }
    try {
      return await fn();
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [itemId]).catch((e: Error) => {
        // A connection we cannot unlock must not go back to the pool still holding the lock.
        broken = e;
      });
    }
  } finally {
    client.release(broken ?? undefined);
  }
}

/** Whether some session holds the item's lock right now (tests, diagnostics). */
export async function isItemLocked(db: pg.Pool | pg.PoolClient, itemId: string): Promise<boolean> {
  const res = await db.query<{ held: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_locks
       WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((classid::bigint << 32) | objid::bigint) = ${LOCK_KEY}
     ) AS held`,
    [itemId],
  );
  return res.rows[0]?.held ?? false;
}

/** How a service call waits for the item's lock when another job holds it. */
export type LockOptions = {
  /** Default DEFAULT_LOCK_WAIT_MS; 0 = fail at once with ItemBusyError. */
  lockWaitMs?: number;
  /** Called once if the lock is busy and the call starts waiting. */
  onLockWait?: () => void;
};

/** A direct call (CLI, API, test) waits this long for a running sync of the same item to end. */
export const DEFAULT_LOCK_WAIT_MS = 10 * 60 * 1000;

export function lockOptionsOf(opts: LockOptions): ItemLockOptions {
  return {
    waitMs: opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    ...(opts.onLockWait ? { onWait: opts.onLockWait } : {}),
  };
}
