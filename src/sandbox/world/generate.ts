/**
 * One item's world: holder, accounts with 12+ months of transactions, card bills, identity,
 * investments, loans. Deterministic: the same seed, item ordinal, connector and clock give the same
 * ids, amounts and descriptions. Each account draws from its own PRNG stream, so resizing one account
 * does not reshuffle the others.
 *
 * Built for volume (benchmarks ask for 200k rows): rows are compact (see rows.ts), templates are
 * shared and cached per world, and nothing is copied per row except card metadata.
 */
import { addMonths, DAY_MS, dayStart, iso, yearMonth } from '../clock.ts';
import { Rng } from '../random.ts';
import type { Account, Bill, Connector, JsonObject, Merchant, Participant, ProductType } from '../types.ts';
import {
  BANKS,
  BOLETO_PAYEES,
  CITIES,
  COMPANY_WORDS,
  MERCHANTS,
  type MerchantDef,
  makeCnpj,
  makeCpf,
  merchantCnpj,
  personName,
  statementText,
} from './pools.ts';
import { cents, compareRows, type Template, type TxRow } from './rows.ts';

export type WorldSize = {
  bankAccounts: number;
  cardAccounts: number;
  transactionsPerAccount: number;
  historyMonths: number;
};

export const DEFAULT_SIZE: WorldSize = {
  bankAccounts: 2,
  cardAccounts: 1,
  transactionsPerAccount: 400,
  historyMonths: 13,
};

type AccountKind = 'checking' | 'savings' | 'card';

export type AccountState = {
  kind: AccountKind;
  account: Account;
  /** Sorted by the cursor key (date, id). */
  rows: TxRow[];
  /** Closed bills, oldest first (cards only). */
  bills: Bill[];
  /** Bank: current balance in cents. Card: amount owed in cents. */
  balance: number;
  card: { closingDay: number; last4: string; limit: number } | null;
};

type Counterparty = { name: string; doc: string; docType: 'CPF' | 'CNPJ'; bank: (typeof BANKS)[number] };

type Holder = {
  business: boolean;
  name: string;
  document: string;
  documentType: 'CPF' | 'CNPJ';
  bank: (typeof BANKS)[number];
  agency: string;
  email: string;
  phone: string;
  city: (typeof CITIES)[number];
  partner: string | null;
  birthDate: number;
};

export type World = {
  holder: Holder;
  accounts: AccountState[];
  identity: JsonObject | null;
  investments: JsonObject[];
  investmentTransactions: Map<string, JsonObject[]>;
  loans: JsonObject[];
  /** Stream for everything that happens after the first sync (new rows, restatements). */
  live: Rng;
  /** Until when daily activity has been generated. */
  activityUntil: number;
  templates: TemplateBook;
  openFinance: boolean;
};

export type GenerateParams = {
  seed: number;
  ordinal: number;
  itemId: string;
  connector: Connector;
  products: ProductType[];
  size: WorldSize;
  nowMs: number;
  /** user-ok-two-checking-accounts */
  checkingAccounts?: number;
  /** user-ok-perf-{x}: transaction volume multiplier. */
  volumeMultiplier?: number;
  /** user-ok-account-error: the bank accounts fail to collect (PARTIAL_SUCCESS). */
  skipBankAccounts?: boolean;
};

/** Cap on rows per world (the issue's benchmark ceiling). */
export const MAX_ROWS_PER_WORLD = 200_000;

const maskCpf = (cpf: string) => `***.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-**`;
const formatCnpj = (c: string) =>
  `${c.slice(0, 2)}.${c.slice(2, 5)}.${c.slice(5, 8)}/${c.slice(8, 12)}-${c.slice(12)}`;

// Templates -------------------------------------------------------------------------------------------

/** Shared descriptive parts of rows, cached per world so 200k rows point at a few hundred objects. */
class TemplateBook {
  private readonly cache = new Map<string, Template>();
  readonly people: Counterparty[];
  readonly companies: Counterparty[];
  readonly employer: Counterparty;

  constructor(
    rng: Rng,
    readonly holder: Holder,
  ) {
    this.people = Array.from({ length: 24 }, () => ({
      name: personName(rng),
      doc: makeCpf(rng),
      docType: 'CPF' as const,
      bank: rng.pick(BANKS),
    }));
    this.companies = Array.from({ length: 10 }, (_, i) => {
      const [a, b] = COMPANY_WORDS[(i + rng.int(0, 3)) % COMPANY_WORDS.length]!;
      return { name: `${a} ${b} Ltda`, doc: makeCnpj(rng), docType: 'CNPJ' as const, bank: rng.pick(BANKS) };
    });
    this.employer = this.companies[0]!;
  }

  private get(key: string, make: () => Template): Template {
    let t = this.cache.get(key);
    if (!t) {
      t = make();
      this.cache.set(key, t);
    }
    return t;
  }

  private self(): Participant {
    const h = this.holder;
    return {
      name: h.name,
      documentNumber: { type: h.documentType, value: h.document },
      branchNumber: h.agency,
      accountNumber: '',
      routingNumber: h.bank[0],
      routingNumberISPB: h.bank[1],
    };
  }

  private party(c: Counterparty): Participant {
    return {
      name: c.name,
      documentNumber: { type: c.docType, value: c.doc },
      routingNumber: c.bank[0],
      routingNumberISPB: c.bank[1],
    };
  }

  private merchant(m: MerchantDef): Merchant {
    return { name: m.name, businessName: m.businessName, cnpj: merchantCnpj(m.name), cnae: m.cnae };
  }

  transfer(op: 'PIX' | 'TED', dir: 'in' | 'out', c: Counterparty, categoryId: string): Template {
    return this.get(`${op}:${dir}:${c.doc}:${categoryId}`, () => {
      const first = c.name.split(' ').slice(0, 2).join(' ');
      const verb =
        op === 'PIX'
          ? dir === 'out'
            ? 'Pix enviado'
            : 'Pix recebido'
          : dir === 'out'
            ? 'TED enviada'
            : 'TED recebida';
      return {
        description: `${verb} ${first}`,
        descriptionRaw: statementText(`${op} ${dir === 'out' ? 'ENVIADO' : 'RECEBIDO'} ${c.name}`),
        type: dir === 'out' ? 'DEBIT' : 'CREDIT',
        categoryId,
        operationType: op,
        providerCode: op,
        merchant: null,
        paymentData: {
          payer: dir === 'out' ? this.self() : this.party(c),
          receiver: dir === 'out' ? this.party(c) : this.self(),
          paymentMethod: op,
          boletoMetadata: null,
        },
        currencyCode: 'BRL',
        mcc: null,
        kind: `${op.toLowerCase()}-${dir}`,
      };
    });
  }

  debitPurchase(m: MerchantDef): Template {
    return this.get(`debit:${m.name}`, () => ({
      description: m.name,
      descriptionRaw: statementText(`COMPRA CARTAO DEB ${m.name}`),
      type: 'DEBIT',
      categoryId: m.categoryId,
      operationType: 'CARTAO',
      providerCode: 'CDB',
      merchant: this.merchant(m),
      paymentData: null,
      currencyCode: 'BRL',
      mcc: m.mcc,
      kind: 'debit-card',
    }));
  }

  pixToMerchant(m: MerchantDef): Template {
    return this.get(`pixm:${m.name}`, () => ({
      description: `Pix ${m.name}`,
      descriptionRaw: statementText(`PIX QRS ${m.businessName}`),
      type: 'DEBIT',
      categoryId: m.categoryId,
      operationType: 'PIX',
      providerCode: 'PIX',
      merchant: this.merchant(m),
      paymentData: {
        payer: this.self(),
        receiver: {
          name: m.businessName,
          documentNumber: { type: 'CNPJ', value: merchantCnpj(m.name) },
          routingNumber: '341',
          routingNumberISPB: '60701190',
        },
        paymentMethod: 'PIX',
        boletoMetadata: null,
      },
      currencyCode: 'BRL',
      mcc: m.mcc,
      kind: 'pix-out',
    }));
  }

  boleto(p: (typeof BOLETO_PAYEES)[number], amount: number): Template {
    // Boleto metadata carries the amount, so boletos are keyed by amount too (few distinct values).
    return this.get(`boleto:${p[0]}:${amount}`, () => ({
      description: `Pagamento ${p[0]}`,
      descriptionRaw: statementText(`PAG BOLETO ${p[1]}`),
      type: 'DEBIT',
      categoryId: p[2],
      operationType: 'BOLETO',
      providerCode: 'BOL',
      merchant: null,
      paymentData: {
        payer: this.self(),
        receiver: { name: p[1] },
        paymentMethod: 'BOLETO',
        boletoMetadata: {
          digitableLine: null,
          barcode: null,
          baseAmount: cents(amount),
          penaltyAmount: 0,
          interestAmount: 0,
          discountAmount: 0,
        },
      },
      currencyCode: 'BRL',
      mcc: null,
      kind: 'boleto',
    }));
  }

  simple(
    kind: string,
    description: string,
    raw: string,
    type: 'DEBIT' | 'CREDIT',
    categoryId: string,
    operationType: string | null = null,
  ): Template {
    return this.get(`simple:${kind}:${description}`, () => ({
      description,
      descriptionRaw: raw,
      type,
      categoryId,
      operationType,
      providerCode: null,
      merchant: null,
      paymentData: null,
      currencyCode: 'BRL',
      mcc: null,
      kind,
    }));
  }

  salary(): Template {
    const e = this.employer;
    return this.get('salary', () => ({
      description: 'Salário',
      descriptionRaw: statementText(`TED RECEBIDA SALARIO ${e.name}`),
      type: 'CREDIT',
      categoryId: '01010000',
      operationType: 'TED',
      providerCode: 'TED',
      merchant: null,
      paymentData: {
        payer: this.party(e),
        receiver: this.self(),
        paymentMethod: 'TED',
        boletoMetadata: null,
      },
      currencyCode: 'BRL',
      mcc: null,
      kind: 'salary',
    }));
  }

  cardPurchase(m: MerchantDef, foreign: boolean): Template {
    return this.get(`card:${m.name}:${foreign}`, () => ({
      description: m.name,
      descriptionRaw: statementText(foreign ? `${m.name} *INTL` : m.name),
      type: 'DEBIT',
      categoryId: m.categoryId,
      operationType: null,
      providerCode: null,
      merchant: this.merchant(m),
      paymentData: null,
      currencyCode: foreign && m.foreign ? m.foreign : 'BRL',
      mcc: m.mcc,
      kind: 'card-purchase',
    }));
  }

  cardRefund(m: MerchantDef): Template {
    return this.get(`refund:${m.name}`, () => ({
      description: `Estorno ${m.name}`,
      descriptionRaw: statementText(`ESTORNO ${m.name}`),
      type: 'CREDIT',
      categoryId: '08090000',
      operationType: null,
      providerCode: null,
      merchant: this.merchant(m),
      paymentData: null,
      currencyCode: 'BRL',
      mcc: m.mcc,
      kind: 'card-refund',
    }));
  }
}

// Rows -------------------------------------------------------------------------------------------------

type RowSink = {
  acct: AccountState;
  ids: Rng;
  createdAt: number;
  providerIds: boolean;
};

function pushRow(
  sink: RowSink,
  rows: TxRow[],
  date: number,
  amount: number,
  t: Template,
  status: 'PENDING' | 'POSTED' = 'POSTED',
  cc: TxRow['cc'] = null,
  fx: number | null = null,
): TxRow {
  const id = sink.ids.uuid();
  const row: TxRow = {
    id,
    accountId: sink.acct.account.id,
    date,
    createdAt: sink.createdAt,
    updatedAt: sink.createdAt,
    amount,
    fx,
    balance: null,
    status,
    t,
    // Open Finance hands out the institution's own ids; direct connectors rarely do.
    providerId: sink.providerIds ? `OF${id.replace(/-/g, '').slice(0, 20).toUpperCase()}` : null,
    cc,
  };
  rows.push(row);
  return row;
}

const randomDay = (rng: Rng, from: number, to: number) => dayStart(from + rng.next() * (to - from));
const niceAmount = (rng: Rng, min: number, max: number) => {
  const v = rng.int(min, max);
  return rng.chance(0.4) ? Math.max(min, Math.round(v / 1000) * 1000) : v;
};

/** One random (unscheduled) bank movement. */
function bankMovement(
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

function generateBankRows(
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

// Cards ------------------------------------------------------------------------------------------------

/** Closing date (midnight UTC) of the card cycle containing `date`. */
export function closingFor(date: number, closingDay: number): number {
  const thisMonth = addMonths(date, 0, closingDay);
  return dayStart(date) <= thisMonth ? thisMonth : addMonths(date, 1, closingDay);
}
const dueFor = (closing: number) => closing + 7 * DAY_MS;

function cardMeta(
  acct: AccountState,
  date: number,
  purchaseDate: number,
  mcc: number | null,
  billId: string | undefined,
  installment?: { n: number; of: number; total: number },
): NonNullable<TxRow['cc']> {
  const card = acct.card!;
  const closing = closingFor(date, card.closingDay);
  return {
    ...(installment
      ? {
          installmentNumber: installment.n,
          totalInstallments: installment.of,
          totalAmount: cents(installment.total),
        }
      : {}),
    purchaseDate: iso(purchaseDate),
    ...(mcc !== null ? { payeeMCC: mcc } : {}),
    cardNumber: card.last4,
    ...(billId ? { billId } : {}),
    billForecastDate: yearMonth(dueFor(closing)),
  };
}

function generateCardRows(
  acct: AccountState,
  rng: Rng,
  sink: RowSink,
  book: TemplateBook,
  count: number,
  from: number,
  now: number,
  billIds: Rng,
): void {
  const card = acct.card!;
  const today = dayStart(now);
  const rows: TxRow[] = [];
  // Closed cycles inside the history window get a bill and (once due) a payment row.
  const closings: number[] = [];
  for (let c = closingFor(from, card.closingDay); c < today; c = addMonths(c, 1, card.closingDay))
    closings.push(c);
  const paymentsDue = closings.filter((c) => dueFor(c) <= today).length;
  const purchases = Math.max(0, count - Math.min(paymentsDue, Math.floor(count / 4)));

  const billByClosing = new Map<number, string>();
  for (const c of closings) billByClosing.set(c, billIds.uuid());
  const billIdFor = (date: number) => billByClosing.get(closingFor(date, card.closingDay));

  while (rows.length < purchases) {
    const m = rng.pick(MERCHANTS);
    const date = randomDay(rng, from, now);
    const roll = rng.next();
    if (roll < 0.12 && m.installments) {
      // An installment purchase: one row per month from the purchase on, re-dated to each cycle.
      const of = rng.pick([2, 3, 4, 5, 6, 8, 10, 12]);
      const total = rng.int(m.min, m.max) * 2;
      const each = Math.floor(total / of);
      const t = book.cardPurchase(m, false);
      for (let n = 1; n <= of && rows.length < purchases; n++) {
        const d = addMonths(date, n - 1);
        if (d > now) break;
        const amount = n === of ? total - each * (of - 1) : each;
        const closed = closingFor(d, card.closingDay) < today;
        pushRow(
          sink,
          rows,
          d,
          amount,
          t,
          closed ? 'POSTED' : 'PENDING',
          cardMeta(acct, d, date, m.mcc, closed ? billIdFor(d) : undefined, { n, of, total }),
        );
      }
    } else if (roll < 0.15) {
      const amount = rng.int(m.min, m.max);
      const closed = closingFor(date, card.closingDay) < today;
      pushRow(
        sink,
        rows,
        date,
        -amount,
        book.cardRefund(m),
        closed ? 'POSTED' : 'PENDING',
        cardMeta(acct, date, date, m.mcc, closed ? billIdFor(date) : undefined),
      );
    } else {
      const foreign = Boolean(m.foreign) && rng.chance(0.5);
      const amount = rng.int(m.min, m.max);
      const closed = closingFor(date, card.closingDay) < today;
      const meta = cardMeta(acct, date, date, m.mcc, closed ? billIdFor(date) : undefined);
      if (foreign) {
        // Charged in USD; amountInAccountCurrency is the BRL value (rate ~5.4).
        const usd = Math.max(100, Math.round(amount / 5.4));
        pushRow(
          sink,
          rows,
          date,
          usd,
          book.cardPurchase(m, true),
          closed ? 'POSTED' : 'PENDING',
          meta,
          Math.round(usd * 5.4),
        );
        if (rows.length < purchases) {
          pushRow(
            sink,
            rows,
            date,
            Math.round(usd * 5.4 * 0.0438),
            book.simple('iof', 'IOF compra internacional', 'IOF TRANSACOES EXTERIOR', 'DEBIT', '15030000'),
            closed ? 'POSTED' : 'PENDING',
            cardMeta(acct, date, date, null, closed ? billIdFor(date) : undefined),
          );
        }
      } else {
        pushRow(sink, rows, date, amount, book.cardPurchase(m, false), closed ? 'POSTED' : 'PENDING', meta);
      }
    }
  }

  // Bills: the sum of each closed cycle's rows in BRL (purchases minus refunds; payments excluded).
  const totals = new Map<number, number>();
  const iof = new Map<number, number>();
  for (const r of rows) {
    const c = closingFor(r.date, card.closingDay);
    const brl = r.fx ?? r.amount;
    totals.set(c, (totals.get(c) ?? 0) + brl);
    if (r.t.kind === 'iof') iof.set(c, (iof.get(c) ?? 0) + brl);
  }
  const bills: Bill[] = [];
  const paymentTemplate = book.simple(
    'card-payment',
    'Pagamento recebido',
    'PAGAMENTO RECEBIDO',
    'CREDIT',
    '05100000',
    'PAGAMENTO_FATURA',
  );
  for (const c of closings) {
    const total = Math.max(0, totals.get(c) ?? 0);
    const due = dueFor(c);
    const id = billByClosing.get(c)!;
    const paid = due <= today && total > 0 && rows.length < count;
    const paymentId = billIds.uuid();
    if (paid) {
      // The payment lands in the next cycle, so it does not change this bill's total.
      pushRow(
        sink,
        rows,
        due,
        -total,
        paymentTemplate,
        'POSTED',
        cardMeta(acct, due, due, null, billIdFor(due)),
      );
    }
    const iofTotal = iof.get(c) ?? 0;
    bills.push({
      id,
      dueDate: iso(due),
      billClosingDate: iso(c),
      totalAmount: cents(total),
      totalAmountCurrencyCode: 'BRL',
      minimumPaymentAmount: cents(Math.round(total * 0.15)),
      allowsInstallments: true,
      financeCharges:
        iofTotal > 0
          ? [
              {
                id: billIds.uuid(),
                type: 'IOF',
                amount: cents(iofTotal),
                currencyCode: 'BRL',
                additionalInfo: null,
              },
            ]
          : [],
      payments: paid
        ? [
            {
              id: paymentId,
              valueType: 'FULL_PAYMENT',
              paymentDate: iso(due),
              paymentMode: 'DEBIT_ACCOUNT',
              amount: cents(total),
              currencyCode: 'BRL',
            },
          ]
        : [],
      createdAt: iso(sink.createdAt),
      updatedAt: iso(sink.createdAt),
    });
  }
  // A cycle without purchases has no payment: top up with open-cycle purchases (they touch no bill).
  const openFrom = addMonths(closingFor(today, card.closingDay), -1, card.closingDay) + DAY_MS;
  while (rows.length < count) {
    const m = rng.pick(MERCHANTS);
    const date = randomDay(rng, Math.max(openFrom, from), now);
    pushRow(
      sink,
      rows,
      date,
      rng.int(m.min, m.max),
      book.cardPurchase(m, false),
      'PENDING',
      cardMeta(acct, date, date, m.mcc, undefined),
    );
  }
  rows.sort(compareRows);
  acct.rows = rows;
  acct.bills = bills;
  refreshCardBalance(acct, now);
}

/** Card balance = open cycle + the last closed bill while it is not yet due. */
function refreshCardBalance(acct: AccountState, now: number): void {
  const card = acct.card!;
  const today = dayStart(now);
  // A cycle is closed once its closing day is over, so the cycle closing today is still open.
  const openClosing = closingFor(today, card.closingDay);
  const prevClosing = addMonths(openClosing, -1, card.closingDay);
  let owed = 0;
  for (let i = acct.rows.length - 1; i >= 0; i--) {
    const r = acct.rows[i]!;
    if (r.date <= prevClosing) break;
    if (r.t.kind !== 'card-payment') owed += r.fx ?? r.amount;
  }
  const lastBill = acct.bills[acct.bills.length - 1];
  if (lastBill && Date.parse(lastBill.dueDate) > today) owed += Math.round(lastBill.totalAmount * 100);
  owed = Math.max(0, owed);
  acct.balance = owed;
  const nextClosing = closingFor(today, card.closingDay);
  const cd = acct.account.creditData!;
  acct.account.balance = cents(owed);
  cd.balanceCloseDate = iso(nextClosing);
  cd.balanceDueDate = iso(dueFor(nextClosing));
  cd.availableCreditLimit = cents(Math.max(0, card.limit - owed));
  cd.minimumPayment = cents(Math.round(owed * 0.15));
}

// World ------------------------------------------------------------------------------------------------

function makeHolder(rng: Rng, business: boolean, nowMs: number): Holder {
  const city = rng.pick(CITIES);
  const bank = rng.pick(BANKS);
  const agency = rng.digits(4);
  if (business) {
    const [a, b] = rng.pick(COMPANY_WORDS);
    const name = `${a} ${b} Ltda`;
    return {
      business,
      name,
      document: makeCnpj(rng),
      documentType: 'CNPJ',
      bank,
      agency,
      email: `financeiro@${statementText(b)
        .toLowerCase()
        .replace(/[^a-z]/g, '')}.com.br`,
      phone: `+55 11 3${rng.digits(3)}-${rng.digits(4)}`,
      city,
      partner: personName(rng),
      birthDate: dayStart(nowMs - rng.int(3, 25) * 365 * DAY_MS),
    };
  }
  const name = personName(rng);
  const [first, last] = [name.split(' ')[0]!, name.split(' ')[2]!];
  return {
    business,
    name,
    document: makeCpf(rng),
    documentType: 'CPF',
    bank,
    agency,
    email: `${statementText(first).toLowerCase()}.${statementText(last).toLowerCase()}@example.com`,
    phone: `+55 11 9${rng.digits(4)}-${rng.digits(4)}`,
    city,
    partner: null,
    birthDate: dayStart(nowMs - rng.int(20, 70) * 365 * DAY_MS - rng.int(0, 364) * DAY_MS),
  };
}

function makeAccount(
  rng: Rng,
  itemId: string,
  holder: Holder,
  kind: AccountKind,
  index: number,
  nowMs: number,
): AccountState {
  const created = iso(nowMs);
  const owner = holder.name.toUpperCase();
  const taxNumber = holder.documentType === 'CPF' ? maskCpf(holder.document) : formatCnpj(holder.document);
  const id = rng.uuid();
  if (kind === 'card') {
    const brand = rng.pick(['MASTERCARD', 'VISA', 'ELO'] as const);
    const level = rng.pick(['GOLD', 'PLATINUM', 'BLACK', 'INFINITE'] as const);
    const last4 = rng.digits(4);
    const limit = rng.int(6, 60) * 50000;
    return {
      kind,
      rows: [],
      bills: [],
      balance: 0,
      card: { closingDay: rng.int(1, 25), last4, limit },
      account: {
        id,
        itemId,
        type: 'CREDIT',
        subtype: 'CREDIT_CARD',
        number: last4,
        name: `${brand === 'MASTERCARD' ? 'Mastercard' : brand === 'VISA' ? 'Visa' : 'Elo'} ${level.charAt(0)}${level.slice(1).toLowerCase()}`,
        marketingName: holder.business
          ? `Cartão Empresarial ${level}`
          : `Cartão ${level}${index > 0 ? ` ${index + 1}` : ''}`,
        balance: 0,
        currencyCode: 'BRL',
        owner,
        taxNumber,
        bankData: null,
        creditData: {
          level,
          brand,
          balanceCloseDate: null,
          balanceDueDate: null,
          availableCreditLimit: cents(limit),
          creditLimit: cents(limit),
          balanceForeignCurrency: 0,
          minimumPayment: 0,
          isLimitFlexible: false,
          status: 'ACTIVE',
          holderType: 'MAIN',
        },
        createdAt: created,
        updatedAt: created,
      },
    };
  }
  const number = `${rng.digits(5 + (index % 3))}-${rng.digits(1)}`;
  const savings = kind === 'savings';
  return {
    kind,
    rows: [],
    bills: [],
    balance: 0,
    card: null,
    account: {
      id,
      itemId,
      type: 'BANK',
      subtype: savings ? 'SAVINGS_ACCOUNT' : 'CHECKING_ACCOUNT',
      number: `${holder.agency}/${number}`,
      name: savings ? 'Conta Poupança' : holder.business ? 'Conta Corrente PJ' : 'Conta Corrente',
      marketingName: savings ? 'Poupança' : holder.business ? 'Conta Empresarial' : 'Conta Corrente Digital',
      balance: 0,
      currencyCode: 'BRL',
      owner,
      taxNumber,
      bankData: {
        transferNumber: `${holder.bank[0]}/${holder.agency}/${number}`,
        closingBalance: 0,
        automaticallyInvestedBalance: 0,
        overdraftContractedLimit: savings ? null : cents(rng.int(2, 20) * 50000),
        overdraftUsedLimit: savings ? null : 0,
        unarrangedOverdraftAmount: savings ? null : 0,
      },
      creditData: null,
      createdAt: created,
      updatedAt: created,
    },
  };
}

function syncBankAccountBalance(acct: AccountState): void {
  acct.account.balance = cents(acct.balance);
  if (acct.account.bankData) acct.account.bankData.closingBalance = cents(acct.balance);
}

/** After rows were added, removed or restated: the account's balance (and updatedAt) as of `now`. */
export function refreshBalance(acct: AccountState, now: number): void {
  if (acct.kind === 'card') refreshCardBalance(acct, now);
  else syncBankAccountBalance(acct);
  acct.account.updatedAt = iso(now);
}

export function generateWorld(p: GenerateParams): World {
  const rng = Rng.derive(p.seed, 'world', p.ordinal);
  const business = p.connector.type === 'BUSINESS_BANK';
  const holder = makeHolder(rng, business, p.nowMs);
  const book = new TemplateBook(rng, holder);
  const has = (x: ProductType) => p.products.includes(x);
  const withTransactions = has('TRANSACTIONS');
  const size = p.size;

  const kinds: AccountKind[] = [];
  if (has('ACCOUNTS') && !p.skipBankAccounts) {
    const checking = size.bankAccounts > 0 ? Math.max(1, p.checkingAccounts ?? 1) : 0;
    for (let i = 0; i < Math.max(size.bankAccounts, checking); i++) {
      kinds.push(i < checking || i % 2 === 0 ? 'checking' : 'savings');
    }
  }
  if (has('CREDIT_CARDS')) for (let i = 0; i < size.cardAccounts; i++) kinds.push('card');

  let perAccount = Math.round(size.transactionsPerAccount * (p.volumeMultiplier ?? 1));
  if (kinds.length > 0) perAccount = Math.min(perAccount, Math.floor(MAX_ROWS_PER_WORLD / kinds.length));

  const from = addMonths(dayStart(p.nowMs), -size.historyMonths);
  const hasCard = kinds.includes('card');
  const accounts = kinds.map((kind, i) => {
    const acctRng = Rng.derive(p.seed, 'world', p.ordinal, 'account', i);
    const kindIndex = kinds.slice(0, i).filter((k) => k === kind).length;
    const acct = makeAccount(acctRng, p.itemId, holder, kind, kindIndex, p.nowMs);
    if (withTransactions && perAccount > 0) {
      const sink: RowSink = {
        acct,
        ids: Rng.derive(p.seed, 'world', p.ordinal, 'ids', i),
        createdAt: p.nowMs,
        providerIds: p.connector.isOpenFinance,
      };
      if (kind === 'card') {
        generateCardRows(
          acct,
          acctRng,
          sink,
          book,
          perAccount,
          from,
          p.nowMs,
          Rng.derive(p.seed, 'bills', p.ordinal, i),
        );
      } else {
        generateBankRows(acct, acctRng, sink, book, perAccount, from, p.nowMs, business, hasCard);
      }
    } else if (kind !== 'card') {
      acct.balance = acctRng.int(10000, 900000);
    }
    if (kind === 'card') {
      if (!withTransactions) refreshCardBalance(acct, p.nowMs);
    } else {
      syncBankAccountBalance(acct);
    }
    return acct;
  });

  const extraRng = Rng.derive(p.seed, 'world', p.ordinal, 'products');
  const investments = has('INVESTMENTS') ? makeInvestments(extraRng, p.itemId, holder, p.nowMs) : [];
  const investmentTransactions = new Map<string, JsonObject[]>();
  if (has('INVESTMENTS_TRANSACTIONS')) {
    for (const inv of investments)
      investmentTransactions.set(inv.id, makeInvestmentTransactions(extraRng, inv, p.nowMs));
  }
  return {
    holder,
    accounts,
    identity: has('IDENTITY') ? makeIdentity(extraRng, p.itemId, holder, p.nowMs) : null,
    investments,
    investmentTransactions,
    loans: has('LOANS') ? makeLoans(extraRng, p.itemId, p.nowMs, business) : [],
    live: Rng.derive(p.seed, 'live', p.ordinal),
    activityUntil: p.nowMs,
    templates: book,
    openFinance: p.connector.isOpenFinance,
  };
}

// Later activity ---------------------------------------------------------------------------------------

/**
 * New rows arriving after the first sync (daily activity, admin.addTransactions). They are stored with
 * `createdAt = createdAt` and inserted in cursor order; bank balances move with them.
 */
export function newRows(
  world: World,
  acct: AccountState,
  dates: number[],
  createdAt: number,
  nowMs: number,
): TxRow[] {
  const rng = world.live;
  const sink: RowSink = { acct, ids: rng, createdAt, providerIds: world.openFinance };
  const out: TxRow[] = [];
  const today = dayStart(nowMs);
  for (const date of dates) {
    if (acct.kind === 'card') {
      const card = acct.card!;
      const m = rng.pick(MERCHANTS);
      const closing = closingFor(date, card.closingDay);
      const closed = closing < today;
      const bill = closed ? acct.bills.find((b) => b.billClosingDate === iso(closing)) : undefined;
      const amount = rng.int(m.min, m.max);
      pushRow(
        sink,
        out,
        date,
        amount,
        world.templates.cardPurchase(m, false),
        closed ? 'POSTED' : 'PENDING',
        cardMeta(acct, date, date, m.mcc, bill?.id),
      );
      if (bill) bill.totalAmount = cents(Math.round(bill.totalAmount * 100) + amount);
    } else {
      const { t, amount } = bankMovement(rng, world.templates, acct.kind, world.holder.business);
      // A movement dated today is usually still pending; backdated arrivals come in posted.
      const status = date >= today && rng.chance(0.6) ? 'PENDING' : 'POSTED';
      const r = pushRow(sink, out, date, amount, t, status);
      acct.balance += amount;
      r.balance = acct.balance;
    }
  }
  return out;
}

// Identity, investments, loans ----------------------------------------------------------------------

function makeIdentity(rng: Rng, itemId: string, h: Holder, nowMs: number): JsonObject {
  const [city, state, postalCode, street] = h.city;
  const number = rng.int(10, 2500);
  const address = {
    fullAddress: `${street}, ${number}, ${city} - ${state}, ${postalCode}`,
    primaryAddress: `${street}, ${number}`,
    city,
    postalCode,
    state,
    country: 'Brasil',
    type: h.business ? 'Work' : 'Personal',
    additionalInfo: null,
  };
  const common = {
    id: rng.uuid(),
    itemId,
    document: h.document,
    documentType: h.documentType,
    taxNumber: h.document,
    establishmentName: null,
    establishmentCode: null,
    phoneNumbers: [{ type: h.business ? 'Work' : 'Personal', value: h.phone }],
    emails: [{ type: h.business ? 'Work' : 'Personal', value: h.email }],
    addresses: [address],
    financialRelationships: null,
    qualifications: null,
    createdAt: iso(nowMs),
    updatedAt: iso(nowMs),
  };
  if (h.business) {
    return {
      ...common,
      fullName: null,
      companyName: h.name,
      birthDate: null,
      jobTitle: null,
      investorProfile: null,
      relations: null,
      incorporationDate: iso(h.birthDate),
      parties: [
        {
          type: 'PARTNER',
          personType: 'NATURAL_PERSON',
          civilName: h.partner,
          documentType: 'CPF',
          documentNumber: makeCpf(rng),
          shareholding: 1,
        },
      ],
    };
  }
  return {
    ...common,
    fullName: h.name,
    companyName: null,
    birthDate: iso(h.birthDate),
    jobTitle: rng.pick([
      'Engenheira de Software',
      'Analista Financeiro',
      'Professor',
      'Médica',
      'Designer',
      'Advogado',
    ]),
    investorProfile: rng.pick(['Conservative', 'Moderate', 'Aggressive']),
    relations: [{ type: 'Mother', name: personName(rng), document: null }],
    sex: rng.pick(['FEMALE', 'MALE']),
  };
}

function makeInvestments(rng: Rng, itemId: string, h: Holder, nowMs: number): JsonObject[] {
  const today = dayStart(nowMs);
  const defs = [
    {
      type: 'FIXED_INCOME',
      subtype: 'CDB',
      name: 'CDB Pluggy 110% CDI',
      rateType: 'CDI',
      rate: 110,
      code: null,
    },
    {
      type: 'FIXED_INCOME',
      subtype: 'TREASURY',
      name: 'Tesouro Selic 2029',
      rateType: 'SELIC',
      rate: 100,
      code: null,
    },
    { type: 'FIXED_INCOME', subtype: 'LCI', name: 'LCI 92% CDI', rateType: 'CDI', rate: 92, code: null },
    {
      type: 'MUTUAL_FUND',
      subtype: 'MULTIMARKET_FUND',
      name: 'Fundo Multimercado Horizonte FIC FIM',
      rateType: null,
      rate: null,
      code: makeCnpj(rng),
    },
    { type: 'EQUITY', subtype: 'STOCK', name: 'PETROBRAS PN', rateType: null, rate: null, code: 'PETR4' },
    {
      type: 'EQUITY',
      subtype: 'REAL_ESTATE_FUND',
      name: 'CSHG Logística FII',
      rateType: null,
      rate: null,
      code: 'HGLG11',
    },
  ];
  const count = rng.int(3, defs.length);
  return defs.slice(0, count).map((d) => {
    const original = rng.int(10, 300) * 10000;
    const profit = Math.round(original * (rng.int(-5, 25) / 100));
    const amount = original + profit;
    const taxes = profit > 0 ? Math.round(profit * 0.15) : 0;
    const isEquity = d.type === 'EQUITY';
    const quantity = isEquity ? rng.int(10, 500) : d.type === 'MUTUAL_FUND' ? rng.int(1000, 50000) / 10 : 1;
    const purchase = today - rng.int(60, 900) * DAY_MS;
    return {
      id: rng.uuid(),
      itemId,
      type: d.type,
      subtype: d.subtype,
      name: d.name,
      code: d.code,
      isin: isEquity ? `BR${d.code}${rng.digits(3)}` : null,
      number: rng.digits(6),
      issuerCNPJ: d.type === 'FIXED_INCOME' && d.subtype !== 'TREASURY' ? makeCnpj(rng) : null,
      owner: h.name,
      currencyCode: 'BRL',
      date: iso(today),
      value: cents(Math.round(amount / quantity)),
      quantity,
      amount: cents(amount),
      balance: cents(amount - taxes),
      amountProfit: cents(profit),
      amountWithdrawal: cents(amount - taxes),
      amountOriginal: cents(original),
      taxes: cents(taxes),
      taxes2: 0,
      dueDate: d.type === 'FIXED_INCOME' ? iso(addMonths(today, rng.int(6, 48))) : null,
      issuer:
        d.type === 'FIXED_INCOME'
          ? d.subtype === 'TREASURY'
            ? 'Tesouro Nacional'
            : 'Banco Pluggy S.A.'
          : null,
      issueDate: iso(purchase),
      purchaseDate: iso(purchase),
      rate: d.rate,
      rateType: d.rateType,
      fixedAnnualRate: null,
      lastMonthRate: d.type === 'MUTUAL_FUND' ? rng.int(50, 150) / 100 : null,
      lastTwelveMonthsRate: d.type === 'MUTUAL_FUND' ? rng.int(600, 1600) / 100 : null,
      annualRate: d.type === 'MUTUAL_FUND' ? rng.int(600, 1600) / 100 : null,
      status: 'ACTIVE',
      metadata: null,
      institution: { name: 'Banco Pluggy S.A.', number: '00000000000191' },
      transactions: null,
    };
  });
}

function makeInvestmentTransactions(rng: Rng, inv: JsonObject, nowMs: number): JsonObject[] {
  const n = rng.int(2, 8);
  const out: JsonObject[] = [];
  const start = Date.parse(inv.purchaseDate as string);
  for (let i = 0; i < n; i++) {
    const date = dayStart(start + ((nowMs - start) * i) / n);
    const buy = i === 0 || rng.chance(0.7);
    const quantity = Math.max(1, Math.round((inv.quantity as number) / n));
    const value = inv.value as number;
    const amount = Math.round(quantity * value * 100);
    const fee = inv.type === 'EQUITY' ? rng.int(0, 990) : 0;
    out.push({
      id: rng.uuid(),
      itemId: inv.itemId,
      investmentId: inv.id,
      type: buy ? 'BUY' : 'SELL',
      movementType: buy ? 'CREDIT' : 'DEBIT',
      description: `${buy ? 'Aplicação' : 'Resgate'} ${inv.name as string}`,
      brokerageNumber: inv.type === 'EQUITY' ? rng.digits(8) : null,
      quantity,
      value,
      amount: cents(amount),
      netAmount: cents(buy ? amount + fee : amount - fee),
      agreedRate: null,
      date: iso(date),
      tradeDate: iso(date),
      expenses:
        fee > 0
          ? {
              serviceTax: null,
              brokerageFee: cents(fee),
              incomeTax: null,
              other: null,
              tradingAssetsNoticeFee: null,
              maintenanceFee: null,
              settlementFee: null,
              clearingFee: null,
              stockExchangeFee: null,
              custodyFee: null,
              operatingFee: null,
            }
          : null,
    });
  }
  return out;
}

function makeLoans(rng: Rng, itemId: string, nowMs: number, business = false): JsonObject[] {
  const today = dayStart(nowMs);
  const total = rng.pick([24, 36, 48, 60]);
  const paid = rng.int(1, total - 1);
  const contractDate = addMonths(today, -paid - 1);
  const amount = rng.int(5, 80) * 100000;
  const outstanding = Math.round(amount * (1 - paid / total) * 1.1);
  return [
    {
      id: rng.uuid(),
      itemId,
      contractNumber: `PX-${new Date(contractDate).getUTCFullYear()}-${rng.digits(4)}`,
      ipocCode: null,
      productName: business ? 'Capital de Giro' : 'Empréstimo Pessoal',
      type: business ? 'CAPITAL_GIRO_PRAZO_VENCIMENTO_ATE_365_DIAS' : 'CREDITO_PESSOAL_SEM_CONSIGNACAO',
      kind: 'LOAN',
      date: iso(today),
      contractDate: iso(contractDate),
      disbursementDates: [iso(contractDate + 2 * DAY_MS)],
      settlementDate: null,
      contractAmount: cents(amount),
      currencyCode: 'BRL',
      dueDate: iso(addMonths(contractDate, total)),
      installmentPeriodicity: 'MONTHLY',
      installmentPeriodicityAdditionalInfo: null,
      firstInstallmentDueDate: iso(addMonths(contractDate, 1)),
      CET: rng.int(2000, 6000) / 10000,
      amortizationScheduled: 'PRICE',
      amortizationScheduledAdditionalInfo: null,
      cnpjConsignee: null,
      interestRates: [
        {
          taxType: 'EFFECTIVE',
          interestRateType: 'COMPOUND',
          taxPeriodicity: 'YEARLY',
          calculation: '21/252',
          referentialRateIndexerType: 'PRE_FIXADO',
          referentialRateIndexerSubType: null,
          referentialRateIndexerAdditionalInfo: null,
          preFixedRate: rng.int(1500, 4500) / 10000,
          postFixedRate: null,
          additionalInfo: null,
        },
      ],
      contractedFees: [],
      contractedFinanceCharges: [],
      warranties: [],
      installments: {
        typeNumberOfInstallments: 'MONTH',
        totalNumberOfInstallments: total,
        typeContractRemaining: 'MONTH',
        contractRemainingNumber: total - paid,
        paidInstallments: paid,
        dueInstallments: total - paid,
        pastDueInstallments: 0,
        balloonPayments: null,
      },
      payments: { contractOutstandingBalance: cents(outstanding), releases: [] },
    },
  ];
}
