import { listAccountsByUser } from '../../db/queries/accounts.ts';
import { billsDueBetween } from '../../db/queries/bills.ts';
import { loanInstallmentsDue } from '../../db/queries/loans.ts';
import type { Db } from '../../db/pool.ts';
import { futureInstallments } from '../../db/queries/transactions.ts';
import { decimal } from '../money.ts';
import { addDays, billPaymentStatus, type Freshness, freshness, todayInSaoPaulo } from './common.ts';

export type UpcomingItem =
  | {
      kind: 'card-bill';
      dueDate: string;
      accountId: string;
      name: string | null;
      amount: string;
      paidAmount: string;
      status: 'paid' | 'partial' | 'open';
      /** false for a closed bill Pluggy listed; true for the card's current statement (its balance owed). */
      estimated: boolean;
    }
  | {
      kind: 'loan-installment';
      dueDate: string;
      loanId: string;
      name: string | null;
      amount: string | null;
      installmentNumber: number;
      totalInstallments: number;
      estimated: true;
    }
  | {
      kind: 'card-installment';
      dueDate: string;
      accountId: string;
      name: string | null;
      amount: string;
      installmentNumber: number;
      totalInstallments: number;
      /** false: a row Pluggy already sent for a future cycle; true: projected from the last one stored. */
      estimated: boolean;
    };

export type UpcomingBills = Freshness & { from: string; to: string; items: UpcomingItem[] };

/**
 * What falls due in the next `days` days (São Paulo calendar, today included): closed card bills
 * (with what was already paid), each card's current statement when its due date falls inside and
 * Pluggy has not listed it as a bill yet, loan installments, and card installments not billed yet.
 */
export async function upcomingBills(
  db: Db,
  userId: string,
  opts: { days: number; today?: string | undefined },
): Promise<UpcomingBills> {
  const from = opts.today ?? todayInSaoPaulo();
  const to = addDays(from, Math.max(0, Math.min(366, Math.trunc(opts.days))));
  const [bills, loans, installments, accounts, fresh] = await Promise.all([
    billsDueBetween(db, userId, from, to),
    loanInstallmentsDue(db, userId, from, to),
    futureInstallments(db, userId, from, to),
    listAccountsByUser(db, userId),
    freshness(db, userId),
  ]);
  const items: UpcomingItem[] = [];
  for (const b of bills) {
    items.push({
      kind: 'card-bill',
      dueDate: b.dueDate.toISOString().slice(0, 10),
      accountId: b.accountId,
      name: b.accountName,
      amount: decimal(b.totalAmount),
      paidAmount: decimal(b.paidAmount),
      status: billPaymentStatus(b.paidAmount, b.totalAmount),
      estimated: false,
    });
  }
  const names = new Map(accounts.map((a) => [a.id, a.marketingName ?? a.name]));
  for (const a of accounts) {
    if (a.type !== 'CREDIT' || !a.billDueDate || a.balance === null) continue;
    const due = a.billDueDate.toISOString().slice(0, 10);
    if (
      due < from ||
      due > to ||
      bills.some((b) => b.accountId === a.id && b.dueDate.getTime() === a.billDueDate?.getTime())
    )
      continue;
    items.push({
      kind: 'card-bill',
      dueDate: due,
      accountId: a.id,
      name: names.get(a.id) ?? null,
      amount: decimal(a.balance),
      paidAmount: '0.00',
      status: 'open',
      estimated: true,
    });
  }
  for (const l of loans) {
    items.push({
      kind: 'loan-installment',
      dueDate: l.dueDay,
      loanId: l.loanId,
      name: l.productName,
      amount: decimal(l.estimatedAmount),
      installmentNumber: l.installmentNumber,
      totalInstallments: l.totalInstallments,
      estimated: true,
    });
  }
  for (const i of installments) {
    items.push({
      kind: 'card-installment',
      dueDate: i.day,
      accountId: i.accountId,
      name: i.description,
      amount: decimal(i.amount),
      installmentNumber: i.installmentNumber,
      totalInstallments: i.totalInstallments,
      estimated: !i.stored,
    });
  }
  items.sort((a, b) =>
    a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.kind.localeCompare(b.kind),
  );
  return { from, to, items, ...fresh };
}
