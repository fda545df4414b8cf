import type { Db } from '../../db/pool.ts';
import { spendingByTopCategory } from '../../db/queries/transactions.ts';
import { categoryName, type Lang } from '../../domain/categories.ts';
import { decimal } from '../money.ts';

export type CategorySpending = {
  /** The top-level category, named by its own full id (`08000000` Compras). */
  categoryId: string;
  name: string;
  /** Spending minus refunds, a decimal string in the accounts' currency. */
  amount: string;
  /** Rows counted: purchases and refunds. */
  count: number;
  /** Fraction of the total spending of the range, a decimal string ("0.2514"). */
  share: string;
};

export type CategorySpendingDetail = CategorySpending & {
  subcategories: Array<{ categoryId: string; name: string; amount: string; count: number }>;
};

/**
 * A person's spending per top-level category over the local days [from, to] (YYYY-MM-DD, inclusive).
 * What counts as spending, refunds and transfers is decided once, in SQL (src/db/queries/transactions.ts).
 */
export async function spendingByCategoryDetail(
  db: Db,
  userId: string,
  range: { from: string; to: string },
  lang: Lang,
): Promise<CategorySpendingDetail[]> {
  const rows = await spendingByTopCategory(db, userId, range.from, range.to);
  return rows.map((r) => ({
    categoryId: r.topId,
    name: categoryName(r.topId, lang),
    amount: decimal(r.amount),
    count: r.count,
    share: decimal(r.share),
    subcategories: r.subcategories.map((s) => ({
      categoryId: s.categoryId,
      name: categoryName(s.categoryId, lang),
      amount: decimal(s.amount),
      count: s.count,
    })),
  }));
}

export async function spendingByCategory(
  db: Db,
  userId: string,
  range: { from: string; to: string },
  lang: 'pt' | 'en',
): Promise<CategorySpending[]> {
  const rows = await spendingByCategoryDetail(db, userId, range, lang);
  return rows.map(({ subcategories: _, ...c }) => c);
}
