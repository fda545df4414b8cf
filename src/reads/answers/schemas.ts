import { z } from 'zod';
import { Money } from '../schemas.ts';

/** The answers' shapes for OpenAPI (the route answers are built typed from the same fields). */
const Day = z.string().describe('YYYY-MM-DD');
const Fresh = {
  asOf: z.string().nullable().describe('last successful sync of the data used (the oldest among the items)'),
  nextSyncAt: z.string().nullable().describe('next automatic sync Pluggy announced'),
};
const Sub = z.object({ categoryId: z.string(), name: z.string(), amount: Money, count: z.number().int() });
export const CategorySpendingSchema = z.object({
  categoryId: z.string().describe("top-level category, its own full id (e.g. '08000000')"),
  name: z.string(),
  amount: Money.describe('spending minus refunds'),
  count: z.number().int(),
  share: z.string().describe('fraction of the total spending, e.g. "0.2514"'),
  subcategories: z.array(Sub),
  previousMonth: Money,
  average3Months: Money,
});
const Totals = { income: Money, spending: Money, net: Money };

export const MonthSummarySchema = z.object({
  month: z.string(),
  lang: z.enum(['pt', 'en']),
  currencyCode: z.string(),
  ...Totals,
  pendingCount: z.number().int().describe('PENDING rows included in the figures'),
  categories: z.array(CategorySpendingSchema),
  topMerchants: z.array(
    z.object({ name: z.string(), cnpj: z.string().nullable(), amount: Money, count: z.number() }),
  ),
  transfers: z.object({
    in: Money,
    out: Money,
    count: z.number().int(),
    rows: z.array(
      z.object({
        id: z.string(),
        accountId: z.string(),
        date: Day,
        type: z.enum(['DEBIT', 'CREDIT']),
        amount: Money,
        categoryId: z.string().nullable(),
        category: z.string(),
        description: z.string().nullable(),
        pending: z.boolean(),
      }),
    ),
  }),
  cardBills: z.array(
    z.object({
      id: z.string(),
      accountId: z.string(),
      accountName: z.string().nullable(),
      dueDate: Day,
      closeDate: Day.nullable(),
      amount: Money,
      minimumPayment: Money.nullable(),
      paidAmount: Money,
      status: z.enum(['paid', 'partial', 'open']),
    }),
  ),
  balances: z.array(
    z.object({
      accountId: z.string(),
      name: z.string().nullable(),
      type: z.string(),
      date: Day,
      balance: Money,
    }),
  ),
  previousMonth: z.object({ month: z.string(), ...Totals }),
  ...Fresh,
});

export const CashFlowSchema = z.object({
  months: z.array(
    z.object({
      month: z.string(),
      ...Totals,
      transfersIn: Money,
      transfersOut: Money,
      pendingCount: z.number().int(),
    }),
  ),
  totals: z.object(Totals),
  currencyCode: z.string(),
  lang: z.enum(['pt', 'en']),
  ...Fresh,
});

export const UpcomingBillsSchema = z.object({
  from: Day,
  to: Day,
  items: z.array(
    z.object({
      kind: z.enum(['card-bill', 'loan-installment', 'card-installment']),
      dueDate: Day,
      accountId: z.string().optional(),
      loanId: z.string().optional(),
      name: z.string().nullable(),
      amount: Money.nullable(),
      paidAmount: Money.optional(),
      status: z.enum(['paid', 'partial', 'open']).optional(),
      installmentNumber: z.number().int().optional(),
      totalInstallments: z.number().int().optional(),
      estimated: z.boolean(),
    }),
  ),
  ...Fresh,
});

export const BalanceHistorySchema = z.object({
  from: Day,
  to: Day,
  accounts: z.array(
    z.object({
      accountId: z.string(),
      name: z.string().nullable(),
      type: z.string(),
      currencyCode: z.string().nullable(),
      current: Money,
      days: z.array(z.object({ date: Day, balance: Money })),
    }),
  ),
  ...Fresh,
});

export const CategoryCorrectionSchema = z.object({
  transactionId: z.string(),
  categoryId: z.string(),
  category: z.string(),
  rememberedFor: z.enum(['merchant', 'description']).nullable(),
});
