import { z } from 'zod';
import { listBillsByUser } from '../../db/queries/bills.ts';
import { currentBills } from '../../reads/financialData.ts';
import { listItemViews } from '../../reads/items.ts';
import { asOfOf } from '../freshness.ts';
import { brl, day } from '../render.ts';
import { AsOf, Decimal } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

export const getCardBills = defineTool({
  name: 'get_card_bills',
  title: 'Faturas de cartão',
  description:
    'Per credit card: the open bill (earliest due date not yet passed) and the last closed one, with total and minimum payment as decimal strings.',
  input: z.object({}).strict(),
  output: z.object({
    asOf: AsOf,
    bills: z.array(
      z.object({
        billId: z.string(),
        accountId: z.string(),
        itemId: z.string(),
        state: z.enum(['open', 'closed']),
        dueDate: z.string(),
        closeDate: z.string().nullable(),
        totalAmount: Decimal,
        minimumPaymentAmount: Decimal.nullable(),
        currencyCode: z.string().nullable(),
      }),
    ),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session) {
    const [items, rows] = await Promise.all([
      listItemViews(deps.pool, session.userId),
      listBillsByUser(deps.pool, session.userId, { limit: 500 }),
    ]);
    // Two per card at most, so the answer stays small however long the history.
    const bills = currentBills(rows, new Date()).map((b) => ({
      billId: b.id,
      accountId: b.accountId,
      itemId: b.itemId,
      state: b.state,
      dueDate: b.dueDate,
      closeDate: b.closeDate,
      totalAmount: b.totalAmount,
      minimumPaymentAmount: b.minimumPaymentAmount,
      currencyCode: b.currencyCode,
    }));
    const lines = bills.map(
      (b) =>
        `- ${b.state === 'open' ? 'em aberto' : 'fechada'} (billId ${b.billId}, cartão ${b.accountId}): ` +
        `${brl(b.totalAmount, b.currencyCode)}, mínimo ${brl(b.minimumPaymentAmount, b.currencyCode)}, vence ${day(b.dueDate)}`,
    );
    return {
      structured: { asOf: asOfOf(items), bills },
      text: [`${bills.length} fatura(s).`, ...lines].join('\n'),
    };
  },
});
