import { z } from 'zod';
import { cashFlow as cashFlowOf } from '../../reads/answers/cashFlow.ts';
import { brl } from '../render.ts';
import { AsOf, Decimal } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

export const cashFlow = defineTool({
  name: 'cash_flow',
  title: 'Fluxo de caixa',
  description:
    'Income, spending and net per month for the last `months` months (1–24, default 6) up to the current month, oldest first, with totals. Own transfers apart.',
  input: z.object({ months: z.number().int().min(1).max(24).optional() }).strict(),
  output: z.object({
    asOf: AsOf,
    nextSyncAt: z.string().nullable(),
    currencyCode: z.string(),
    months: z.array(
      z.object({
        month: z.string(),
        income: Decimal,
        spending: Decimal,
        net: Decimal,
        pendingCount: z.number().int(),
      }),
    ),
    totals: z.object({ income: Decimal, spending: Decimal, net: Decimal }),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session, a) {
    const f = await cashFlowOf(deps.pool, session.userId, { months: a.months ?? 6, lang: 'pt' });
    const c = f.currencyCode;
    const structured = {
      asOf: f.asOf,
      nextSyncAt: f.nextSyncAt,
      currencyCode: c,
      months: f.months.map((m) => ({
        month: m.month,
        income: m.income,
        spending: m.spending,
        net: m.net,
        pendingCount: m.pendingCount,
      })),
      totals: f.totals,
    };
    const text = [
      `${f.months.length} mês(es): entradas ${brl(f.totals.income, c)}, gastos ${brl(f.totals.spending, c)}, saldo ${brl(f.totals.net, c)}.`,
      ...f.months.map((m) => `- ${m.month}: +${brl(m.income, c)} / ${brl(m.spending, c)} = ${brl(m.net, c)}`),
    ].join('\n');
    return { structured, text };
  },
});
