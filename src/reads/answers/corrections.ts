import { setCategoryCorrection } from '../../db/queries/categoryCorrections.ts';
import type { Db } from '../../db/pool.ts';
import { categoryName, hasCategoryName, type Lang } from '../../domain/categories.ts';
import { AppError } from '../../domain/errors.ts';

export type CategoryCorrection = {
  transactionId: string;
  categoryId: string;
  category: string;
  /** What the choice is remembered by for later rows: the merchant, or the description. */
  rememberedFor: 'merchant' | 'description' | null;
};

/**
 * The person's category for one of their transactions. It wins over Pluggy's in every answer
 * (summaries, cash flow, the transactions list) and is remembered for the same merchant or
 * description, so rows that arrive later are already in it.
 */
export async function correctCategory(
  db: Db,
  userId: string,
  transactionId: string,
  categoryId: string,
  lang: Lang = 'pt',
): Promise<CategoryCorrection> {
  if (!hasCategoryName(categoryId)) {
    throw new AppError('invalid', 'unknown-category', `No category ${categoryId}.`, {
      errors: [{ field: 'categoryId', message: 'not a known category id' }],
    });
  }
  const res = await setCategoryCorrection(db, userId, transactionId, categoryId);
  if (!res) throw new AppError('not-found', 'transaction-not-found', 'No such transaction for this person.');
  return {
    transactionId,
    categoryId,
    category: categoryName(categoryId, lang),
    rememberedFor: res.ruleKey?.startsWith('m:') ? 'merchant' : res.ruleKey ? 'description' : null,
  };
}
