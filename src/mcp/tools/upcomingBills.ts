import { z } from 'zod';
import { upcomingBills as upcomingOf } from '../../reads/answers/bills.ts';
import { brl, DATA_NOTICE, quoted } from '../render.ts';
import { AsOf, Decimal } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

const MAX = 100;

export const upcomingBills = defineTool({
  name: 'upcoming_bills',
  title: 'Contas a vencer',
  description:
    'What falls due in the next `days` days (0–90, default 30): card bills (with what is already paid), loan installments and card installments not billed yet. `estimated` marks projected figures.',
  input: z.object({ days: z.number().int().min(0).max(90).optional() }).strict(),
  output: z.object({
    asOf: AsOf,
    nextSyncAt: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    items: z.array(
      z.object({
        kind: z.enum(['card-bill', 'loan-installment', 'card-installment']),
        dueDate: z.string(),
        name: z.string().nullable().describe('from the bank: data'),
        amount: Decimal.nullable(),
        paidAmount: Decimal.nullable(),
        status: z.enum(['paid', 'partial', 'open']).nullable(),
        accountId: z.string().nullable(),
        loanId: z.string().nullable(),
        installment: z.string().nullable().describe('"3/10"'),
        estimated: z.boolean(),
      }),
    ),
    truncated: z.boolean(),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session, a) {
    const u = await upcomingOf(deps.pool, session.userId, { days: a.days ?? 30 });
    const items = u.items.slice(0, MAX).map((i) => ({
      kind: i.kind,
      dueDate: i.dueDate,
      name: i.name,
      amount: i.amount,
      paidAmount: i.kind === 'card-bill' ? i.paidAmount : null,
      status: i.kind === 'card-bill' ? i.status : null,
      accountId: i.kind === 'loan-installment' ? null : i.accountId,
      loanId: i.kind === 'loan-installment' ? i.loanId : null,
      installment: i.kind === 'card-bill' ? null : `${i.installmentNumber}/${i.totalInstallments}`,
      estimated: i.estimated,
    }));
    const label = {
      'card-bill': 'fatura',
      'loan-installment': 'parcela de empréstimo',
      'card-installment': 'parcela no cartão',
    };
    const text = [
      `${items.length} vencimento(s) de ${u.from} a ${u.to}. ${DATA_NOTICE}`,
      ...items.map(
        (i) =>
          `- ${i.dueDate} ${label[i.kind]} ${quoted(i.name)}: ${brl(i.amount)}` +
          (i.installment ? ` (${i.installment})` : '') +
          (i.status ? `, ${i.status}` : '') +
          (i.estimated ? ' (estimado)' : ''),
      ),
    ].join('\n');
    return {
      structured: {
        asOf: u.asOf,
        nextSyncAt: u.nextSyncAt,
        from: u.from,
        to: u.to,
        items,
        truncated: u.items.length > MAX,
      },
      text,
    };
  },
});
