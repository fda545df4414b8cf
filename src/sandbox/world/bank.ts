/**
 * Checking and savings accounts: scheduled (salary, rent, bills) and random movements with running balances.
 */
import { addMonths, DAY_MS, dayStart } from '../clock.ts';
import type { Rng } from '../random.ts';
import { BOLETO_PAYEES, MERCHANTS, statementText } from './pools.ts';
import { cents, compareRows, type Template, type TxRow } from './rows.ts';
import type { AccountKind, AccountState } from './model.ts';
import type { TemplateBook } from './templates.ts';
import { niceAmount, pushRow, randomDay, type RowSink } from './sink.ts';

/** One random (unscheduled) bank movement. */
export function bankMovement(
  rng: Rng,
  book: TemplateBook,
  kind: AccountKind,
  business: boolean,
): { t: Template; amount: number } {
  if (kind === 'savings') {
    return rng.chance(0.6)
      ? {
          t: book.simple(
            'savings-in',
            'Aplicação poupança',
            'APLICACAO POUPANCA',
            'CREDIT',
            '04000000',
            'TRANSFERENCIA_MESMA_INSTITUICAO',
          ),
          amount: niceAmount(rng, 5000, 150000),
        }
      : {
          t: book.simple(
            'savings-out',
            'Resgate poupança',
            'RESGATE POUPANCA',
            'DEBIT',
            '04000000',
            'TRANSFERENCIA_MESMA_INSTITUICAO',
          ),
          amount: -niceAmount(rng, 5000, 80000),
        };
  }
  if (business) {
    const pick = rng.weighted<string>([
      [30, 'pix-in-customer'],
      [15, 'boleto-in'],
      [20, 'supplier'],
      [10, 'pix-out'],
      [8, 'boleto'],
      [8, 'debit'],
      [4, 'ted-out'],
      [5, 'tax'],
    ]);
    switch (pick) {
      case 'pix-in-customer': {
        const c = rng.chance(0.5) ? rng.pick(book.companies) : rng.pick(book.people);
        return { t: book.transfer('PIX', 'in', c, '01030000'), amount: niceAmount(rng, 5000, 900000) };
      }
      case 'boleto-in': {
        const c = rng.pick(book.companies);
        return {
          t: book.simple(
            `boleto-in:${c.doc}`,
            `Boleto recebido ${c.name}`,
            statementText(`LIQUIDACAO BOLETO ${c.name}`),
            'CREDIT',
            '01030000',
            'BOLETO',
          ),
          amount: niceAmount(rng, 20000, 1500000),
        };
      }
      case 'supplier': {
        const c = rng.pick(book.companies);
        return { t: book.transfer('PIX', 'out', c, '05090000'), amount: -niceAmount(rng, 10000, 800000) };
      }
      case 'pix-out':
        return {
          t: book.transfer('PIX', 'out', rng.pick(book.people), '05070000'),
          amount: -niceAmount(rng, 5000, 300000),
        };
      case 'boleto': {
        const p = rng.pick(BOLETO_PAYEES);
        const amount = Math.round(rng.int(p[3], p[4]) / 100) * 100;
        return { t: book.boleto(p, amount), amount: -amount };
      }
      case 'debit': {
        const m = rng.pick(MERCHANTS);
        return { t: book.debitPurchase(m), amount: -rng.int(m.min, m.max) };
      }
      case 'ted-out':
        return {
          t: book.transfer('TED', 'out', rng.pick(book.companies), '05080000'),
          amount: -niceAmount(rng, 50000, 2000000),
        };
      default:
        return {
          t: book.simple(
            'tax',
            'DAS Simples Nacional',
            'PAGTO DAS SIMPLES NACIONAL',
            'DEBIT',
            '15000000',
            'BOLETO',
          ),
          amount: -niceAmount(rng, 30000, 600000),
        };
    }
  }
  const pick = rng.weighted<string>([
    [22, 'pix-out'],
    [10, 'pix-in'],
    [25, 'debit'],
    [9, 'pix-merchant'],
    [6, 'boleto'],
    [2, 'ted-out'],
    [2, 'ted-in'],
    [2, 'invest'],
    [1, 'redeem'],
    [1, 'atm'],
  ]);
  switch (pick) {
    case 'pix-out':
      return {
        t: book.transfer('PIX', 'out', rng.pick(book.people), '05070000'),
        amount: -niceAmount(rng, 1000, 80000),
      };
    case 'pix-in':
      return {
        t: book.transfer('PIX', 'in', rng.pick(book.people), '05070000'),
        amount: niceAmount(rng, 1000, 60000),
      };
    case 'debit': {
      const m = rng.pick(MERCHANTS);
      return { t: book.debitPurchase(m), amount: -rng.int(m.min, m.max) };
    }
    case 'pix-merchant': {
      const m = rng.pick(MERCHANTS);
      return { t: book.pixToMerchant(m), amount: -rng.int(m.min, m.max) };
    }
    case 'boleto': {
      const p = rng.pick(BOLETO_PAYEES);
      const amount = Math.round(rng.int(p[3], p[4]) / 100) * 100;
      return { t: book.boleto(p, amount), amount: -amount };
    }
    case 'ted-out':
      return {
        t: book.transfer('TED', 'out', rng.pick(book.people), '05080000'),
        amount: -niceAmount(rng, 50000, 500000),
      };
    case 'ted-in':
      return {
        t: book.transfer('TED', 'in', rng.pick(book.people), '05080000'),
        amount: niceAmount(rng, 50000, 500000),
      };
    case 'invest':
      return {
        t: book.simple('invest', 'Aplicação CDB', 'APLICACAO CDB DI', 'DEBIT', '03010000', 'APLICACAO'),
        amount: -niceAmount(rng, 50000, 500000),
      };
    case 'redeem':
      return {
        t: book.simple('redeem', 'Resgate CDB', 'RESGATE CDB DI', 'CREDIT', '03010000', 'RESGATE'),
        amount: niceAmount(rng, 50000, 300000),
      };
    default:
      return {
        t: book.simple('atm', 'Saque Banco24Horas', 'SAQUE BANCO24HORAS', 'DEBIT', '05020000', 'SAQUE'),
        amount: -niceAmount(rng, 5000, 60000),
      };
  }
}

/** Recompute running balances (bank accounts) from an opening balance. */
function applyBalances(rows: TxRow[], opening: number): number {
  let bal = opening;
  for (const r of rows) {
    bal += r.amount;
    r.balance = bal;
  }
  return bal;
}

export function generateBankRows(
  acct: AccountState,
  rng: Rng,
  sink: RowSink,
  book: TemplateBook,
  count: number,
  from: number,
  now: number,
  business: boolean,
  hasCard: boolean,
): void {
  const rows: TxRow[] = [];
  const today = dayStart(now);
  // Scheduled monthly rows first (salary/payroll, fees, card bill, savings yield), then the rest random.
  const monthly: { day: number; make: () => { t: Template; amount: number } }[] = [];
  if (acct.kind === 'savings') {
    monthly.push({
      day: 1,
      make: () => ({
        t: book.simple('yield', 'Rendimento poupança', 'REND PAGO APLIC AUT', 'CREDIT', '03060000'),
        amount: rng.int(300, 9000),
      }),
    });
  } else if (business) {
    const payroll = niceAmount(rng, 800000, 4000000);
    monthly.push({
      day: 5,
      make: () => ({
        t: book.simple('payroll', 'Folha de pagamento', 'PAGTO FOLHA SALARIAL', 'DEBIT', '05090000', 'TED'),
        amount: -payroll,
      }),
    });
    monthly.push({
      day: 2,
      make: () => ({
        t: book.simple(
          'fee',
          'Tarifa pacote empresarial',
          'TARIFA PACOTE SERVICOS PJ',
          'DEBIT',
          '16010000',
          'TARIFA',
        ),
        amount: -rng.int(9900, 19900),
      }),
    });
  } else {
    const salary = niceAmount(rng, 350000, 1800000);
    monthly.push({ day: 5, make: () => ({ t: book.salary(), amount: salary }) });
    monthly.push({
      day: 3,
      make: () => ({
        t: book.simple(
          'fee',
          'Tarifa pacote de serviços',
          'TARIFA PACOTE SERVICOS',
          'DEBIT',
          '16010000',
          'TARIFA',
        ),
        amount: -rng.int(2490, 5990),
      }),
    });
    if (hasCard) {
      monthly.push({
        day: 10,
        make: () => ({
          t: book.simple(
            'card-bill-payment',
            'Pagamento fatura cartão',
            'PAGTO FATURA CARTAO CREDITO',
            'DEBIT',
            '05100000',
            'PAGAMENTO_FATURA',
          ),
          amount: -niceAmount(rng, 80000, 600000),
        }),
      });
    }
  }
  const months: number[] = [];
  for (let m = addMonths(from, 0, 1); m <= now; m = addMonths(m, 1, 1)) months.push(m);
  outer: for (const s of monthly) {
    for (const m of months) {
      if (rows.length >= Math.floor(count / 2)) break outer;
      const date = addMonths(m, 0, s.day);
      if (date < dayStart(from) || date > now) continue;
      const { t, amount } = s.make();
      pushRow(sink, rows, date, amount, t);
    }
  }
  while (rows.length < count) {
    const date = randomDay(rng, from, now);
    const { t, amount } = bankMovement(rng, book, acct.kind, business);
    // Movements of the last two days may still be pending at the bank.
    const pending = date >= today - DAY_MS && t.kind !== 'salary' && rng.chance(0.5);
    pushRow(sink, rows, date, amount, t, pending ? 'PENDING' : 'POSTED');
  }
  rows.sort(compareRows);
  let low = 0;
  let run = 0;
  for (const r of rows) {
    run += r.amount;
    if (run < low) low = run;
  }
  const opening = rng.int(50000, 800000) - low;
  acct.rows = rows;
  acct.balance = applyBalances(rows, opening);
}

export function syncBankAccountBalance(acct: AccountState): void {
  acct.account.balance = cents(acct.balance);
  if (acct.account.bankData) acct.account.bankData.closingBalance = cents(acct.balance);
}
