/**
 * Incremental sync cost: `npx tsx bench/incremental.ts [--per-account 50000] [--accounts 4] [--new 100]`.
 *
 * A sandbox item with 200 000 transactions (4 accounts × 50 000, 500 rows per /v2/transactions
 * page), backfilled into a fresh test database by the real sync (syncItem over HTTP). Then, on the
 * sandbox's clock:
 *
 * - 3 h later, the first incremental after the backfill (its rows were all created at connection
 *   time, within the margin before the backfill's start, so this one re-reads them once);
 * - 3 h later again, 100 new transactions in one account, then the measured incremental sync;
 * - beside it, a full relist of the same item (`sync --full`, what the weekly safety net costs).
 *
 * Pluggy calls are counted by the fetch the client uses (every request that left the process,
 * /auth included), by path. Not a test: nothing asserts a speed. It does check that after the
 * incremental the database equals the sandbox's truth, since a cheap sync that missed rows would
 * make the figures meaningless. Prints a markdown table and writes bench/results/incremental.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../src/config.ts';
import { createTestDatabase } from '../src/db/testing.ts';
import { createLogger } from '../src/log.ts';
import { createPluggyClient } from '../src/pluggy/index.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { type SyncItemResult, syncItem } from '../src/sync/syncItem.ts';
import { resultsDir } from './resultsDir.ts';

const { values } = parseArgs({
  options: {
    'per-account': { type: 'string', default: '50000' },
    accounts: { type: 'string', default: '4' },
    new: { type: 'string', default: '100' },
  },
});
const perAccount = Number(values['per-account']);
const accounts = Number(values.accounts);
const fresh = Number(values.new);
const HOUR = 3_600_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Pluggy calls by path, counted where they leave the client. */
const calls = new Map<string, number>();
const countingFetch: typeof fetch = (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const key = url.pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}');
  calls.set(key, (calls.get(key) ?? 0) + 1);
  return fetch(input, init);
};
const totalCalls = () => [...calls.values()].reduce((a, b) => a + b, 0);

const logger = createLogger('silent');
const db = await createTestDatabase();
const sandbox = await startSandbox({
  port: 0,
  stepDelayMs: 5,
  size: { bankAccounts: accounts - 1, cardAccounts: 1, transactionsPerAccount: perAccount },
});
const pluggy = createPluggyClient({
  baseUrl: sandbox.url,
  clientId: SANDBOX_CLIENT_ID,
  clientSecret: SANDBOX_CLIENT_SECRET,
  fetch: countingFetch,
});
const deps = { pool: db.pool, pluggy, logger };

type Measured = { result: SyncItemResult; ms: number; calls: number; byPath: Map<string, number> };
async function measure(full: boolean): Promise<Measured> {
  calls.clear();
  const started = performance.now();
  const result = await syncItem(deps, itemIdOf(), { reason: 'manual', full });
  const ms = performance.now() - started;
  if (result.outcome !== 'synced') throw new Error(`sync ended ${result.outcome}`);
  return { result, ms, calls: totalCalls(), byPath: new Map(calls) };
}

let itemId = '';
const itemIdOf = () => itemId;

async function checkEqualsTruth(): Promise<void> {
  const summary = sandbox.admin.truthSummary(itemId);
  const { rows } = await db.pool.query<{ account_id: string; n: number; sum: string }>(
    'SELECT account_id, count(*)::int AS n, sum(amount)::text AS sum FROM transactions WHERE item_id = $1 GROUP BY account_id',
    [itemId],
  );
  const held = new Map(rows.map((r) => [r.account_id, r]));
  // Exact decimal strings on both sides; only trailing zeros differ (numeric(19,4) vs cents).
  const exact = (s: string | undefined) => s?.replace(/\.?0+$/, '');
  for (const a of summary.accounts) {
    const h = held.get(a.id);
    if (!h || h.n !== a.transactions || exact(h.sum) !== exact(a.amountSum)) {
      throw new Error(
        `account ${a.id}: held ${h?.n} rows / ${h?.sum}, sandbox ${a.transactions} / ${a.amountSum}`,
      );
    }
  }
}

try {
  const item = await sandbox.admin.createItemNow();
  itemId = item.id;
  await sandbox.admin.waitForItemStatus(itemId, 'UPDATED', 300_000);
  const total = sandbox.admin.truthSummary(itemId).totals.transactions;
  process.stderr.write(`sandbox item ready: ${fmt(total)} transactions\n`);

  const backfill = await measure(false);
  await sandbox.admin.advanceClock(3 * HOUR);
  const settle = await measure(false);
  await sandbox.admin.advanceClock(3 * HOUR);
  const added = await sandbox.admin.addTransactions(itemId, { count: fresh, backdatedDays: 20 });
  const busy = added[0]!.accountId;
  const incremental = await measure(false);
  await checkEqualsTruth();
  const relist = await measure(true);
  await checkEqualsTruth();

  const listingPages = (m: Measured) => m.result.accounts.reduce((n, a) => n + a.pages, 0);
  const fetched = (m: Measured) => m.result.accounts.reduce((n, a) => n + a.fetched, 0);
  const perAccountPages = (m: Measured) =>
    m.result.accounts.map((a) => `${a.accountId === busy ? 'busy' : 'quiet'} ${a.pages}`).join(', ');
  const other = (m: Measured) => m.calls - listingPages(m);
  const row = (name: string, m: Measured) =>
    `| ${name} | ${m.calls} | ${listingPages(m)} (${perAccountPages(m)}) | ${other(m)} | ${fmt(fetched(m))} | ${(m.ms / 1000).toFixed(2)} s |`;

  const quietPages = incremental.result.accounts.filter((a) => a.accountId !== busy).map((a) => a.pages);
  const busyPages = incremental.result.accounts.find((a) => a.accountId === busy)?.pages ?? 0;
  const goalPages = quietPages.length + Math.max(1, Math.ceil(fresh / 500));
  const table = [
    '| sync | Pluggy calls | transaction pages (per account) | other calls | rows fetched | time |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    row('backfill (first sync)', backfill),
    row('first incremental, 3 h later (re-reads rows created within the margin)', settle),
    row(`**incremental after ${fresh} new rows in one account, 3 h later**`, incremental),
    row('full relist (weekly safety net)', relist),
  ].join('\n');
  const verdict =
    `Incremental: ${quietPages.join(' + ')} page(s) for the ${quietPages.length} quiet accounts and ${busyPages} for the busy one ` +
    `(goal: at most one per quiet account plus the new rows' pages = ${goalPages}); ` +
    `${incremental.calls} Pluggy calls against ${relist.calls} for a full relist.`;
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const report = [
    '# Incremental sync benchmark',
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average at the end ${load} (a machine shared with other work). \`npx tsx bench/incremental.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    '',
    `One item, ${fmt(total)} transactions (${accounts} accounts × ${fmt(perAccount)}), 500 rows per page; the sandbox over real HTTP on this machine, a fresh PostgreSQL database. Margin 1 h (the default).`,
    '',
    table,
    '',
    verdict,
    '',
    'Other calls: /auth, the item, its accounts, identity, investments, loans and card bills — what every sync fetches besides transactions. Before the watermark followed Pluggy\'s clock (docs/pluggy.md#watermark-by-pluggys-clock), every incremental cost what the "first incremental" row costs: a quiet account kept its newest row\'s createdAt as its watermark and was re-read in full each time.',
    '',
  ].join('\n');
  process.stdout.write(`${table}\n\n${verdict}\n`);
  await mkdir(resultsDir(), { recursive: true });
  await writeFile(path.join(resultsDir(), 'incremental.md'), report);
} finally {
  await sandbox.close();
  await db.drop();
}
