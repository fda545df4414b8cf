import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAccounts } from '../db/queries/accounts.ts';
import { upsertItemFromPluggy } from '../db/queries/items.ts';
import { upsertTransactions, type PluggyTransactionIn } from '../db/queries/transactions.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { listAccountViews, requirePersonAccount } from './accounts.ts';
import { financialData } from './financialData.ts';
import { decimal } from './money.ts';
import { ensurePerson } from './people.ts';
import { FinancialDataSchema, TransactionViewSchema } from './schemas.ts';
import { listPersonTransactions, TransactionFilterSchema } from './transactions.ts';

let t: TestDatabase;
let ana: string;
let bia: string;
const f = (q: Record<string, unknown> = {}) => TransactionFilterSchema.parse(q);

const tx = (
  id: string,
  accountId: string,
  day: number,
  amount: string,
  description: string,
): PluggyTransactionIn => ({
  id,
  accountId,
  date: `2026-01-${String(day).padStart(2, '0')}T12:00:00.000Z`,
  description,
  amount,
  currencyCode: 'BRL',
  type: amount.startsWith('-') ? 'DEBIT' : 'CREDIT',
  status: day > 25 ? 'PENDING' : 'POSTED',
  categoryId: day % 2 ? '01000000' : '02000000',
  createdAt: '2026-01-28T00:00:00.000Z',
});

beforeAll(async () => {
  t = await createTestDatabase();
  ana = (await ensurePerson(t.pool, '11 98765-4321')).user.id;
  bia = (await ensurePerson(t.pool, '+55 21 99876-5432')).user.id;
  for (const [user, item, account] of [
    [ana, 'item-a', 'acc-a'],
    [bia, 'item-b', 'acc-b'],
  ] as const) {
    await upsertItemFromPluggy(t.pool, { id: item, status: 'UPDATED', clientUserId: user }, { userId: user });
    await upsertAccounts(t.pool, item, [
      { id: account, type: 'BANK', name: 'Conta', balance: '2315.8700', currencyCode: 'BRL' },
    ]);
  }
  const rows: PluggyTransactionIn[] = [];
  for (let d = 1; d <= 28; d++) rows.push(tx(`a-${d}`, 'acc-a', d, `-${d}.50`, `COMPRA ${d}`));
  rows.push(tx('a-same-day', 'acc-a', 28, '1000.0001', 'PADARIA SÃO JOÃO'));
  await upsertTransactions(t.pool, 'item-a', rows);
  await upsertTransactions(t.pool, 'item-b', [tx('b-1', 'acc-b', 3, '-9.99', 'padaria da bia')]);
});
afterAll(async () => {
  await t?.drop();
});

describe('reads', () => {
  it('money is a decimal string with two or more decimals, never a float', () => {
    expect(decimal('-1234.5600')).toBe('-1234.56');
    expect(decimal('0.1234')).toBe('0.1234');
    expect(decimal('10.0000')).toBe('10.00');
    expect(decimal('7')).toBe('7.00');
    expect(decimal('1.5000')).toBe('1.50');
  });

  it('one person however the phone is written', async () => {
    const again = await ensurePerson(t.pool, '5511987654321');
    expect(again).toMatchObject({ created: false, person: { id: ana, phone: '+5511987654321' } });
  });

  it('pages newest first by date then id, every row once, and the cursor is checked', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listPersonTransactions(t.pool, ana, f({ limit: 4, ...(cursor ? { cursor } : {}) }));
      for (const row of page.data) TransactionViewSchema.parse(row);
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(29);
    expect(new Set(seen).size).toBe(29);
    expect(seen.slice(0, 3)).toEqual(['a-same-day', 'a-28', 'a-27']);
    expect(seen).not.toContain('b-1');
    for (const bad of ['nope', Buffer.from('not-a-date|x').toString('base64url')]) {
      await expect(listPersonTransactions(t.pool, ana, f({ cursor: bad }))).rejects.toMatchObject({
        code: 'invalid-cursor',
        kind: 'invalid',
      });
    }
  });

  it('filters: text without case or accents, amount range, type, status, category, dates', async () => {
    const ids = async (q: Record<string, unknown>) =>
      (await listPersonTransactions(t.pool, ana, f(q))).data.map((r) => r.id);
    expect(await ids({ q: 'padaria sao' })).toEqual(['a-same-day']);
    expect(await ids({ q: 'PÃDARIA' })).toEqual(['a-same-day']);
    expect(await ids({ minAmount: '-3.50', maxAmount: '0' })).toEqual(['a-3', 'a-2', 'a-1']);
    expect(await ids({ type: 'CREDIT' })).toEqual(['a-same-day']);
    expect((await ids({ status: 'PENDING' })).length).toBe(4);
    expect((await ids({ categoryId: '02000000', type: 'DEBIT' })).length).toBe(14);
    expect(await ids({ from: '2026-01-02', to: '2026-01-03' })).toEqual(['a-3', 'a-2']);
    const [row] = (await listPersonTransactions(t.pool, ana, f({ q: 'padaria' }))).data;
    expect(row).toMatchObject({ amount: '1000.0001', currencyCode: 'BRL', date: '2026-01-28T12:00:00.000Z' });
  });

  it("another person's account or item is not found, exactly like one that does not exist", async () => {
    for (const q of [{ accountId: 'acc-b' }, { accountId: 'acc-nope' }]) {
      await expect(listPersonTransactions(t.pool, ana, f(q))).rejects.toMatchObject({
        code: 'account-not-found',
      });
    }
    await expect(listPersonTransactions(t.pool, ana, f({ itemId: 'item-b' }))).rejects.toMatchObject({
      code: 'item-not-found',
    });
    await expect(requirePersonAccount(t.pool, bia, 'acc-a')).rejects.toMatchObject({ kind: 'not-found' });
    expect((await listAccountViews(t.pool, bia)).map((a) => a.id)).toEqual(['acc-b']);
  });

  it('financial data answers from the database in the published shape', async () => {
    const user = { id: ana, phoneE164: '+5511987654321', createdAt: new Date() };
    const data = FinancialDataSchema.parse(
      await financialData(t.pool, user, new Date('2026-01-30T00:00:00Z')),
    );
    expect(data.accounts).toEqual([expect.objectContaining({ id: 'acc-a', balance: '2315.87' })]);
    expect(data.items).toEqual([expect.objectContaining({ id: 'item-a', needsReconnect: false })]);
    expect(data.recentTransactions.data).toHaveLength(29);
  });
});
