import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { TestDatabase } from '../../db/testing.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { freePort, getJson, type ServiceProcess, spawnService } from './serviceProcess.ts';

/**
 * Real service processes by role (`node dist/cli.js start --role …`, the compiled build as `npm
 * start` runs it) and the checks the multi-process tests share: every wait a generous poll, never
 * a timing, since the machine's two cores are shared with the rest of the suite.
 */

export function ensureBuilt(): void {
  const res = spawnSync(
    process.execPath,
    ['-e', "import('./scripts/build.mjs').then((m) => m.ensureBuilt())"],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`build failed: ${res.stderr}`);
}

export type Env = Record<string, string>;

/** What every role process of a test needs: the database, the sandbox as Pluggy, quiet logs. */
export const roleEnv = (databaseUrl: string, pluggyUrl: string, extra: Env = {}): Env => ({
  DATABASE_URL: databaseUrl,
  PLUGGY_BASE_URL: pluggyUrl,
  LOG_LEVEL: 'warn',
  SYNC_CONCURRENCY: '2',
  ...extra,
});

export async function startRole(
  role: 'api' | 'worker',
  name: string,
  base: Env,
): Promise<ServiceProcess & { port: number }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    ...base,
    ...(role === 'api' ? { PORT: String(port) } : { WORKER_PORT: String(port) }),
  };
  const p = spawnService(name, process.execPath, ['dist/cli.js', 'start', '--role', role], { env });
  return Object.assign(p, { port });
}

export async function waitHealthy(p: ServiceProcess & { port: number }, role: string): Promise<void> {
  const roleOf = async () =>
    ((await getJson(`http://127.0.0.1:${p.port}/health`)) as { body?: { role?: string } } | undefined)?.body
      ?.role;
  try {
    await expect.poll(roleOf, { timeout: 120_000, interval: 500 }).toBe(role);
  } catch (err) {
    throw new Error(`${p.name} did not come up: ${(err as Error).message}\n${p.output()}`);
  }
  expect(p.output()).toContain(`role ${role}`);
}

/** One account's figures, as the sandbox's truth summary gives them and as we compare them. */
type AccountFigures = {
  id: string;
  balance: string;
  transactions: number;
  posted: number;
  amountSum: string;
  postedAmountSum: string;
};

/** Same figures, same text: money to 2 places (the truth's decimals may carry fewer), by account id. */
const comparable = (rows: AccountFigures[]) =>
  rows
    .map((a) => ({
      id: a.id,
      balance: Number(a.balance).toFixed(2),
      transactions: a.transactions,
      posted: a.posted,
      amountSum: Number(a.amountSum).toFixed(2),
      postedAmountSum: Number(a.postedAmountSum).toFixed(2),
    }))
    .sort((x, y) => (x.id < y.id ? -1 : 1));

/** Our copy of an item in the shape of the sandbox's truth summary (counts and exact sums). */
async function storedSummary(db: TestDatabase, itemId: string): Promise<AccountFigures[]> {
  const res = await db.pool.query<AccountFigures>(
    `SELECT a.id, a.balance::numeric(20,2)::text AS balance,
            count(t.id)::int AS transactions,
            count(t.id) FILTER (WHERE t.status = 'POSTED')::int AS posted,
            coalesce(sum(t.amount), 0)::numeric(20,2)::text AS "amountSum",
            coalesce(sum(t.amount) FILTER (WHERE t.status = 'POSTED'), 0)::numeric(20,2)::text AS "postedAmountSum"
       FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id
      WHERE a.item_id = $1 GROUP BY a.id`,
    [itemId],
  );
  return res.rows;
}

/** Items whose stored copy (balances, counts, exact sums) differs from the sandbox's truth. */
export async function differing(db: TestDatabase, sb: Sandbox, ids: string[]) {
  const out: Array<{ id: string; ours: unknown; truth: unknown }> = [];
  for (const id of ids) {
    const ours = comparable(await storedSummary(db, id));
    const truth = comparable(
      (sb.admin.truthSummary(id) as unknown as { accounts: AccountFigures[] }).accounts,
    );
    if (JSON.stringify(ours) !== JSON.stringify(truth)) out.push({ id, ours, truth });
  }
  return out;
}

/** Waits until every item equals the truth; on timeout, fails showing the first one that does not. */
export async function converged(
  db: TestDatabase,
  sb: Sandbox,
  ids: string[],
  timeout: number,
): Promise<void> {
  let last: Awaited<ReturnType<typeof differing>> = [];
  try {
    await expect
      .poll(
        async () => {
          last = await differing(db, sb, ids);
          return last.map((d) => d.id);
        },
        { timeout, interval: 2_000 },
      )
      .toEqual([]);
  } catch (err) {
    throw new Error(
      `${last.length} item(s) differ from the sandbox; first: ${JSON.stringify(last[0], null, 1)}\n${(err as Error).message}`,
    );
  }
}
