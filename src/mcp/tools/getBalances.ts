import { z } from 'zod';
import { hasScope } from '../../domain/assistantToken.ts';
import { listAccountViews } from '../../reads/accounts.ts';
import { listItemViews } from '../../reads/items.ts';
import { asOfOf } from '../freshness.ts';
import { brl, DATA_NOTICE, day, maskAccountNumber, quoted } from '../render.ts';
import { AsOf, Decimal } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

const MAX = 100;

export const getBalances = defineTool({
  name: 'get_balances',
  title: 'Saldos e limites',
  description:
    'Every account of the person with its balance; for credit cards also the limit, the available limit and the bill dates. Money as decimal strings in the account currency (BRL).',
  input: z.object({}).strict(),
  output: z.object({
    asOf: AsOf,
    accounts: z.array(
      z.object({
        accountId: z.string(),
        itemId: z.string(),
        type: z.string(),
        subtype: z.string().nullable(),
        name: z.string().nullable(),
        number: z.string().nullable().describe('masked unless the token has the documents scope'),
        balance: Decimal.nullable(),
        currencyCode: z.string().nullable(),
        creditLimit: Decimal.nullable(),
        availableCreditLimit: Decimal.nullable(),
        billDueDate: z.string().nullable(),
      }),
    ),
    truncated: z.boolean(),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session) {
    const [items, all] = await Promise.all([
      listItemViews(deps.pool, session.userId),
      listAccountViews(deps.pool, session.userId),
    ]);
    const reveal = hasScope(session.scopes, 'documents');
    const accounts = all.slice(0, MAX).map((a) => ({
      accountId: a.id,
      itemId: a.itemId,
      type: a.type,
      subtype: a.subtype,
      name: a.marketingName ?? a.name,
      number: reveal ? a.number : maskAccountNumber(a.number),
      balance: a.balance,
      currencyCode: a.currencyCode,
      creditLimit: a.creditLimit,
      availableCreditLimit: a.availableCreditLimit,
      billDueDate: a.billDueDate,
    }));
    const lines = accounts.map((a) =>
      a.type === 'CREDIT'
        ? `- cartão ${quoted(a.name)} (accountId ${a.accountId}): fatura ${brl(a.balance, a.currencyCode)}, ` +
          `limite disponível ${brl(a.availableCreditLimit, a.currencyCode)} de ${brl(a.creditLimit, a.currencyCode)}, ` +
          `vence ${day(a.billDueDate)}`
        : `- conta ${quoted(a.name)} ${a.number ?? ''} (accountId ${a.accountId}): saldo ${brl(a.balance, a.currencyCode)}`,
    );
    return {
      structured: { asOf: asOfOf(items), accounts, truncated: all.length > MAX },
      text: [`${accounts.length} conta(s). ${DATA_NOTICE}`, ...lines].join('\n'),
    };
  },
});
