import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAccounts } from '../../db/queries/accounts.ts';
import { upsertItemFromPluggy } from '../../db/queries/items.ts';
import { type PluggyTransactionIn, upsertTransactions } from '../../db/queries/transactions.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { ensurePerson } from '../people.ts';
import { cashFlow } from './cashFlow.ts';
import { spendingByCategory } from './spending.ts';
import { monthlySummary } from './summary.ts';

let t: TestDatabase;
let user: string;

let n = 0;
const row = (
  accountId: string,
  date: string,
  type: 'DEBIT' | 'CREDIT',
  amount: string,
  categoryId: string | null,
  over: Partial<PluggyTransactionIn> = {},
): PluggyTransactionIn => ({
  id: `t-${++n}`,
  accountId,
  date,
  description: `ROW ${n}`,
  amount,
  currencyCode: 'BRL',
  type,
  status: 'POSTED',
  categoryId,
  createdAt: '2026-03-01T10:00:00.000Z',
  ...over,
});

beforeAll(async () => {
  t = await createTestDatabase();
  user = (await ensurePerson(t.pool, '11 98765-4321')).user.id;
  await upsertItemFromPluggy(t.pool, { id: 'item-1', status: 'UPDATED' }, { userId: user });
  await upsertAccounts(t.pool, 'item-1', [
    {
      id: 'chk',
      type: 'BANK',
      subtype: 'CHECKING_ACCOUNT',
      name: 'Conta',
      balance: '1000',
      currencyCode: 'BRL',
    },
    {
      id: 'card',
      type: 'CREDIT',
      subtype: 'CREDIT_CARD',
      name: 'Cartão',
      balance: '500',
      currencyCode: 'BRL',
    },
  ]);
  await upsertTransactions(t.pool, 'item-1', [
    // Card purchase (positive DEBIT) and its refund (negative CREDIT) in Compras.
    row('card', '2026-02-03T00:00:00.000Z', 'DEBIT', '200.00', '08010000'),
    row('card', '2026-02-10T00:00:00.000Z', 'CREDIT', '-50.00', '08010000'),
    // Cashback (a Compras subcategory) on the card.
    row('card', '2026-02-11T00:00:00.000Z', 'CREDIT', '-5.25', '08090000'),
    // USD purchase: 20 USD, 108.40 BRL.
    row('card', '2026-02-12T00:00:00.000Z', 'DEBIT', '20.00', '09020000', {
      currencyCode: 'USD',
      amountInAccountCurrency: '108.40',
    }),
    // Installment 2/3 billed in February.
    row('card', '2026-02-05T00:00:00.000Z', 'DEBIT', '33.33', '08020000', {
      creditCardMetadata: { installmentNumber: 2, totalInstallments: 3 },
    }),
    // Bill payment on both sides: transfers, never spending.
    row('card', '2026-02-15T00:00:00.000Z', 'CREDIT', '-900.00', '05100000'),
    row('chk', '2026-02-15T00:00:00.000Z', 'DEBIT', '-900.00', '05100000'),
    // Own transfer and salary (income), a bank debit at the supermarket.
    row('chk', '2026-02-16T00:00:00.000Z', 'DEBIT', '-300.00', '04020000'),
    row('chk', '2026-02-05T00:00:00.000Z', 'CREDIT', '5000.00', '01010000'),
    row('chk', '2026-02-20T14:30:00.000Z', 'DEBIT', '-87.65', '10000000'),
    // 1 Feb as midnight UTC stays February; 1 Mar 01:00 UTC is 28 Feb 22:00 in São Paulo.
    row('chk', '2026-02-01T00:00:00.000Z', 'DEBIT', '-10.00', '10000000'),
    row('chk', '2026-03-01T01:00:00.000Z', 'DEBIT', '-20.00', '10000000'),
    // 1 Mar midnight UTC is March: not counted.
    row('chk', '2026-03-01T00:00:00.000Z', 'DEBIT', '-999.00', '10000000'),
    // Pending replaced by its posted row (new id, created later): counted once.
    row('card', '2026-02-21T00:00:00.000Z', 'DEBIT', '45.00', '11010000', {
      status: 'PENDING',
      description: 'RESTAURANTE X',
    }),
    row('card', '2026-02-22T00:00:00.000Z', 'DEBIT', '45.00', '11010000', {
      description: 'RESTAURANTE X',
      createdAt: '2026-03-02T10:00:00.000Z',
    }),
    // A pending row never replaced: counted.
    row('card', '2026-02-25T00:00:00.000Z', 'DEBIT', '12.00', '11010000', { status: 'PENDING' }),
    // Uncategorized purchase.
    row('card', '2026-02-26T00:00:00.000Z', 'DEBIT', '7.77', null),
  ]);
});
afterAll(async () => {
  await t?.drop();
});

describe('spendingByCategory', () => {
  it('applies the money semantics exactly', async () => {
    const got = await spendingByCategory(t.pool, user, { from: '2026-02-01', to: '2026-02-28' }, 'pt');
    const by = Object.fromEntries(got.map((c) => [c.categoryId, c]));
    expect(by['08000000']).toMatchObject({ name: 'Compras', amount: '178.08', count: 4 }); // 200-50-5.25+33.33
    expect(by['09000000']).toMatchObject({ name: 'Serviços digitais', amount: '108.40', count: 1 });
    expect(by['10000000']).toMatchObject({ name: 'Supermercado', amount: '117.65', count: 3 });
    expect(by['11000000']).toMatchObject({ name: 'Alimentos e bebidas', amount: '57.00', count: 2 });
    expect(by['99999999']).toMatchObject({ name: 'Outros', amount: '7.77', count: 1 });
    expect(by['05000000']).toBeUndefined();
    expect(by['04000000']).toBeUndefined();
    expect(by['01000000']).toBeUndefined();
    // Largest first; shares of the total 468.90.
    expect(got.map((c) => c.categoryId)).toEqual([
      '08000000',
      '10000000',
      '09000000',
      '11000000',
      '99999999',
    ]);
    expect(by['08000000']?.share).toBe('0.3798');
  });

  it('speaks English on request', async () => {
    const got = await spendingByCategory(t.pool, user, { from: '2026-02-01', to: '2026-02-28' }, 'en');
    expect(got.find((c) => c.categoryId === '08000000')?.name).toBe('Shopping');
  });

  it('nothing outside the range, nothing of another person', async () => {
    expect(await spendingByCategory(t.pool, user, { from: '2026-04-01', to: '2026-04-30' }, 'pt')).toEqual(
      [],
    );
    const other = (await ensurePerson(t.pool, '+55 21 99876-5432')).user.id;
    expect(await spendingByCategory(t.pool, other, { from: '2026-02-01', to: '2026-02-28' }, 'pt')).toEqual(
      [],
    );
  });
});

describe('monthlySummary and cashFlow', () => {
  it('income, spending, net and transfers apart, equal to the sums of their parts', async () => {
    const s = await monthlySummary(t.pool, user, { month: '2026-02', lang: 'pt', today: '2026-03-10' });
    expect(s.income).toBe('5000.00');
    expect(s.spending).toBe('468.90');
    expect(s.net).toBe('4531.10');
    expect(s.transfers).toMatchObject({ in: '900.00', out: '1200.00', count: 3 });
    expect(s.pendingCount).toBe(1);
    const sub = s.categories.find((c) => c.categoryId === '08000000')?.subcategories;
    expect(sub?.map((x) => [x.categoryId, x.amount])).toEqual([
      ['08010000', '150.00'],
      ['08020000', '33.33'],
      ['08090000', '-5.25'],
    ]);
    expect(s.topMerchants[0]).toMatchObject({ amount: '200.00' });
    // Current balances 1000 (checking) and 500 owed (card); February's end undoes March's rows.
    const chk = s.balances.find((b) => b.accountId === 'chk');
    expect(chk).toMatchObject({ date: '2026-02-28', balance: '1999.00' });
  });

  it('cash flow: every month, zeros where nothing moved', async () => {
    const cf = await cashFlow(t.pool, user, { months: 3, lang: 'pt', until: '2026-03' });
    expect(cf.months.map((m) => [m.month, m.income, m.spending, m.net])).toEqual([
      ['2026-01', '0.00', '0.00', '0.00'],
      ['2026-02', '5000.00', '468.90', '4531.10'],
      ['2026-03', '0.00', '999.00', '-999.00'],
    ]);
    expect(cf.totals).toEqual({ income: '5000.00', spending: '1467.90', net: '3532.10' });
  });
});
