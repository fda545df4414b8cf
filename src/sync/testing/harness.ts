/**
 * What the sync integration tests share: a fresh database, a sandbox over real HTTP, our Pluggy
 * client pointed at it, and the comparison of stored rows with the sandbox's truth. Test support.
 */
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';
import { createPluggyClient, type PluggyClient } from '../../pluggy/index.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/index.ts';
import type { SyncDeps, SyncTuning } from '../deps.ts';

export type Harness = {
  db: TestDatabase;
  sandbox: Sandbox;
  pluggy: PluggyClient;
  deps: SyncDeps;
  close(): Promise<void>;
};

export async function startHarness(
  opts: {
    seed?: number;
    v2PageSize?: number;
    size?: SandboxOptions['size'];
    tuning?: Partial<SyncTuning>;
    pluggyMaxAttempts?: number;
  } = {},
): Promise<Harness> {
  const db = await createTestDatabase();
  const sandbox = await startSandbox({
    port: 0,
    seed: opts.seed ?? 7,
    stepDelayMs: 5,
    ...(opts.v2PageSize ? { v2PageSize: opts.v2PageSize } : {}),
    ...(opts.size ? { size: opts.size } : {}),
  });
  const pluggy = createPluggyClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    retryBaseDelayMs: 10,
    ...(opts.pluggyMaxAttempts ? { maxAttempts: opts.pluggyMaxAttempts } : {}),
  });
  const logger = createLogger('silent');
  const deps: SyncDeps = { pool: db.pool, pluggy, logger, ...(opts.tuning ? { tuning: opts.tuning } : {}) };
  return {
    db,
    sandbox,
    pluggy,
    deps,
    async close() {
      await sandbox.close();
      await db.drop();
    },
  };
}

/** Exact sum of amounts as numeric(19,4) text, the way accountTotals prints it (no float sums). */
export function sumAsNumeric(amounts: readonly number[]): string {
  let cents = 0n;
  for (const a of amounts) cents += BigInt(Math.round(a * 100));
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}00`;
}

export type AccountSnapshot = { count: number; sum: string; ids: string[] };

/** Per account of the item: count, exact sum and sorted ids — as the sandbox holds them. */
export function truthSnapshot(sandbox: Sandbox, itemId: string): Record<string, AccountSnapshot> {
  const truth = sandbox.admin.truth(itemId);
  const out: Record<string, AccountSnapshot> = {};
  for (const account of truth.accounts) {
    const rows = truth.transactionsByAccount[account.id] ?? [];
    out[account.id] = {
      count: rows.length,
      sum: sumAsNumeric(rows.map((r) => r.amount)),
      ids: rows.map((r) => r.id).sort(),
    };
  }
  return out;
}

/** The same, from our database. */
export async function storedSnapshot(
  db: TestDatabase,
  itemId: string,
): Promise<Record<string, AccountSnapshot>> {
  const res = await db.pool.query<{ id: string; count: number; sum: string; ids: string[] }>(
    `SELECT a.id, count(t.id)::int AS count, coalesce(sum(t.amount), 0)::numeric(19,4)::text AS sum,
            coalesce(array_agg(t.id ORDER BY t.id COLLATE "C") FILTER (WHERE t.id IS NOT NULL), '{}') AS ids
     FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id
     WHERE a.item_id = $1 GROUP BY a.id`,
    [itemId],
  );
  return Object.fromEntries(res.rows.map((r) => [r.id, { count: r.count, sum: r.sum, ids: r.ids }]));
}

/** Every stored transaction of the item as Pluggy sent it (raw), by id. */
export async function storedRaw(db: TestDatabase, itemId: string): Promise<Map<string, unknown>> {
  const res = await db.pool.query<{ id: string; raw: unknown }>(
    'SELECT id, raw FROM transactions WHERE item_id = $1',
    [itemId],
  );
  return new Map(res.rows.map((r) => [r.id, r.raw]));
}

export async function createSyncedItem(h: Harness): Promise<string> {
  const item = await h.sandbox.admin.createItemNow();
  await h.sandbox.admin.waitForItemStatus(item.id, 'UPDATED');
  return item.id;
}
