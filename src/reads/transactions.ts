import { z } from 'zod';
import type { Db } from '../db/pool.ts';
import {
  foldText,
  InvalidCursorError,
  searchTransactionsByUser,
  type TransactionListRow,
} from '../db/queries/transactions.ts';
import { categoryName } from '../domain/categories.ts';
import { AppError } from '../domain/errors.ts';
import { requirePersonAccount } from './accounts.ts';
import { requirePersonItem } from './items.ts';
import { decimal } from './money.ts';
import type { TransactionView } from './schemas.ts';

const decimalFilter = z
  .string()
  .regex(/^-?\d{1,15}(\.\d{1,4})?$/, 'a decimal number such as -150.00')
  .optional();
const dateFilter = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'a date (YYYY-MM-DD)')
  .optional();

/** The filters of a transactions query, as any face receives them (strings). */
export const TransactionFilterSchema = z.object({
  accountId: z.string().min(1).max(100).optional(),
  itemId: z.string().min(1).max(100).optional(),
  from: dateFilter.describe('inclusive, date or date-time'),
  to: dateFilter.describe('inclusive; a bare date includes that whole day'),
  categoryId: z.string().min(1).max(100).optional(),
  type: z.enum(['DEBIT', 'CREDIT']).optional(),
  status: z.enum(['PENDING', 'POSTED']).optional(),
  minAmount: decimalFilter,
  maxAmount: decimalFilter,
  q: z.string().min(1).max(100).optional().describe('text in description or merchant, any case or accents'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});
export type TransactionFilter = z.infer<typeof TransactionFilterSchema>;

export function transactionView(t: TransactionListRow): TransactionView {
  const card = t.installmentNumber !== null || t.totalInstallments !== null || t.billId || t.purchaseDate;
  return {
    id: t.id,
    accountId: t.accountId,
    itemId: t.itemId,
    date: t.date,
    description: t.description,
    descriptionRaw: t.descriptionRaw,
    amount: decimal(t.amount),
    currencyCode: t.currencyCode,
    amountInAccountCurrency: decimal(t.amountInAccountCurrency),
    balance: decimal(t.balance),
    type: t.type,
    status: t.status,
    // null when the person's own category replaced Pluggy's: named here, in Pluggy's language.
    category: t.category ?? (t.categoryId ? categoryName(t.categoryId, 'en') : null),
    categoryId: t.categoryId,
    providerId: t.providerId,
    operationType: t.operationType,
    paymentMethod: t.paymentMethod,
    merchant: t.merchantName || t.merchantCnpj ? { name: t.merchantName, cnpj: t.merchantCnpj } : null,
    creditCardMetadata: card
      ? {
          installmentNumber: t.installmentNumber,
          totalInstallments: t.totalInstallments,
          billId: t.billId,
          purchaseDate: t.purchaseDate,
        }
      : null,
    createdAt: t.pluggyCreatedAt,
    updatedAt: t.pluggyUpdatedAt,
  };
}

/** A bare date as `to` means the whole day. */
function endOfDay(to: string | undefined): string | undefined {
  return to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to;
}

/**
 * One page of the person's transactions, newest first. An account or item filter naming
 * something that is not theirs answers 404 as if it did not exist; a cursor we did not issue, 400.
 */
export async function listPersonTransactions(
  db: Db,
  userId: string,
  f: TransactionFilter,
): Promise<{ data: TransactionView[]; nextCursor: string | null }> {
  if (f.accountId) await requirePersonAccount(db, userId, f.accountId);
  if (f.itemId) await requirePersonItem(db, userId, f.itemId);
  if (f.minAmount && f.maxAmount && Number(f.minAmount) > Number(f.maxAmount)) {
    throw new AppError('invalid', 'invalid-request', 'minAmount is greater than maxAmount.', {
      errors: [{ field: 'minAmount', message: 'greater than maxAmount' }],
    });
  }
  try {
    const page = await searchTransactionsByUser(db, {
      userId,
      accountId: f.accountId,
      itemId: f.itemId,
      from: f.from,
      to: endOfDay(f.to),
      categoryId: f.categoryId,
      type: f.type,
      status: f.status,
      minAmount: f.minAmount,
      maxAmount: f.maxAmount,
      text: f.q ? foldText(f.q) : undefined,
      limit: f.limit,
      cursor: f.cursor ?? null,
    });
    return { data: page.rows.map(transactionView), nextCursor: page.nextCursor };
  } catch (err) {
    if (
      err instanceof InvalidCursorError ||
      ['22007', '22008'].includes((err as { code?: string }).code ?? '')
    ) {
      throw new AppError('invalid', 'invalid-cursor', 'The cursor is not one this API issued.', {
        errors: [{ field: 'cursor', message: 'not a cursor from a previous page' }],
      });
    }
    throw err;
  }
}

/** Every page, one at a time: for streaming (CSV) without holding the whole answer in memory. */
export async function* allPersonTransactions(
  db: Db,
  userId: string,
  f: TransactionFilter,
): AsyncGenerator<TransactionView[]> {
  let cursor = f.cursor;
  do {
    const page = await listPersonTransactions(db, userId, { ...f, limit: 500, cursor });
    yield page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
