import type { Db } from '../db/pool.ts';
import { type BillRow, listBillsByUser } from '../db/queries/bills.ts';
import { listIdentitiesByUser } from '../db/queries/identities.ts';
import { listInvestmentsByUser } from '../db/queries/investments.ts';
import { listLoansByUser } from '../db/queries/loans.ts';
import type { UserRow } from '../db/queries/users.ts';
import { listAccountViews } from './accounts.ts';
import { listItemViews } from './items.ts';
import { decimal, iso } from './money.ts';
import { personView } from './people.ts';
import type { BillView, FinancialData } from './schemas.ts';
import { listPersonTransactions } from './transactions.ts';

const RECENT_DAYS = 30;
// The assistant's summary, not an export: the newest 100 of the last 30 days, with `truncated` telling
// it to page /transactions for the rest (500 rows made the answer ~350 KB and 5× slower).
const RECENT_MAX = 100;

/**
 * The one answer the assistant asks for most: everything about a person from our own database
 * (never a live Pluggy call), with each item's freshness so it can say how current the data is.
 */
export async function financialData(db: Db, user: UserRow, now = new Date()): Promise<FinancialData> {
  const from = new Date(now.getTime() - RECENT_DAYS * 86_400_000);
  const [items, accounts, bills, recent, identities, investments, loans] = await Promise.all([
    listItemViews(db, user.id),
    listAccountViews(db, user.id),
    listBillsByUser(db, user.id, { limit: 500 }),
    listPersonTransactions(db, user.id, { from: from.toISOString(), limit: RECENT_MAX }),
    listIdentitiesByUser(db, user.id),
    listInvestmentsByUser(db, user.id),
    listLoansByUser(db, user.id),
  ]);
  const totals = new Map<string, { type: string; currencyCode: string; cents: bigint }>();
  for (const inv of investments) {
    if (inv.balance === null) continue;
    const type = inv.type ?? 'OTHER';
    const currencyCode = inv.currencyCode ?? 'BRL';
    const key = `${type}|${currencyCode}`;
    const t = totals.get(key) ?? { type, currencyCode, cents: 0n };
    t.cents += toTenThousandths(inv.balance);
    totals.set(key, t);
  }
  return {
    person: personView(user),
    items,
    accounts,
    cardBills: currentBills(bills, now),
    recentTransactions: {
      from: from.toISOString(),
      data: recent.data,
      truncated: recent.nextCursor !== null,
    },
    identities: identities.map((d) => ({
      id: d.id,
      itemId: d.itemId,
      fullName: d.fullName,
      companyName: d.companyName,
      document: d.document,
      documentType: d.documentType,
      birthDate: iso(d.birthDate),
      emails: d.emails ?? null,
      phones: d.phones ?? null,
      addresses: d.addresses ?? null,
    })),
    investments: {
      data: investments.map((v) => ({
        id: v.id,
        itemId: v.itemId,
        type: v.type,
        subtype: v.subtype,
        name: v.name,
        code: v.code,
        balance: decimal(v.balance),
        amount: decimal(v.amount),
        currencyCode: v.currencyCode,
        dueDate: iso(v.dueDate),
        status: v.status,
      })),
      totalsByType: [...totals.values()].map((t) => ({
        type: t.type,
        currencyCode: t.currencyCode,
        total: decimal(fromTenThousandths(t.cents)),
      })),
    },
    loans: loans.map((l) => ({
      id: l.id,
      itemId: l.itemId,
      contractNumber: l.contractNumber,
      productName: l.productName,
      type: l.type,
      contractAmount: decimal(l.contractAmount),
      outstandingBalance: decimal(l.outstandingBalance),
      currencyCode: l.currencyCode,
      dueDate: iso(l.dueDate),
    })),
  };
}

/** Per card: the bill still to pay (earliest due date not passed) and the last one closed. */
export function currentBills(bills: BillRow[], now: Date): BillView[] {
  const byAccount = new Map<string, BillRow[]>();
  for (const b of bills) byAccount.set(b.accountId, [...(byAccount.get(b.accountId) ?? []), b]);
  const out: BillView[] = [];
  for (const list of byAccount.values()) {
    // list is newest due date first.
    const open = list.filter((b) => b.dueDate >= now).at(-1);
    const closed = list.find((b) => b.dueDate < now);
    for (const [b, state] of [
      [open, 'open'],
      [closed, 'closed'],
    ] as const) {
      if (!b) continue;
      out.push({
        id: b.id,
        accountId: b.accountId,
        itemId: b.itemId,
        dueDate: b.dueDate.toISOString(),
        closeDate: iso(b.closeDate),
        totalAmount: decimal(b.totalAmount),
        minimumPaymentAmount: decimal(b.minimumPaymentAmount),
        currencyCode: b.currencyCode,
        state,
      });
    }
  }
  return out;
}

/** numeric(19,4) text → integer ten-thousandths, for exact sums. */
function toTenThousandths(v: string): bigint {
  const neg = v.startsWith('-');
  const [int = '0', frac = ''] = v.replace(/^[-+]/, '').split('.');
  const n = BigInt(int) * 10_000n + BigInt(frac.padEnd(4, '0').slice(0, 4) || '0');
  return neg ? -n : n;
}

function fromTenThousandths(n: bigint): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  return `${neg ? '-' : ''}${abs / 10_000n}.${String(abs % 10_000n).padStart(4, '0')}`;
}
