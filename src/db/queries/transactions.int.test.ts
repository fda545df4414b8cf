import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluggyAccount, pluggyItem, pluggyTransaction } from '../fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { upsertAccounts } from './accounts.ts';
import { upsertItemFromPluggy } from './items.ts';
import {
  accountTotals,
  deleteAccountTransactionsNotIn,
  deleteTransactionsByIds,
  getTransaction,
  InvalidCursorError,
  listTransactions,
  upsertTransactions,
} from './transactions.ts';
import { upsertUserByPhone } from './users.ts';

describe('transactions', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  /** A fresh item with one bank account. */
  async function account(userId?: string) {
    const item = pluggyItem();
    await upsertItemFromPluggy(t.pool, item, userId ? { userId } : {});
    const acc = pluggyAccount();
    await upsertAccounts(t.pool, item.id, [acc]);
    return { itemId: item.id, accountId: acc.id };
  }

  it('inserts, then writes nothing for an identical second write, then updates only what changed', async () => {
    const { itemId, accountId } = await account();
    const rows = Array.from({ length: 5 }, () => pluggyTransaction(accountId));

    expect(await upsertTransactions(t.pool, itemId, rows)).toEqual({ inserted: 5, updated: 0, unchanged: 0 });

    const xminBefore = await t.pool.query(
      'SELECT id, xmin::text FROM transactions WHERE item_id = $1 ORDER BY id',
      [itemId],
    );
    // The same page again (as a fresh parse of the same JSON): zero rows written.
    const again = JSON.parse(JSON.stringify(rows));
    expect(await upsertTransactions(t.pool, itemId, again)).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 5,
    });
    const xminAfter = await t.pool.query(
      'SELECT id, xmin::text FROM transactions WHERE item_id = $1 ORDER BY id',
      [itemId],
    );
    expect(xminAfter.rows).toEqual(xminBefore.rows); // no row version changed

    const changed = rows.map((r, i) =>
      i < 2 ? { ...r, description: `${r.description} (edited)`, updatedAt: '2024-04-20T09:00:00.000Z' } : r,
    );
    const newOne = pluggyTransaction(accountId);
    expect(await upsertTransactions(t.pool, itemId, [...changed, newOne])).toEqual({
      inserted: 1,
      updated: 2,
      unchanged: 3,
    });
    const edited = await getTransaction(t.pool, rows[0]!.id);
    expect(edited?.description).toMatch(/\(edited\)$/);
    expect(edited?.pluggyUpdatedAt?.toISOString()).toBe('2024-04-20T09:00:00.000Z');
  });

  it('keeps money exact: no float drift, large amounts, sums', async () => {
    const { itemId, accountId } = await account();
    const rows = [
      pluggyTransaction(accountId, { amount: 0.1 }),
      pluggyTransaction(accountId, { amount: 0.2 }),
      pluggyTransaction(accountId, { amount: '123456789012345.6789', balance: '-999999999999999.9999' }),
      pluggyTransaction(accountId, { amount: -0.3, amountInAccountCurrency: 1.005 }),
    ];
    await upsertTransactions(t.pool, itemId, rows);
    const got = await Promise.all(rows.map((r) => getTransaction(t.pool, r.id)));
    expect(got.map((r) => r?.amount)).toEqual(['0.1000', '0.2000', '123456789012345.6789', '-0.3000']);
    expect(got[2]?.balance).toBe('-999999999999999.9999');
    expect(got[3]?.amountInAccountCurrency).toBe('1.0050');
    expect(typeof got[0]?.amount).toBe('string');
    // 0.1 + 0.2 + (-0.3) is exactly 0 here, unlike in floating point; plus the large one.
    expect(await accountTotals(t.pool, accountId)).toEqual({ count: 4, sum: '123456789012345.6789' });
    expect(await accountTotals(t.pool, 'no-such-account')).toEqual({ count: 0, sum: '0.0000' });
  });

  it('refuses a non-numeric amount instead of storing garbage', async () => {
    const { itemId, accountId } = await account();
    await expect(
      upsertTransactions(t.pool, itemId, [pluggyTransaction(accountId, { amount: '12,50' })]),
    ).rejects.toThrow(/not a decimal amount/);
  });

  it('maps card metadata, merchant, payment method and a missing status (POSTED)', async () => {
    const { itemId, accountId } = await account();
    const row = pluggyTransaction(accountId, {
      amount: 89.9,
      status: undefined,
      paymentData: null,
      creditCardMetadata: {
        installmentNumber: 2,
        totalInstallments: 6,
        purchaseDate: '2024-03-02T00:00:00.000Z',
        billId: 'c7d8e9f0-8888-4b1c-8d2e-222222222222',
      },
      merchant: { name: 'Loja X', businessName: 'LOJA X LTDA', cnpj: '12345678000199' },
    });
    await upsertTransactions(t.pool, itemId, [row]);
    expect(await getTransaction(t.pool, row.id)).toMatchObject({
      itemId,
      accountId,
      status: 'POSTED',
      type: 'DEBIT',
      installmentNumber: 2,
      totalInstallments: 6,
      purchaseDate: new Date('2024-03-02T00:00:00.000Z'),
      billId: 'c7d8e9f0-8888-4b1c-8d2e-222222222222',
      merchantName: 'Loja X',
      merchantCnpj: '12345678000199',
      paymentMethod: null,
      raw: JSON.parse(JSON.stringify(row)),
    });
  });

  it('handles more than one batch and repeated ids in one call', async () => {
    const { itemId, accountId } = await account();
    const rows = Array.from({ length: 2100 }, () => pluggyTransaction(accountId));
    const dup = { ...rows[0]!, description: 'last copy wins' };
    expect(await upsertTransactions(t.pool, itemId, [...rows, dup])).toEqual({
      inserted: 2100,
      updated: 0,
      unchanged: 0,
    });
    expect((await getTransaction(t.pool, rows[0]!.id))?.description).toBe('last copy wins');
    expect((await accountTotals(t.pool, accountId)).count).toBe(2100);
  });

  it('deletes by id (returning the count) and by diff within a date window', async () => {
    const { itemId, accountId } = await account();
    const other = await account();
    const rows = [
      pluggyTransaction(accountId, { date: '2024-01-10T00:00:00.000Z' }),
      pluggyTransaction(accountId, { date: '2024-02-10T00:00:00.000Z' }),
      pluggyTransaction(accountId, { date: '2024-02-20T00:00:00.000Z' }),
      pluggyTransaction(accountId, { date: '2024-03-10T00:00:00.000Z' }),
    ];
    const foreign = pluggyTransaction(other.accountId);
    await upsertTransactions(t.pool, itemId, rows);
    await upsertTransactions(t.pool, other.itemId, [foreign]);

    expect(await deleteTransactionsByIds(t.pool, [rows[0]!.id, 'unknown-id'])).toBe(1);
    expect(await deleteTransactionsByIds(t.pool, [foreign.id], { itemId })).toBe(0); // other item: untouched
    expect(await deleteTransactionsByIds(t.pool, [])).toBe(0);

    // February was fetched completely and only rows[1] came back: rows[2] is gone at Pluggy.
    expect(
      await deleteAccountTransactionsNotIn(t.pool, accountId, [rows[1]!.id], {
        from: '2024-02-01',
        to: '2024-02-29T23:59:59.999Z',
      }),
    ).toBe(1);
    const left = await listTransactions(t.pool, { accountId, limit: 10 });
    expect(left.rows.map((r) => r.id)).toEqual([rows[3]!.id, rows[1]!.id]);
    expect(await getTransaction(t.pool, foreign.id)).not.toBeNull();
  });

  it('pages newest first by account, item and user with a stable cursor and date bounds', async () => {
    const phone = `+55119${String(Date.now()).slice(-8)}`;
    const { user } = await upsertUserByPhone(t.pool, phone);
    const a = await account(user.id);
    const b = await account(user.id);
    const sameDay = '2024-06-01T00:00:00.000Z';
    const rowsA = [
      pluggyTransaction(a.accountId, { date: sameDay }),
      pluggyTransaction(a.accountId, { date: sameDay }),
      pluggyTransaction(a.accountId, { date: '2024-05-01T00:00:00.000Z' }),
    ];
    const rowsB = [pluggyTransaction(b.accountId, { date: '2024-05-15T00:00:00.000Z' })];
    await upsertTransactions(t.pool, a.itemId, rowsA);
    await upsertTransactions(t.pool, b.itemId, rowsB);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listTransactions>> = await listTransactions(t.pool, {
        userId: user.id,
        limit: 1,
        cursor,
      });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    const sameDayIds = [rowsA[0]!.id, rowsA[1]!.id].sort().reverse();
    expect(seen).toEqual([...sameDayIds, rowsB[0]!.id, rowsA[2]!.id]);

    const byItem = await listTransactions(t.pool, { itemId: a.itemId, from: '2024-05-01', to: '2024-05-31' });
    expect(byItem.rows.map((r) => r.id)).toEqual([rowsA[2]!.id]);
    expect(byItem.nextCursor).toBeNull();
    const byAccount = await listTransactions(t.pool, { accountId: b.accountId });
    expect(byAccount.rows).toHaveLength(1);

    await expect(
      listTransactions(t.pool, { accountId: b.accountId, cursor: 'garbage' }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('rejects a transaction whose account is not stored', async () => {
    const { itemId } = await account();
    await expect(upsertTransactions(t.pool, itemId, [pluggyTransaction('no-such-account')])).rejects.toThrow(
      /foreign key/,
    );
  });
});
