import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluggyAccount, pluggyCreditCard, pluggyItem, pluggyTransaction } from '../fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { deleteAccountsNotIn, listAccountsByItem, listAccountsByUser, upsertAccounts } from './accounts.ts';
import { listBillsByAccount, upsertBills } from './bills.ts';
import { getIdentityByItem, upsertIdentity } from './identities.ts';
import {
  getItem,
  linkItemsToUser,
  listItemsByUser,
  listItemsStaleSince,
  markItemDeleted,
  markItemSynced,
  purgeItem,
  setItemStatus,
  upsertItemFromPluggy,
} from './items.ts';
import {
  listInvestmentTransactions,
  upsertInvestments,
  upsertInvestmentTransactions,
} from './investments.ts';
import { listLoansByItem, upsertLoans } from './loans.ts';
import { getWatermark, setWatermark } from './syncState.ts';
import { listRuns, startRun } from './syncRuns.ts';
import { listTransactions, upsertTransactions } from './transactions.ts';
import { getUserById, getUserByPhone, upsertUserByPhone } from './users.ts';

let phoneSeq = 0;
const newPhone = () =>
  `+55119${String(Date.now() % 1e6).padStart(6, '0')}${String(phoneSeq++).padStart(2, '0')}`;

describe('users and items', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('creates a user once per phone and refuses a phone not in E.164', async () => {
    const phone = newPhone();
    const first = await upsertUserByPhone(t.pool, phone);
    const second = await upsertUserByPhone(t.pool, phone);
    expect(first.inserted).toBe(true);
    expect(second).toEqual({ user: first.user, inserted: false });
    expect(await getUserByPhone(t.pool, phone)).toEqual(first.user);
    expect(await getUserById(t.pool, first.user.id)).toEqual(first.user);
    expect(await getUserById(t.pool, randomUUID())).toBeNull();
    await expect(upsertUserByPhone(t.pool, '11 91234-5678')).rejects.toThrow(/check constraint/);
  });

  it('stores an item, skips an identical copy, updates a changed one, ignores an older one', async () => {
    const item = pluggyItem({ status: 'UPDATING', executionStatus: 'LOGIN_IN_PROGRESS' });
    const a = await upsertItemFromPluggy(t.pool, item);
    expect(a.outcome).toBe('inserted');
    expect(a.item).toMatchObject({
      id: item.id,
      userId: null,
      connectorId: 2,
      connectorName: 'Pluggy Bank',
      status: 'UPDATING',
      executionStatus: 'LOGIN_IN_PROGRESS',
      needsReconnect: false,
      pluggyUpdatedAt: new Date('2025-02-03T14:01:12.480Z'),
    });
    expect((await upsertItemFromPluggy(t.pool, { ...item })).outcome).toBe('unchanged');

    const newer = {
      ...item,
      status: 'UPDATED',
      executionStatus: 'SUCCESS',
      updatedAt: '2025-02-03T15:00:00.000Z',
    };
    const b = await upsertItemFromPluggy(t.pool, newer);
    expect(b.outcome).toBe('updated');
    expect(b.item.status).toBe('UPDATED');

    const older = { ...item, status: 'LOGIN_ERROR', updatedAt: '2025-02-03T14:30:00.000Z' };
    const c = await upsertItemFromPluggy(t.pool, older);
    expect(c.outcome).toBe('unchanged');
    expect(c.item.status).toBe('UPDATED');
  });

  it('links items to a user by clientUserId or directly, and flags reconnects', async () => {
    const { user } = await upsertUserByPhone(t.pool, newPhone());
    const clientUserId = `cu-${randomUUID()}`;
    const early = pluggyItem({ clientUserId });
    await upsertItemFromPluggy(t.pool, early); // webhook before we know the person
    expect(await linkItemsToUser(t.pool, clientUserId, user.id)).toBe(1);
    expect(await linkItemsToUser(t.pool, clientUserId, user.id)).toBe(0);

    const direct = pluggyItem();
    await upsertItemFromPluggy(t.pool, direct);
    const linked = await upsertItemFromPluggy(t.pool, direct, { userId: user.id, needsReconnect: true });
    expect(linked.outcome).toBe('updated');
    expect(linked.item).toMatchObject({ userId: user.id, needsReconnect: true });
    // Re-storing without options keeps both.
    expect((await upsertItemFromPluggy(t.pool, direct)).item).toMatchObject({
      userId: user.id,
      needsReconnect: true,
    });

    expect((await listItemsByUser(t.pool, user.id)).map((i) => i.id).sort()).toEqual(
      [early.id, direct.id].sort(),
    );
    expect(await markItemDeleted(t.pool, direct.id)).toBe(true);
    expect(await markItemDeleted(t.pool, direct.id)).toBe(false);
    expect((await listItemsByUser(t.pool, user.id)).map((i) => i.id)).toEqual([early.id]);
    expect(await listItemsByUser(t.pool, user.id, { includeDeleted: true })).toHaveLength(2);
  });

  it('sets status fields from a webhook and records syncs for the stale list', async () => {
    const item = pluggyItem({ error: null });
    await upsertItemFromPluggy(t.pool, item);
    const err = { code: 'INVALID_CREDENTIALS', message: 'Invalid credentials.' };
    expect(
      await setItemStatus(t.pool, item.id, { status: 'LOGIN_ERROR', error: err, needsReconnect: true }),
    ).toBe(true);
    expect(await getItem(t.pool, item.id)).toMatchObject({
      status: 'LOGIN_ERROR',
      executionStatus: 'SUCCESS',
      error: err,
      needsReconnect: true,
    });
    await setItemStatus(t.pool, item.id, { error: null });
    expect((await getItem(t.pool, item.id))?.error).toBeNull();
    expect(await setItemStatus(t.pool, 'unknown', { status: 'UPDATED' })).toBe(false);

    const cutoff = new Date();
    expect((await listItemsStaleSince(t.pool, cutoff)).map((i) => i.id)).toContain(item.id);
    expect(await markItemSynced(t.pool, item.id, new Date(cutoff.getTime() + 1000))).toBe(true);
    expect((await listItemsStaleSince(t.pool, cutoff)).map((i) => i.id)).not.toContain(item.id);
    // An older sync time never moves it back.
    expect(await markItemSynced(t.pool, item.id, new Date(cutoff.getTime() - 1000))).toBe(false);
  });

  it('purging an item cascades to every table hanging off it, and keeps run history', async () => {
    const { user } = await upsertUserByPhone(t.pool, newPhone());
    const item = pluggyItem();
    await upsertItemFromPluggy(t.pool, item, { userId: user.id });
    const bank = pluggyAccount();
    const card = pluggyCreditCard();
    await upsertAccounts(t.pool, item.id, [bank, card]);
    await upsertTransactions(t.pool, item.id, [pluggyTransaction(bank.id), pluggyTransaction(card.id)]);
    await upsertBills(t.pool, item.id, card.id, [
      {
        id: randomUUID(),
        dueDate: '2024-05-10T00:00:00.000Z',
        totalAmount: 2315.87,
        totalAmountCurrencyCode: 'BRL',
      },
    ]);
    await upsertIdentity(t.pool, item.id, { id: randomUUID(), fullName: 'Maria Souza' });
    const inv = { id: randomUUID(), type: 'FIXED_INCOME', name: 'CDB', balance: 10690.35 };
    await upsertInvestments(t.pool, item.id, [inv]);
    await upsertInvestmentTransactions(t.pool, item.id, inv.id, [
      { id: randomUUID(), movementType: 'CREDIT', amount: 10000, date: '2023-09-01T00:00:00.000Z' },
    ]);
    await upsertLoans(t.pool, item.id, [
      { id: randomUUID(), productName: 'Emprestimo', contractAmount: 15000 },
    ]);
    await setWatermark(
      t.pool,
      { itemId: item.id, resource: 'transactions', accountId: bank.id },
      { watermark: new Date() },
    );
    await startRun(t.pool, { itemId: item.id, kind: 'full' });

    expect(await listAccountsByUser(t.pool, user.id)).toHaveLength(2);
    expect(await purgeItem(t.pool, item.id)).toBe(1);

    const counts = await t.pool.query(
      `SELECT (SELECT count(*) FROM accounts WHERE item_id = $1)::int AS accounts,
              (SELECT count(*) FROM transactions WHERE item_id = $1)::int AS transactions,
              (SELECT count(*) FROM credit_card_bills WHERE item_id = $1)::int AS bills,
              (SELECT count(*) FROM identities WHERE item_id = $1)::int AS identities,
              (SELECT count(*) FROM investments WHERE item_id = $1)::int AS investments,
              (SELECT count(*) FROM investment_transactions WHERE item_id = $1)::int AS investment_transactions,
              (SELECT count(*) FROM loans WHERE item_id = $1)::int AS loans,
              (SELECT count(*) FROM sync_state WHERE item_id = $1)::int AS sync_state`,
      [item.id],
    );
    expect(counts.rows[0]).toEqual({
      accounts: 0,
      transactions: 0,
      bills: 0,
      identities: 0,
      investments: 0,
      investment_transactions: 0,
      loans: 0,
      sync_state: 0,
    });
    expect(await listRuns(t.pool, { itemId: item.id })).toHaveLength(1);
    expect(await getItem(t.pool, item.id)).toBeNull();
    expect(await getUserById(t.pool, user.id)).not.toBeNull();
  });

  it('reads back every resource with strings for money and skips identical rewrites', async () => {
    const item = pluggyItem();
    await upsertItemFromPluggy(t.pool, item);
    const card = pluggyCreditCard();
    expect(await upsertAccounts(t.pool, item.id, [card])).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(await upsertAccounts(t.pool, item.id, [card])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await listAccountsByItem(t.pool, item.id))[0]).toMatchObject({
      type: 'CREDIT',
      balance: '2315.8700',
      creditLimit: '20000.0000',
      availableCreditLimit: '17684.1300',
      billDueDate: new Date('2024-05-10T00:00:00.000Z'),
      billCloseDate: new Date('2024-05-03T00:00:00.000Z'),
    });

    const bill = {
      id: randomUUID(),
      dueDate: '2024-05-10',
      billClosingDate: '2024-05-03',
      totalAmount: 2315.87,
      minimumPaymentAmount: 347.38,
      totalAmountCurrencyCode: 'BRL',
    };
    // Stored from a session in Brazil's time zone: a bare date still means midnight UTC.
    const saoPaulo = await t.pool.connect();
    try {
      await saoPaulo.query("SET TimeZone = 'America/Sao_Paulo'");
      expect(await upsertBills(saoPaulo, item.id, card.id, [bill])).toEqual({
        inserted: 1,
        updated: 0,
        unchanged: 0,
      });
    } finally {
      await saoPaulo.query('RESET TimeZone');
      saoPaulo.release();
    }
    expect(await upsertBills(t.pool, item.id, card.id, [bill])).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 1,
    });
    expect((await listBillsByAccount(t.pool, card.id))[0]).toMatchObject({
      totalAmount: '2315.8700',
      minimumPaymentAmount: '347.3800',
      dueDate: new Date('2024-05-10T00:00:00.000Z'),
    });

    const identity = {
      id: randomUUID(),
      fullName: 'Maria Souza',
      document: '12345678901',
      documentType: 'CPF',
      emails: [{ type: 'Personal', value: 'maria@example.com' }],
    };
    expect(await upsertIdentity(t.pool, item.id, identity)).toBe('inserted');
    expect(await upsertIdentity(t.pool, item.id, identity)).toBe('unchanged');
    // Pluggy hands a new identity id for the same item: replaced, not duplicated.
    const renewed = { ...identity, id: randomUUID() };
    expect(await upsertIdentity(t.pool, item.id, renewed)).toBe('updated');
    expect(await getIdentityByItem(t.pool, item.id)).toMatchObject({
      id: renewed.id,
      emails: identity.emails,
    });

    const inv = {
      id: randomUUID(),
      type: 'MUTUAL_FUND',
      name: 'Fundo',
      balance: 1000.5,
      value: '1.23456789',
      quantity: '810.123456',
    };
    await upsertInvestments(t.pool, item.id, [inv]);
    const movement = {
      id: randomUUID(),
      movementType: 'CREDIT',
      amount: 1000,
      value: 1.2345678,
      quantity: 810,
      date: '2024-01-02T00:00:00.000Z',
    };
    expect(await upsertInvestmentTransactions(t.pool, item.id, inv.id, [movement])).toEqual({
      inserted: 1,
      updated: 0,
      unchanged: 0,
    });
    const [m] = await listInvestmentTransactions(t.pool, inv.id);
    expect(m).toMatchObject({ amount: '1000.0000', value: '1.2345678', quantity: '810' });
    const rows = await t.pool.query('SELECT value, quantity FROM investments WHERE id = $1', [inv.id]);
    expect(rows.rows[0]).toEqual({ value: '1.23456789', quantity: '810.123456' }); // unit values keep every decimal

    const loan = {
      id: randomUUID(),
      productName: 'Emprestimo Pessoal',
      kind: 'LOAN',
      contractAmount: 15000,
      currencyCode: 'BRL',
      payments: { contractOutstandingBalance: 11240.5 },
    };
    await upsertLoans(t.pool, item.id, [loan]);
    expect((await listLoansByItem(t.pool, item.id))[0]).toMatchObject({
      contractAmount: '15000.0000',
      outstandingBalance: '11240.5000',
    });
  });

  it('keeps one watermark per item, resource and account', async () => {
    const item = pluggyItem();
    await upsertItemFromPluggy(t.pool, item);
    const key = { itemId: item.id, resource: 'transactions', accountId: 'acc-1' };
    expect(await getWatermark(t.pool, key)).toBeNull();
    await setWatermark(t.pool, key, { watermark: '2024-04-18T11:02:07.412Z', cursor: 'abc' });
    await setWatermark(
      t.pool,
      { itemId: item.id, resource: 'identity' },
      { watermark: '2024-01-01T00:00:00.000Z' },
    );
    expect(await getWatermark(t.pool, key)).toMatchObject({
      watermark: new Date('2024-04-18T11:02:07.412Z'),
      cursor: 'abc',
    });
    await setWatermark(t.pool, key, { watermark: '2024-05-01T00:00:00.000Z' });
    expect(await getWatermark(t.pool, key)).toMatchObject({
      watermark: new Date('2024-05-01T00:00:00.000Z'),
      cursor: null,
    });
    expect((await getWatermark(t.pool, { itemId: item.id, resource: 'identity' }))?.watermark).toEqual(
      new Date('2024-01-01T00:00:00.000Z'),
    );
    expect(await listTransactions(t.pool, { itemId: item.id })).toEqual({ rows: [], nextCursor: null });
  });

  it('removing an account drops its watermarks too, so an account that comes back is read in full', async () => {
    const item = pluggyItem();
    await upsertItemFromPluggy(t.pool, item);
    const kept = pluggyAccount();
    const gone = pluggyAccount();
    await upsertAccounts(t.pool, item.id, [kept, gone]);
    for (const accountId of [kept.id, gone.id]) {
      await setWatermark(
        t.pool,
        { itemId: item.id, resource: 'transactions', accountId },
        { watermark: new Date() },
      );
    }
    await setWatermark(t.pool, { itemId: item.id, resource: 'identity' }, { watermark: new Date() });

    expect(await deleteAccountsNotIn(t.pool, item.id, [kept.id])).toBe(1);
    expect(
      await getWatermark(t.pool, { itemId: item.id, resource: 'transactions', accountId: gone.id }),
    ).toBeNull();
    expect(
      await getWatermark(t.pool, { itemId: item.id, resource: 'transactions', accountId: kept.id }),
    ).not.toBeNull();
    expect(await getWatermark(t.pool, { itemId: item.id, resource: 'identity' })).not.toBeNull();
  });
});
