/**
 * The stored form of a transaction. 200k of them must fit comfortably in memory, so a row holds only
 * what varies (ids, dates as epoch ms, amounts as integer cents, status, card metadata) and points at
 * a shared Template for the descriptive part (description, category, merchant, payment parties).
 * `toTransaction` builds Pluggy's JSON on the way out.
 */
import { iso } from '../clock.ts';
import type { CreditCardMetadata, Merchant, PaymentData, Transaction } from '../types.ts';
import { categoryName } from './categories.ts';

export type Template = {
  description: string;
  descriptionRaw: string | null;
  type: 'DEBIT' | 'CREDIT';
  categoryId: string | null;
  operationType: string | null;
  providerCode: string | null;
  merchant: Merchant | null;
  paymentData: PaymentData | null;
  currencyCode: string;
  mcc: number | null;
  /** What the row stands for; the generator and scenarios branch on it. */
  kind: string;
};

export type TxRow = {
  id: string;
  accountId: string;
  /** Posted date, epoch ms at midnight UTC. */
  date: number;
  /** When the sandbox (Pluggy) first stored the row — what createdAtFrom filters on. */
  createdAt: number;
  updatedAt: number;
  /** Signed integer cents, Pluggy's sign convention (bank: out < 0; card: purchase > 0). */
  amount: number;
  /** amountInAccountCurrency in cents (foreign purchases), else null. */
  fx: number | null;
  /** Running balance after the row, cents (bank accounts only). */
  balance: number | null;
  status: 'PENDING' | 'POSTED';
  t: Template;
  providerId: string | null;
  cc: CreditCardMetadata | null;
  /** Category chosen by the client through PATCH /transactions/{id}. */
  categoryOverride?: string;
};

export const cents = (n: number): number => Math.round(n) / 100;

/** Compare by the cursor key (date, id). */
export function compareRows(a: { date: number; id: string }, b: { date: number; id: string }): number {
  if (a.date !== b.date) return a.date - b.date;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** End-to-end id of a Pix, derived from the row (stable, no per-row storage). */
function pixEndToEnd(row: TxRow, ispb: string): string {
  const stamp = iso(row.date).replace(/[-T:]/g, '').slice(0, 12);
  return `E${ispb.padStart(8, '0')}${stamp}${row.id.replace(/-/g, '').slice(0, 11)}`;
}

export function toTransaction(row: TxRow, withPaymentData: boolean): Transaction {
  const t = row.t;
  const categoryId = row.categoryOverride ?? t.categoryId;
  let paymentData: PaymentData | null = null;
  if (withPaymentData && t.paymentData) {
    paymentData =
      t.operationType === 'PIX'
        ? {
            ...t.paymentData,
            referenceNumber: pixEndToEnd(row, t.paymentData.payer?.routingNumberISPB ?? '0'),
          }
        : t.paymentData;
  }
  return {
    id: row.id,
    accountId: row.accountId,
    date: iso(row.date),
    description: t.description,
    descriptionRaw: t.descriptionRaw,
    currencyCode: t.currencyCode,
    amount: cents(row.amount),
    amountInAccountCurrency: row.fx === null ? null : cents(row.fx),
    balance: row.balance === null ? null : cents(row.balance),
    type: t.type,
    status: row.status,
    category: categoryId ? categoryName(categoryId) : null,
    categoryId,
    providerCode: t.providerCode,
    providerId: row.providerId,
    operationType: t.operationType,
    operationTypeAdditionalInfo: null,
    paymentData,
    creditCardMetadata: row.cc,
    merchant: t.merchant,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
