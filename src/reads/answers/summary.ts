import { listAccountsByUser } from '../../db/queries/accounts.ts';
import { billsDueBetween } from '../../db/queries/bills.ts';
import type { Db } from '../../db/pool.ts';
import {
  accountBalancesOnDays,
  categoryComparison,
  flowByMonth,
  ownTransfers,
  topMerchants,
} from '../../db/queries/transactions.ts';
import { categoryName } from '../../domain/categories.ts';
import { decimal } from '../money.ts';
import {
  addMonths,
  billPaymentStatus,
  type Freshness,
  freshness,
  type Lang,
  monthRange,
  todayInSaoPaulo,
} from './common.ts';
import { type CategorySpendingDetail, spendingByCategoryDetail } from './spending.ts';

export type MonthTotals = { income: string; spending: string; net: string };

export type SummaryCategory = CategorySpendingDetail & {
  /** Spending of the same category in the previous month. */
  previousMonth: string;
  /** Average of the three months before this one (a month without spending counts as zero). */
  average3Months: string;
};

export type CardBillView = {
  id: string;
  accountId: string;
  accountName: string | null;
  dueDate: string;
  closeDate: string | null;
  amount: string;
  minimumPayment: string | null;
  paidAmount: string;
  status: 'paid' | 'partial' | 'open';
};

export type MonthSummary = Freshness &
  MonthTotals & {
    month: string;
    lang: Lang;
    currencyCode: string;
    /** Rows still PENDING among those counted (they are included). */
    pendingCount: number;
    categories: SummaryCategory[];
    topMerchants: Array<{ name: string; cnpj: string | null; amount: string; count: number }>;
    /** Moves between the person's own accounts and card bill payments: in neither income nor spending. */
    transfers: {
      in: string;
      out: string;
      count: number;
      rows: Array<{
        id: string;
        accountId: string;
        date: string;
        type: 'DEBIT' | 'CREDIT';
        amount: string;
        categoryId: string | null;
        category: string;
        description: string | null;
        pending: boolean;
      }>;
    };
    cardBills: CardBillView[];
    /** Each account's balance at the end of the month (today for the current month), reconstructed from its current balance. */
    balances: Array<{ accountId: string; name: string | null; type: string; date: string; balance: string }>;
    previousMonth: MonthTotals & { month: string };
  };

/**
 * The month's answer: income, spending and net; spending by top-level category with its
 * subcategories and its comparison with the month before and the 3-month average; top merchants;
 * own transfers apart; the card bills due in the month; balances at month end. Every figure comes
 * from the same classified rows (src/db/queries/transactions.ts), so the totals are the sums of
 * their parts to the cent.
 */
export async function monthlySummary(
  db: Db,
  userId: string,
  opts: { month: string; lang: Lang; today?: string | undefined },
): Promise<MonthSummary> {
  const { month, lang } = opts;
  const { from, to } = monthRange(month);
  const today = opts.today ?? todayInSaoPaulo();
  // biome-ignore lint/complexity/useMathMinMax: ISO date strings, compared as text (Math.min would coerce to NaN)
  const balanceDay = to < today ? to : today;
  const prev = addMonths(month, -1);
  const [flows, categories, comparison, merchants, transfers, bills, balances, accounts, fresh] =
    await Promise.all([
      flowByMonth(db, userId, monthRange(prev).from, to),
      spendingByCategoryDetail(db, userId, { from, to }, lang),
      categoryComparison(db, userId, from),
      topMerchants(db, userId, from, to, 10),
      ownTransfers(db, userId, from, to),
      billsDueBetween(db, userId, from, to),
      balanceDay >= from ? accountBalancesOnDays(db, userId, balanceDay, balanceDay) : Promise.resolve([]),
      listAccountsByUser(db, userId),
      freshness(db, userId),
    ]);
  const cur = flows.find((f) => f.month === month);
  const before = flows.find((f) => f.month === prev);
  const cmp = new Map(comparison.map((c) => [c.topId, c]));
  const accountById = new Map(accounts.map((a) => [a.id, a]));
  return {
    month,
    lang,
    currencyCode: 'BRL',
    income: decimal(cur?.income ?? '0'),
    spending: decimal(cur?.spending ?? '0'),
    net: decimal(cur?.net ?? '0'),
    pendingCount: cur?.pendingCount ?? 0,
    categories: categories.map((c) => ({
      ...c,
      previousMonth: decimal(cmp.get(c.categoryId)?.previous ?? '0'),
      average3Months: decimal(cmp.get(c.categoryId)?.average3 ?? '0'),
    })),
    topMerchants: merchants.map((m) => ({
      name: m.merchant,
      cnpj: m.cnpj,
      amount: decimal(m.amount),
      count: m.count,
    })),
    transfers: {
      in: decimal(cur?.transfersIn ?? '0'),
      out: decimal(cur?.transfersOut ?? '0'),
      count: transfers.length,
      rows: transfers.map((t) => ({
        id: t.id,
        accountId: t.accountId,
        date: t.day,
        type: t.type,
        amount: decimal(t.amount),
        categoryId: t.categoryId,
        category: categoryName(t.categoryId, lang),
        description: t.description,
        pending: t.pending,
      })),
    },
    cardBills: bills.map((b) => ({
      id: b.id,
      accountId: b.accountId,
      accountName: b.accountName,
      dueDate: b.dueDate.toISOString().slice(0, 10),
      closeDate: b.closeDate ? b.closeDate.toISOString().slice(0, 10) : null,
      amount: decimal(b.totalAmount),
      minimumPayment: decimal(b.minimumPaymentAmount),
      paidAmount: decimal(b.paidAmount),
      status: billPaymentStatus(b.paidAmount, b.totalAmount),
    })),
    balances: balances.map((b) => {
      const a = accountById.get(b.accountId);
      return {
        accountId: b.accountId,
        name: a ? (a.marketingName ?? a.name) : null,
        type: a?.type ?? 'BANK',
        date: b.day,
        balance: decimal(b.balance),
      };
    }),
    previousMonth: {
      month: prev,
      income: decimal(before?.income ?? '0'),
      spending: decimal(before?.spending ?? '0'),
      net: decimal(before?.net ?? '0'),
    },
    ...fresh,
  };
}
