/**
 * Answers: `npx tsx bench/answers.ts [--transactions 50000] [--rounds 200]`.
 *
 * One person with 50 000 transactions over 24 months (2 checking accounts, 2 cards; purchases,
 * refunds, installments, USD purchases, salary, card bill payments seen from both sides, own
 * transfers, pending rows) and 200 category corrections (each also a rule for its description),
 * written straight into a fresh test database. Then, one call after the
 * other in this process, the month summary (the latest full month) and the 12-month cash flow, as
 * the HTTP routes call them; p50/p99 over the rounds after a warm-up. Goal: p99 < 20 ms.
 * Not a test: nothing asserts a speed. Prints a markdown table and writes bench/results/answers.md.
 * EXPLAIN_ANSWERS=1 prints instead the plan (EXPLAIN ANALYZE, BUFFERS) of every query behind them.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { upsertAccounts } from '../src/db/queries/accounts.ts';
import { setCategoryCorrection } from '../src/db/queries/categoryCorrections.ts';
import { upsertItemFromPluggy } from '../src/db/queries/items.ts';
import { type PluggyTransactionIn, upsertTransactions } from '../src/db/queries/transactions.ts';
import { upsertUserByPhone } from '../src/db/queries/users.ts';
import { createTestDatabase } from '../src/db/testing.ts';
import { cashFlow } from '../src/reads/answers/cashFlow.ts';
import { monthlySummary } from '../src/reads/answers/summary.ts';
import { spendingByCategory } from '../src/reads/answers/spending.ts';
import { resultsDir } from './resultsDir.ts';

const { values: args } = parseArgs({
  options: {
    transactions: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '200' },
    corrections: { type: 'string', default: '200' },
  },
});
const total = Number(args.transactions);
const rounds = Number(args.rounds);
const corrections = Number(args.corrections);

// A small deterministic generator: the same data every run.
let seed = 42;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const money = (min: number, max: number) => (Math.floor((min + rand() * (max - min)) * 100) / 100).toFixed(2);

const SPENDING = [
  '10000000',
  '11010000',
  '11020000',
  '08010000',
  '08040000',
  '09020000',
  '19050001',
  '18020000',
  '07010002',
];
const now = new Date();
const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 24, 1);
const span = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - start;
const addMonth = (m: string, n: number) => {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, mo - 1 + n, 1)).toISOString().slice(0, 7);
};
const dayIso = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)}T00:00:00.000Z`;

const db = await createTestDatabase();
try {
  const user = (await upsertUserByPhone(db.pool, '+5511912345678')).user.id;
  await upsertItemFromPluggy(
    db.pool,
    { id: 'bench-item', status: 'UPDATED', lastUpdatedAt: now.toISOString() },
    { userId: user },
  );
  await db.pool.query('UPDATE items SET last_synced_at = now() WHERE id = $1', ['bench-item']);
  const accounts = ['chk-1', 'chk-2', 'card-1', 'card-2'];
  await upsertAccounts(db.pool, 'bench-item', [
    {
      id: 'chk-1',
      type: 'BANK',
      subtype: 'CHECKING_ACCOUNT',
      name: 'Conta',
      balance: '12000.00',
      currencyCode: 'BRL',
    },
    {
      id: 'chk-2',
      type: 'BANK',
      subtype: 'CHECKING_ACCOUNT',
      name: 'Conta 2',
      balance: '800.00',
      currencyCode: 'BRL',
    },
    {
      id: 'card-1',
      type: 'CREDIT',
      subtype: 'CREDIT_CARD',
      name: 'Cartão',
      balance: '3400.00',
      currencyCode: 'BRL',
    },
    {
      id: 'card-2',
      type: 'CREDIT',
      subtype: 'CREDIT_CARD',
      name: 'Cartão 2',
      balance: '900.00',
      currencyCode: 'BRL',
    },
  ]);
  const rows: PluggyTransactionIn[] = [];
  for (let i = 0; i < total; i++) {
    const accountId = accounts[i % accounts.length]!;
    const card = accountId.startsWith('card');
    const date = dayIso(start + Math.floor(rand() * span));
    const roll = rand();
    const base = {
      id: `bench-${i}`,
      accountId,
      date,
      currencyCode: 'BRL',
      description: `LOJA ${Math.floor(rand() * 400)}`,
      createdAt: date,
      status: rand() < 0.03 ? 'PENDING' : 'POSTED',
    };
    if (card) {
      if (roll < 0.05)
        rows.push({ ...base, type: 'CREDIT', amount: `-${money(10, 300)}`, categoryId: pick(SPENDING) });
      else if (roll < 0.07)
        rows.push({ ...base, type: 'CREDIT', amount: `-${money(500, 5000)}`, categoryId: '05100000' });
      else if (roll < 0.1)
        rows.push({
          ...base,
          type: 'DEBIT',
          amount: money(5, 200),
          currencyCode: 'USD',
          amountInAccountCurrency: money(30, 1000),
          categoryId: '09000000',
        });
      else if (roll < 0.2)
        rows.push({
          ...base,
          type: 'DEBIT',
          amount: money(50, 500),
          categoryId: '08020000',
          creditCardMetadata: { installmentNumber: 1 + Math.floor(rand() * 6), totalInstallments: 6 },
        });
      else rows.push({ ...base, type: 'DEBIT', amount: money(5, 800), categoryId: pick(SPENDING) });
    } else if (roll < 0.05)
      rows.push({ ...base, type: 'CREDIT', amount: money(3000, 12000), categoryId: '01010000' });
    else if (roll < 0.1)
      rows.push({ ...base, type: 'DEBIT', amount: `-${money(500, 5000)}`, categoryId: '05100000' });
    else if (roll < 0.15)
      rows.push({
        ...base,
        type: pick(['DEBIT', 'CREDIT'] as const),
        amount: money(50, 2000),
        categoryId: '04020000',
      });
    else
      rows.push({
        ...base,
        type: 'DEBIT',
        amount: `-${money(5, 900)}`,
        categoryId: pick([...SPENDING, '05070000', null]),
      });
  }
  for (const r of rows)
    if (r.type === 'DEBIT' && !r.accountId.startsWith('card') && !String(r.amount).startsWith('-'))
      r.amount = `-${r.amount}`;
  for (const r of rows)
    if (r.type === 'CREDIT' && !r.accountId.startsWith('card') && String(r.amount).startsWith('-'))
      r.amount = String(r.amount).slice(1);
  const loadBegan = performance.now();
  await upsertTransactions(db.pool, 'bench-item', rows);
  // A person who corrected some categories: each correction also becomes a rule for its
  // description, so the answers join real corrections and rules (an empty table hides bad plans).
  for (let i = 0; i < corrections; i++)
    await setCategoryCorrection(
      db.pool,
      user,
      rows[Math.floor((i * rows.length) / corrections)]!.id,
      pick(SPENDING),
    );
  await db.pool.query('ANALYZE');
  const loadSeconds = (performance.now() - loadBegan) / 1000;

  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  const measure = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await fn();
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
    return { p50: q(50), p99: q(99), max: times.at(-1)! };
  };
  const cases: Array<[string, () => Promise<unknown>]> = [
    [`monthlySummary(${month})`, () => monthlySummary(db.pool, user, { month, lang: 'pt' })],
    ['cashFlow(12 months)', () => cashFlow(db.pool, user, { months: 12, lang: 'pt' })],
    [
      `spendingByCategory(${month})`,
      () => spendingByCategory(db.pool, user, { from: `${month}-01`, to: `${month}-28` }, 'pt'),
    ],
  ];
  if (process.env.EXPLAIN_ANSWERS) {
    // The plan of every query behind the month summary and the cash flow, as they run (JIT off).
    const client = await db.pool.connect();
    await client.query('SET jit = off');
    const orig = client.query.bind(client);
    // biome-ignore lint/suspicious/noExplicitAny: a quick look at the plans
    (client as any).query = (sql: string, params: unknown[]) =>
      orig(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    const q = await import('../src/db/queries/transactions.ts');
    const { billsDueBetween } = await import('../src/db/queries/bills.ts');
    const from = `${month}-01`;
    const to = `${month}-28`;
    const cashFlowFrom = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1))
      .toISOString()
      .slice(0, 10);
    const queries: Array<[string, () => Promise<unknown>]> = [
      ['flowByMonth (summary: 2 months)', () => q.flowByMonth(client, user, `${addMonth(month, -1)}-01`, to)],
      [
        'flowByMonth (cash flow: 12 months)',
        () => q.flowByMonth(client, user, cashFlowFrom, now.toISOString().slice(0, 10)),
      ],
      ['spendingByTopCategory', () => q.spendingByTopCategory(client, user, from, to)],
      ['categoryComparison', () => q.categoryComparison(client, user, from)],
      ['topMerchants', () => q.topMerchants(client, user, from, to, 10)],
      ['ownTransfers', () => q.ownTransfers(client, user, from, to)],
      ['accountBalancesOnDays', () => q.accountBalancesOnDays(client, user, to, to)],
      ['billsDueBetween', () => billsDueBetween(client, user, from, to)],
    ];
    for (const [name, run] of queries) {
      const plan = (await run()) as Array<Record<string, string>>;
      process.stdout.write(`\n## ${name}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    }
    client.release();
    process.exit(0);
  }
  if (process.env.PROFILE_PARTS) {
    const q = await import('../src/db/queries/transactions.ts');
    const parts: Array<[string, () => Promise<unknown>]> = [
      ['flow', () => q.flowByMonth(db.pool, user, `${month}-01`, `${month}-28`)],
      ['cmp', () => q.categoryComparison(db.pool, user, `${month}-01`)],
      ['merch', () => q.topMerchants(db.pool, user, `${month}-01`, `${month}-28`, 10)],
      ['transfers', () => q.ownTransfers(db.pool, user, `${month}-01`, `${month}-28`)],
      ['bal', () => q.accountBalancesOnDays(db.pool, user, `${month}-28`, `${month}-28`)],
    ];
    for (const [n, fn] of parts) process.stdout.write(`${n} ${JSON.stringify(await measure(fn))}\n`);
  }
  const results: Array<[string, { p50: number; p99: number; max: number }]> = [];
  for (const [name, fn] of cases) results.push([name, await measure(fn)]);

  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const table = [
    '| answer | rounds | p50 ms | p99 ms | max ms | goal p99 |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.map(
      ([name, r]) =>
        `| ${name} | ${rounds} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | < 20 ms: ${r.p99 < 20 ? 'met' : 'missed'} |`,
    ),
  ].join('\n');
  const cpus = os.cpus();
  const report = `# Answers benchmark

Run ${new Date().toISOString()} on ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load} (1/5/15 min; the machine is shared).
\`npx tsx bench/answers.ts --transactions ${total} --rounds ${rounds} --corrections ${corrections}\`: one person, ${total.toLocaleString('en')} transactions over 24 months on 4 accounts, ${corrections} category corrections, loaded in ${loadSeconds.toFixed(1)} s.
Sequential calls in-process against PostgreSQL (what the routes run, without HTTP), after 20 warm-up calls each.

${table}
`;
  process.stdout.write(`${report}\n`);
  await writeFile(path.join(resultsDir(), 'answers.md'), report);
} finally {
  await db.drop();
}
