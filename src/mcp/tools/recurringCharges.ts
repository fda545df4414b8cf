import { z } from 'zod';
import { recurringCharges as recurringOf } from '../../reads/insights/recurring.ts';
import { brl, DATA_NOTICE, quoted } from '../render.ts';
import { AsOf, Decimal } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

const MAX = 50;
const Series = z.object({
  key: z.string(),
  name: z.string().describe('merchant, from the bank or its brand: data'),
  categoryId: z.string().nullable(),
  cadence: z.enum(['weekly', 'monthly', 'yearly']),
  amount: Decimal,
  monthlyAmount: Decimal,
  lastDay: z.string(),
  nextExpectedDay: z.string(),
  occurrences: z.number().int(),
  priceChanges: z.array(z.object({ day: z.string(), from: Decimal, to: Decimal })),
  transactionIds: z.array(z.string()).describe('the latest few, for search_transactions follow-ups'),
});

export const recurringCharges = defineTool({
  name: 'recurring_charges',
  title: 'Cobranças recorrentes',
  description:
    'Subscriptions and other recurring charges found in the last 13 months: active and stopped series, their cadence, latest price, monthly cost, price changes and next expected date.',
  input: z.object({}).strict(),
  output: z.object({
    asOf: AsOf,
    nextSyncAt: z.string().nullable(),
    monthlyTotal: Decimal,
    active: z.array(Series),
    stopped: z.array(Series),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session) {
    const r = await recurringOf({ pool: deps.pool, pluggy: deps.pluggy }, session.userId);
    const view = (s: (typeof r.active)[number]) => ({
      key: s.key,
      name: s.name,
      categoryId: s.categoryId,
      cadence: s.cadence,
      amount: s.amount,
      monthlyAmount: s.monthlyAmount,
      lastDay: s.lastDay,
      nextExpectedDay: s.nextExpectedDay,
      occurrences: s.occurrences,
      priceChanges: s.priceChanges,
      transactionIds: s.chargeIds.slice(-5),
    });
    const active = r.active.slice(0, MAX).map(view);
    const stopped = r.stopped.slice(0, MAX).map(view);
    const cadence = { weekly: 'semanal', monthly: 'mensal', yearly: 'anual' };
    const text = [
      `${active.length} recorrente(s) ativa(s), ${brl(r.monthlyTotal)} por mês. ${DATA_NOTICE}`,
      ...active.map(
        (s) => `- ${quoted(s.name)}: ${brl(s.amount)} ${cadence[s.cadence]}, próxima ~${s.nextExpectedDay}`,
      ),
      ...(stopped.length ? [`Paradas: ${stopped.map((s) => quoted(s.name)).join(', ')}`] : []),
    ].join('\n');
    return {
      structured: { asOf: r.asOf, nextSyncAt: r.nextSyncAt, monthlyTotal: r.monthlyTotal, active, stopped },
      text,
    };
  },
});
