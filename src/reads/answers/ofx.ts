import { listAccountsByUser } from '../../db/queries/accounts.ts';
import type { Db } from '../../db/pool.ts';
import { AppError } from '../../domain/errors.ts';
import type { TransactionView } from '../schemas.ts';
import { allPersonTransactions, TransactionFilterSchema } from '../transactions.ts';
import { requirePersonAccount } from '../accounts.ts';
import { decimal } from '../money.ts';
import { localDay } from './common.ts';

/**
 * OFX 1.0.2 (SGML) export of a person's accounts over a date range: the version every common
 * finance app imports (GnuCash, HomeBank, Money-likes, Brazilian ERPs). One statement per account:
 * bank accounts as BANKMSGSRSV1/STMTRS, cards as CREDITCARDMSGSRSV1/CCSTMTRS.
 *
 * OFX amounts are signed from the account holder's view (money in positive), so the sign is
 * derived from `type` — DEBIT negative, CREDIT positive — never from Pluggy's sign, which a card
 * reverses (docs/pluggy.md#amount-sign-and-type). A foreign purchase is written in the account's
 * currency (amountInAccountCurrency) with its original amount in the memo.
 */
export async function exportOfx(
  db: Db,
  userId: string,
  opts: { from: string; to: string; accountId?: string | undefined; now?: Date },
): Promise<string> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.from) || !/^\d{4}-\d{2}-\d{2}$/.test(opts.to) || opts.from > opts.to) {
    throw new AppError('invalid', 'invalid-range', 'from and to must be dates (YYYY-MM-DD) with from ≤ to.');
  }
  const accounts = opts.accountId
    ? [await requirePersonAccount(db, userId, opts.accountId)]
    : await listAccountsByUser(db, userId);
  const now = ofxTime(opts.now ?? new Date());
  const bank: string[] = [];
  const cards: string[] = [];
  for (const a of accounts) {
    const rows: TransactionView[] = [];
    const filter = TransactionFilterSchema.parse({ accountId: a.id, from: opts.from, to: opts.to });
    for await (const page of allPersonTransactions(db, userId, filter)) rows.push(...page);
    rows.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.id < y.id ? -1 : 1));
    const currency = a.currencyCode ?? 'BRL';
    const list = [
      '<BANKTRANLIST>',
      `<DTSTART>${opts.from.replace(/-/g, '')}`,
      `<DTEND>${opts.to.replace(/-/g, '')}`,
      ...rows.map((t) => stmtTrn(t)),
      '</BANKTRANLIST>',
    ];
    const balance = a.type === 'CREDIT' ? negate(decimal(a.balance ?? '0')) : decimal(a.balance ?? '0');
    const ledger = ['<LEDGERBAL>', `<BALAMT>${balance}`, `<DTASOF>${now}`, '</LEDGERBAL>'];
    const trn = (inner: string[]) => [
      '<TRNUID>0',
      '<STATUS>',
      '<CODE>0',
      '<SEVERITY>INFO',
      '</STATUS>',
      ...inner,
    ];
    if (a.type === 'CREDIT') {
      cards.push(
        '<CCSTMTTRNRS>',
        ...trn([
          '<CCSTMTRS>',
          `<CURDEF>${sgml(currency)}`,
          '<CCACCTFROM>',
          `<ACCTID>${sgml(a.id)}`,
          '</CCACCTFROM>',
          ...list,
          ...ledger,
          '</CCSTMTRS>',
        ]),
        '</CCSTMTTRNRS>',
      );
    } else {
      bank.push(
        '<STMTTRNRS>',
        ...trn([
          '<STMTRS>',
          `<CURDEF>${sgml(currency)}`,
          '<BANKACCTFROM>',
          `<BANKID>${sgml(bankId(a.bankData))}`,
          `<ACCTID>${sgml(a.id)}`,
          `<ACCTTYPE>${a.subtype === 'SAVINGS_ACCOUNT' ? 'SAVINGS' : 'CHECKING'}`,
          '</BANKACCTFROM>',
          ...list,
          ...ledger,
          '</STMTRS>',
        ]),
        '</STMTTRNRS>',
      );
    }
  }
  const header = [
    'OFXHEADER:100',
    'DATA:OFXSGML',
    'VERSION:102',
    'SECURITY:NONE',
    'ENCODING:USASCII',
    'CHARSET:1252',
    'COMPRESSION:NONE',
    'OLDFILEUID:NONE',
    'NEWFILEUID:NONE',
    '',
  ];
  const body = [
    '<OFX>',
    '<SIGNONMSGSRSV1>',
    '<SONRS>',
    '<STATUS>',
    '<CODE>0',
    '<SEVERITY>INFO',
    '</STATUS>',
    `<DTSERVER>${now}`,
    '<LANGUAGE>POR',
    '</SONRS>',
    '</SIGNONMSGSRSV1>',
    ...(bank.length ? ['<BANKMSGSRSV1>', ...bank, '</BANKMSGSRSV1>'] : []),
    ...(cards.length ? ['<CREDITCARDMSGSRSV1>', ...cards, '</CREDITCARDMSGSRSV1>'] : []),
    '</OFX>',
  ];
  return `${[...header, ...body].join('\r\n')}\r\n`;
}

function stmtTrn(t: TransactionView): string {
  const abs = (t.amountInAccountCurrency ?? t.amount).replace('-', '');
  const amount = t.type === 'DEBIT' ? `-${abs}` : abs;
  const foreign =
    t.amountInAccountCurrency !== null && t.currencyCode
      ? ` (${t.currencyCode} ${t.amount.replace('-', '')})`
      : '';
  const memo = `${t.status === 'PENDING' ? '[PENDENTE] ' : ''}${t.category ?? ''}${foreign}`.trim();
  return [
    '<STMTTRN>',
    `<TRNTYPE>${t.type === 'DEBIT' ? 'DEBIT' : 'CREDIT'}`,
    `<DTPOSTED>${localDay(t.date).replace(/-/g, '')}`,
    `<TRNAMT>${amount}`,
    `<FITID>${sgml(t.id)}`,
    `<NAME>${sgml((t.merchant?.name ?? t.description ?? '').slice(0, 32)) || 'SEM DESCRICAO'}`,
    ...(memo ? [`<MEMO>${sgml(memo.slice(0, 255))}`] : []),
    '</STMTTRN>',
  ].join('\r\n');
}

/** SGML text: no markup characters, and ASCII only (the header declares USASCII). */
function sgml(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function ofxTime(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}[0:GMT]`;
}

function negate(v: string): string {
  return v.startsWith('-') ? v.slice(1) : v === '0.00' ? v : `-${v}`;
}

function bankId(bankData: unknown): string {
  const transfer = (bankData as { transferNumber?: string } | null)?.transferNumber;
  return transfer?.split('/')[0] || '000';
}
