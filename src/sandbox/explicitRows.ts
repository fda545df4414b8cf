/**
 * Rows written exactly as a test asks (date, amount, type, status, category, currency, installment),
 * for answers that must be checked to the cent: a month with card purchases, refunds, a bill
 * payment seen from checking and from the card, installments, a foreign purchase, pending rows
 * restated as posted ones, own transfers, salary. They are announced by the same webhooks as any
 * new row (transactions/created, and transactions/deleted for a restatement).
 */
import { randomUUID } from 'node:crypto';
import { iso } from './clock.ts';
import type { SandboxContext } from './context.ts';
import { refreshBalance } from './world/accounts.ts';
import type { AccountState } from './world/model.ts';
import { toTransaction, type Template, type TxRow } from './world/rows.ts';
import type { ItemState } from './store.ts';
import type { Transaction } from './types.ts';

export type ExplicitRow = {
  accountId: string;
  /** ISO date or date-time; a bare date is midnight UTC, as Pluggy sends calendar dates. */
  date: string;
  /** Signed, Pluggy's convention (bank: out < 0; card: purchase > 0), decimal string with ≤ 2 decimals. */
  amount: string;
  type: 'DEBIT' | 'CREDIT';
  status?: 'PENDING' | 'POSTED';
  description: string;
  categoryId: string | null;
  /** Currency of `amount` (default BRL); with another one, amountInAccountCurrency is required. */
  currencyCode?: string;
  amountInAccountCurrency?: string;
  installment?: { number: number; total: number; purchaseDate?: string };
  billId?: string;
  merchant?: { name: string; cnpj: string } | null;
  /** A card bill payment (kept out of the sandbox's card balance computation). */
  cardPayment?: boolean;
};

export type ExplicitBill = {
  accountId: string;
  dueDate: string;
  closeDate: string;
  totalAmount: string;
  minimumPaymentAmount?: string;
};

function toCents(v: string): number {
  if (!/^-?\d+(\.\d{1,2})?$/.test(v)) throw new Error(`amount ${v} must have at most 2 decimals`);
  const neg = v.startsWith('-');
  const [i = '0', f = ''] = v.replace('-', '').split('.');
  const c = Number(i) * 100 + Number(f.padEnd(2, '0'));
  return neg ? -c : c;
}

const toMs = (d: string) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d}T00:00:00.000Z` : d);

function template(r: ExplicitRow): Template {
  return {
    description: r.description,
    descriptionRaw: r.description.toUpperCase(),
    type: r.type,
    categoryId: r.categoryId,
    operationType: null,
    providerCode: null,
    merchant: r.merchant
      ? { name: r.merchant.name, businessName: r.merchant.name, cnpj: r.merchant.cnpj }
      : null,
    paymentData: null,
    currencyCode: r.currencyCode ?? 'BRL',
    mcc: null,
    kind: r.cardPayment ? 'card-payment' : 'explicit',
  };
}

export function createExplicitRows(ctx: SandboxContext) {
  const { store, notifier, clock } = ctx;

  const accountIn = (itemId: string, accountId: string): { item: ItemState; acct: AccountState } => {
    const item = store.items.get(itemId);
    const acct = item?.world?.accounts.find((a) => a.account.id === accountId);
    if (!item || !acct) throw new Error(`account ${accountId} of item ${itemId} not found (or never synced)`);
    return { item, acct };
  };

  const build = (acct: AccountState, r: ExplicitRow, now: number): TxRow => {
    const row: TxRow = {
      id: randomUUID(),
      accountId: acct.account.id,
      date: toMs(r.date),
      createdAt: now,
      updatedAt: now,
      amount: toCents(r.amount),
      fx: r.amountInAccountCurrency === undefined ? null : toCents(r.amountInAccountCurrency),
      balance: null,
      status: r.status ?? 'POSTED',
      t: template(r),
      providerId: null,
      cc:
        acct.kind === 'card'
          ? {
              ...(r.installment
                ? {
                    installmentNumber: r.installment.number,
                    totalInstallments: r.installment.total,
                    ...(r.installment.purchaseDate
                      ? { purchaseDate: iso(toMs(r.installment.purchaseDate)) }
                      : {}),
                  }
                : {}),
              ...(r.billId ? { billId: r.billId } : {}),
            }
          : null,
    };
    if (acct.kind !== 'card') acct.balance += row.fx ?? row.amount;
    return row;
  };

  return {
    /** Adds the rows (grouped per account) and announces them; returns them as Pluggy serves them. */
    async addRows(itemId: string, rows: readonly ExplicitRow[]): Promise<Transaction[]> {
      const now = clock.nowMs();
      const out: Transaction[] = [];
      const byAccount = new Map<string, ExplicitRow[]>();
      for (const r of rows) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
      for (const [accountId, list] of byAccount) {
        const { item, acct } = accountIn(itemId, accountId);
        const built = list.map((r) => build(acct, r, now));
        store.insertRows(acct, built);
        refreshBalance(acct, now);
        notifier.rowsCreated(item, accountId, built, now);
        out.push(...built.map((b) => toTransaction(b, false)));
      }
      return out;
    },

    /**
     * A pending row confirmed by the bank with other data: deleted, and a POSTED row created with
     * a new id (Pluggy's restatement; nothing links the two).
     */
    async restateAsPosted(
      itemId: string,
      id: string,
      changes: Partial<ExplicitRow> = {},
    ): Promise<Transaction> {
      const found = store.findTransaction(id);
      if (!found) throw new Error(`transaction ${id} not found`);
      const { item, acct } = accountIn(itemId, found.row.accountId);
      const old = found.row;
      const now = clock.nowMs();
      const removed = store.removeRows(acct, new Set([id]));
      if (acct.kind !== 'card') acct.balance -= old.fx ?? old.amount;
      notifier.transactionIds(item, 'transactions/deleted', acct.account.id, removed);
      const r: ExplicitRow = {
        accountId: acct.account.id,
        date: iso(old.date),
        amount: (old.amount / 100).toFixed(2),
        type: old.t.type,
        description: old.t.description,
        categoryId: old.t.categoryId,
        currencyCode: old.t.currencyCode,
        ...(old.fx !== null ? { amountInAccountCurrency: (old.fx / 100).toFixed(2) } : {}),
        ...changes,
        status: 'POSTED',
      };
      const row = build(acct, r, now);
      store.insertRows(acct, [row]);
      refreshBalance(acct, now);
      notifier.rowsCreated(item, acct.account.id, [row], now);
      return toTransaction(row, false);
    },

    /** Adds a closed bill to a card (served by GET /bills). */
    addBill(itemId: string, b: ExplicitBill): string {
      const { item, acct } = accountIn(itemId, b.accountId);
      if (acct.kind !== 'card') throw new Error('bills belong to credit card accounts');
      const id = randomUUID();
      acct.bills.push({
        id,
        dueDate: iso(toMs(b.dueDate)),
        billClosingDate: iso(toMs(b.closeDate)),
        totalAmount: toCents(b.totalAmount) / 100,
        totalAmountCurrencyCode: 'BRL',
        minimumPaymentAmount: b.minimumPaymentAmount ? toCents(b.minimumPaymentAmount) / 100 : null,
        allowsInstallments: true,
        financeCharges: [],
        payments: [],
        createdAt: iso(clock.nowMs()),
        updatedAt: iso(clock.nowMs()),
      } as unknown as (typeof acct.bills)[number]);
      acct.bills.sort((x, y) => Date.parse(x.dueDate) - Date.parse(y.dueDate));
      store.bills.set(id, { item, acct, bill: acct.bills.find((x) => x.id === id)! });
      return id;
    },
  };
}

export type ExplicitRowsAdmin = ReturnType<typeof createExplicitRows>;
