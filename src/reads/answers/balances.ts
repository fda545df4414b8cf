import { listAccountsByUser } from '../../db/queries/accounts.ts';
import type { Db } from '../../db/pool.ts';
import { accountBalancesOnDays } from '../../db/queries/transactions.ts';
import { decimal } from '../money.ts';
import { addDays, type Freshness, freshness, todayInSaoPaulo } from './common.ts';

export type BalanceHistory = Freshness & {
  from: string;
  to: string;
  accounts: Array<{
    accountId: string;
    name: string | null;
    type: string;
    currencyCode: string | null;
    /** Bank accounts: money held; cards: amount owed. */
    current: string;
    days: Array<{ date: string; balance: string }>;
  }>;
};

/**
 * Each account's balance at the end of each of the last `days` days (São Paulo calendar, today
 * included), reconstructed from its current balance by undoing the posted rows dated after each
 * day. Pluggy keeps no balance history (docs/pluggy.md#accounts-and-balances).
 */
export async function balanceHistory(
  db: Db,
  userId: string,
  opts: { days: number; today?: string | undefined },
): Promise<BalanceHistory> {
  const to = opts.today ?? todayInSaoPaulo();
  const from = addDays(to, -(Math.max(1, Math.min(730, Math.trunc(opts.days))) - 1));
  const [rows, accounts, fresh] = await Promise.all([
    accountBalancesOnDays(db, userId, from, to),
    listAccountsByUser(db, userId),
    freshness(db, userId),
  ]);
  const byAccount = new Map<string, Array<{ date: string; balance: string }>>();
  for (const r of rows) {
    const list = byAccount.get(r.accountId) ?? [];
    list.push({ date: r.day, balance: decimal(r.balance) });
    byAccount.set(r.accountId, list);
  }
  return {
    from,
    to,
    accounts: accounts
      .filter((a) => a.balance !== null)
      .map((a) => ({
        accountId: a.id,
        name: a.marketingName ?? a.name,
        type: a.type,
        currencyCode: a.currencyCode,
        current: decimal(a.balance as string),
        days: byAccount.get(a.id) ?? [],
      })),
    ...fresh,
  };
}
