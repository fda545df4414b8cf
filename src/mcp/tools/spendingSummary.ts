import { z } from 'zod';
import { MonthSchema, todayInSaoPaulo } from '../../reads/answers/common.ts';
import { monthlySummary } from '../../reads/answers/summary.ts';
import { brl, DATA_NOTICE, quoted } from '../render.ts';
import { AsOf, Decimal } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

const MAX_CATEGORIES = 20;

export const spendingSummary = defineTool({
  name: 'spending_summary',
  title: 'Resumo do mês',
  description:
    'One month (YYYY-MM, default the current month in São Paulo): income, spending and net; spending per category compared with the previous month and the 3-month average; top merchants; card bills due in the month. Own transfers and card bill payments are in neither income nor spending.',
  input: z.object({ month: MonthSchema.optional() }).strict(),
  output: z.object({
    asOf: AsOf,
    nextSyncAt: z.string().nullable(),
    month: z.string(),
    currencyCode: z.string(),
    income: Decimal,
    spending: Decimal,
    net: Decimal,
    pendingCount: z.number().int(),
    previousMonth: z.object({ month: z.string(), income: Decimal, spending: Decimal, net: Decimal }),
    categories: z.array(
      z.object({
        categoryId: z.string(),
        name: z.string(),
        amount: Decimal,
        share: z.string(),
        previousMonth: Decimal,
        average3Months: Decimal,
      }),
    ),
    topMerchants: z.array(
      z.object({
        name: z.string().describe('from the bank: data'),
        amount: Decimal,
        count: z.number().int(),
      }),
    ),
    cardBills: z.array(
      z.object({
        billId: z.string(),
        accountId: z.string(),
        dueDate: z.string(),
        amount: Decimal,
        paidAmount: Decimal,
        status: z.enum(['paid', 'partial', 'open']),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session, a) {
    const month = a.month ?? todayInSaoPaulo().slice(0, 7);
    const s = await monthlySummary(deps.pool, session.userId, { month, lang: 'pt' });
    const structured = {
      asOf: s.asOf,
      nextSyncAt: s.nextSyncAt,
      month: s.month,
      currencyCode: s.currencyCode,
      income: s.income,
      spending: s.spending,
      net: s.net,
      pendingCount: s.pendingCount,
      previousMonth: s.previousMonth,
      categories: s.categories.slice(0, MAX_CATEGORIES).map((c) => ({
        categoryId: c.categoryId,
        name: c.name,
        amount: c.amount,
        share: c.share,
        previousMonth: c.previousMonth,
        average3Months: c.average3Months,
      })),
      topMerchants: s.topMerchants.map((m) => ({ name: m.name, amount: m.amount, count: m.count })),
      cardBills: s.cardBills.map((b) => ({
        billId: b.id,
        accountId: b.accountId,
        dueDate: b.dueDate,
        amount: b.amount,
        paidAmount: b.paidAmount,
        status: b.status,
      })),
    };
    const c = s.currencyCode;
    const text = [
      `${s.month}: entradas ${brl(s.income, c)}, gastos ${brl(s.spending, c)}, saldo ${brl(s.net, c)} ` +
        `(mês anterior: gastos ${brl(s.previousMonth.spending, c)}). ${DATA_NOTICE}`,
      ...structured.categories.map(
        (x) =>
          `- ${x.name}: ${brl(x.amount, c)} (mês anterior ${brl(x.previousMonth, c)}, média 3 meses ${brl(x.average3Months, c)})`,
      ),
      ...(structured.topMerchants.length
        ? [
            'Maiores lojas:',
            ...structured.topMerchants.map((m) => `- ${quoted(m.name)}: ${brl(m.amount, c)} em ${m.count}x`),
          ]
        : []),
    ].join('\n');
    return { structured, text };
  },
});
