import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAccounts } from '../../db/queries/accounts.ts';
import { setCategoryCorrection } from '../../db/queries/categoryCorrections.ts';
import { upsertItemFromPluggy } from '../../db/queries/items.ts';
import {
  flowByMonth,
  type PluggyTransactionIn,
  spendingByTopCategory,
  upsertTransactions,
} from '../../db/queries/transactions.ts';
import { upsertUserByPhone } from '../../db/queries/users.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { localDay } from './common.ts';

/**
 * The answers' SQL (answerRowsSql) against a plain reading of the money rules written out here,
 * row by row, on the same random data: dates at midnight UTC and with a time of day (the São Paulo
 * day differs near midnight, and at the month's edges), pending rows with and without the posted
 * row that replaced them, foreign purchases, own transfers and bill payments, corrections and the
 * rules they leave. Any change to how the answers select or classify rows must keep these equal.
 */

let t: TestDatabase;
let user: string;
const rows: PluggyTransactionIn[] = [];
const corrections = new Map<string, string>();
const rules = new Map<string, string>();
const ACCOUNT_TYPE: Record<string, 'BANK' | 'CREDIT'> = { chk: 'BANK', sav: 'BANK', card: 'CREDIT' };

let seed = 7;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const CATEGORIES = [
  '08010000',
  '11010000',
  '19050001',
  '04020000',
  '05100000',
  '05070000',
  '01010000',
  '03000000',
  '99999999',
  null,
];

/** Exact units of 1/10 000 from a decimal string. */
function units(v: string): bigint {
  const neg = v.startsWith('-');
  const [int = '0', frac = ''] = (neg ? v.slice(1) : v).split('.');
  const u = BigInt(int + frac.padEnd(4, '0').slice(0, 4));
  return neg ? -u : u;
}
const abs = (u: bigint) => (u < 0n ? -u : u);

beforeAll(async () => {
  t = await createTestDatabase();
  user = (await upsertUserByPhone(t.pool, '+5511912340000')).user.id;
  await upsertItemFromPluggy(t.pool, { id: 'ref-item', status: 'UPDATED' }, { userId: user });
  await upsertAccounts(
    t.pool,
    'ref-item',
    Object.entries(ACCOUNT_TYPE).map(([id, type]) => ({
      id,
      type,
      subtype: type === 'CREDIT' ? 'CREDIT_CARD' : 'CHECKING_ACCOUNT',
      name: id,
      balance: '100.00',
      currencyCode: 'BRL',
    })),
  );
  const start = Date.UTC(2026, 8, 1);
  const span = Date.UTC(2027, 0, 1) - start;
  for (let i = 0; i < 600; i++) {
    const accountId = pick(Object.keys(ACCOUNT_TYPE));
    const ms = start + Math.floor(rand() * span);
    // Half the rows are calendar dates (midnight UTC), half have a time of day; some sit in the
    // first hours of a month in UTC, which is still the previous month in São Paulo.
    const timed = rand() < 0.5;
    const d = new Date(ms);
    if (!timed) d.setUTCHours(0, 0, 0, 0);
    if (timed && rand() < 0.2) {
      d.setUTCDate(1);
      d.setUTCHours(Math.floor(rand() * 5));
    }
    const type = rand() < 0.6 ? 'DEBIT' : 'CREDIT';
    const cents = String(1 + Math.floor(rand() * 50_000)).padStart(3, '0');
    const amount = `${cents.slice(0, -2)}.${cents.slice(-2)}`;
    const foreign = rand() < 0.1;
    const row: PluggyTransactionIn = {
      id: `r-${i}`,
      accountId,
      date: d.toISOString(),
      description: `LOJA ${Math.floor(rand() * 40)}`,
      amount: type === 'DEBIT' && ACCOUNT_TYPE[accountId] === 'BANK' ? `-${amount}` : amount,
      ...(foreign
        ? { currencyCode: 'USD', amountInAccountCurrency: `${Math.floor(rand() * 900) + 1}.37` }
        : {}),
      type,
      status: rand() < 0.15 ? 'PENDING' : 'POSTED',
      categoryId: pick(CATEGORIES),
      ...(rand() < 0.3 ? { merchant: { name: `Mercado ${Math.floor(rand() * 10)}` } } : {}),
      ...(rand() < 0.3 ? { providerId: `p-${i}` } : {}),
      createdAt: d.toISOString(),
    };
    rows.push(row);
    // Some pending rows were replaced by their posted row (new id, a day later, created later).
    if (row.status === 'PENDING' && rand() < 0.5) {
      const later = new Date(ms + 86_400_000).toISOString();
      rows.push({ ...row, id: `r-${i}-posted`, status: 'POSTED', date: later, createdAt: later });
    }
  }
  await upsertTransactions(t.pool, 'ref-item', rows);
  for (let i = 0; i < rows.length; i += 37) {
    const r = rows[i]!;
    const category = pick(['08040000', '11020000', '04010000', '01010000']);
    await setCategoryCorrection(t.pool, user, r.id, category);
    corrections.set(r.id, category);
    // The rule the correction leaves (migration 007): the merchant, else the description.
    const merchant = r.merchant?.cnpj ?? r.merchant?.name?.toLowerCase();
    rules.set(merchant ? `m:${merchant}` : `d:${r.description!.toLowerCase()}`, category);
  }
});

afterAll(async () => {
  await t?.drop();
});

type Classified = { month: string; kind: string; type: string; amt: bigint; pending: boolean; topId: string };

/** The rows counted in the local days [from, to], each classified as the rules in transactions.ts say. */
function reference(from: string, to: string): Classified[] {
  const out: Classified[] = [];
  for (const r of rows) {
    const day = localDay(new Date(r.date as string).toISOString());
    if (day < from || day > to) continue;
    const date = Date.parse(r.date as string);
    const replaced =
      r.status === 'PENDING' &&
      rows.some(
        (p) =>
          p.accountId === r.accountId &&
          p.id !== r.id &&
          p.status === 'POSTED' &&
          p.type === r.type &&
          units(String(p.amount)) === units(String(r.amount)) &&
          Date.parse(p.createdAt as string) >= Date.parse(r.createdAt as string) &&
          Date.parse(p.date as string) >= date - 7 * 86_400_000 &&
          Date.parse(p.date as string) <= date + 15 * 86_400_000 &&
          ((p.providerId != null && p.providerId === r.providerId) ||
            ((p.providerId == null || r.providerId == null) &&
              (p.description ?? '').toLowerCase() === (r.description ?? '').toLowerCase())),
      );
    if (replaced) continue;
    const merchant = r.merchant?.cnpj ?? r.merchant?.name?.toLowerCase();
    const category =
      corrections.get(r.id) ??
      (merchant ? rules.get(`m:${merchant}`) : undefined) ??
      rules.get(`d:${r.description!.toLowerCase()}`) ??
      r.categoryId ??
      null;
    const kind =
      category?.startsWith('04') || category === '05100000'
        ? 'transfer'
        : r.type === 'DEBIT'
          ? 'spending'
          : ACCOUNT_TYPE[r.accountId] === 'CREDIT'
            ? 'refund'
            : category && category !== '99999999' && !['01', '03', '05'].includes(category.slice(0, 2))
              ? 'refund'
              : 'income';
    const topId =
      category && /^[0-9]{8,9}$/.test(category) && category !== '99999999'
        ? `${category.slice(0, 2)}000000`
        : '99999999';
    out.push({
      month: day.slice(0, 7),
      kind,
      type: r.type,
      amt: abs(units(String(r.amountInAccountCurrency ?? r.amount))),
      pending: r.status === 'PENDING',
      topId,
    });
  }
  return out;
}

const sum = (xs: Classified[], keep: (c: Classified) => boolean) =>
  xs.filter(keep).reduce((s, c) => s + c.amt, 0n);

describe('the answers against a row-by-row reading of the money rules', () => {
  it('income, spending, own transfers and counts per month', async () => {
    for (const [from, to] of [
      ['2026-09-01', '2026-12-31'],
      ['2026-10-01', '2026-10-31'],
      ['2026-11-01', '2026-11-30'],
    ] as const) {
      const ref = reference(from, to);
      const months = [...new Set(ref.map((c) => c.month))].sort();
      const expected = months.map((month) => {
        const m = ref.filter((c) => c.month === month);
        const income = sum(m, (c) => c.kind === 'income');
        const spending = sum(m, (c) => c.kind === 'spending') - sum(m, (c) => c.kind === 'refund');
        return {
          month,
          income,
          spending,
          transfersIn: sum(m, (c) => c.kind === 'transfer' && c.type === 'CREDIT'),
          transfersOut: sum(m, (c) => c.kind === 'transfer' && c.type === 'DEBIT'),
          net: income - spending,
          count: m.length,
          pendingCount: m.filter((c) => c.pending).length,
        };
      });
      const got = (await flowByMonth(t.pool, user, from, to)).map((f) => ({
        month: f.month,
        income: units(f.income),
        spending: units(f.spending),
        transfersIn: units(f.transfersIn),
        transfersOut: units(f.transfersOut),
        net: units(f.net),
        count: f.count,
        pendingCount: f.pendingCount,
      }));
      expect(got).toEqual(expected);
      expect(expected.reduce((s, m) => s + m.pendingCount, 0)).toBeGreaterThan(0);
    }
  });

  it('spending per top-level category of a month', async () => {
    const ref = reference('2026-11-01', '2026-11-30').filter(
      (c) => c.kind === 'spending' || c.kind === 'refund',
    );
    const tops = [...new Set(ref.map((c) => c.topId))];
    const expected = tops
      .map((topId) => {
        const m = ref.filter((c) => c.topId === topId);
        return {
          topId,
          amount: sum(m, (c) => c.kind === 'spending') - sum(m, (c) => c.kind === 'refund'),
          count: m.length,
        };
      })
      .sort((a, b) =>
        a.amount === b.amount ? a.topId.localeCompare(b.topId) : a.amount > b.amount ? -1 : 1,
      );
    const got = (await spendingByTopCategory(t.pool, user, '2026-11-01', '2026-11-30')).map((r) => ({
      topId: r.topId,
      amount: units(r.amount),
      count: r.count,
    }));
    expect(got).toEqual(expected);
    expect(got.length).toBeGreaterThan(2);
  });
});
