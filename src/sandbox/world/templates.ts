/**
 * Shared descriptive parts of rows (counterparties, descriptions, categories), cached per world so
 * 200k rows point at a few hundred objects.
 */
import type { Rng } from '../random.ts';
import type { Merchant, Participant } from '../types.ts';
import {
  BANKS,
  type BOLETO_PAYEES,
  COMPANY_WORDS,
  makeCnpj,
  makeCpf,
  merchantCnpj,
  type MerchantDef,
  personName,
  statementText,
} from './pools.ts';
import { cents, type Template } from './rows.ts';
import type { Counterparty, Holder } from './model.ts';

export type SavedTemplateBook = {
  cache: [string, number][];
  people: Counterparty[];
  companies: Counterparty[];
  employer: number;
};

/** Shared descriptive parts of rows, cached per world so 200k rows point at a few hundred objects. */
export class TemplateBook {
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

  /** The book's parts for a sandbox state file; templates as indexes (`index` numbers them). */
  toSaved(index: (t: Template) => number): SavedTemplateBook {
    return {
      cache: [...this.cache].map(([key, t]) => [key, index(t)]),
      people: this.people,
      companies: this.companies,
      employer: this.companies.indexOf(this.employer),
    };
  }

  /** A book as saved, over the world's holder and its restored templates. */
  static fromSaved(saved: SavedTemplateBook, holder: Holder, templates: Template[]): TemplateBook {
    const book = Object.create(TemplateBook.prototype) as TemplateBook;
    Object.assign(book, {
      cache: new Map(saved.cache.map(([key, i]) => [key, templates[i]!])),
      people: saved.people,
      companies: saved.companies,
      employer: saved.companies[saved.employer] ?? saved.companies[0],
      holder,
    });
    return book;
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
