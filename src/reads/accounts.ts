import type { Db } from '../db/pool.ts';
import { type AccountRow, getAccount, listAccountsByUser } from '../db/queries/accounts.ts';
import { getItem } from '../db/queries/items.ts';
import { AppError } from '../domain/errors.ts';
import { decimal, iso } from './money.ts';
import type { AccountView } from './schemas.ts';

export function accountView(a: AccountRow): AccountView {
  return {
    id: a.id,
    itemId: a.itemId,
    type: a.type,
    subtype: a.subtype,
    name: a.name,
    marketingName: a.marketingName,
    number: a.number,
    owner: a.owner,
    balance: decimal(a.balance),
    currencyCode: a.currencyCode,
    creditLimit: decimal(a.creditLimit),
    availableCreditLimit: decimal(a.availableCreditLimit),
    billDueDate: iso(a.billDueDate),
    billCloseDate: iso(a.billCloseDate),
    syncedAt: a.syncedAt.toISOString(),
  };
}

export async function listAccountViews(db: Db, userId: string): Promise<AccountView[]> {
  return (await listAccountsByUser(db, userId)).map(accountView);
}

/** The person's account, or account-not-found exactly as for an id that does not exist. */
export async function requirePersonAccount(db: Db, userId: string, accountId: string): Promise<AccountRow> {
  const account = await getAccount(db, accountId);
  const item = account ? await getItem(db, account.itemId) : null;
  if (!account || !item || item.userId !== userId || item.deletedAt) {
    throw new AppError('not-found', 'account-not-found', 'No such account for this person.');
  }
  return account;
}
