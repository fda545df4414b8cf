import type { Db } from '../pool.ts';

export type CorrectionResult = { transactionId: string; ruleKey: string | null };

/**
 * Stores a person's category for one of their transactions and remembers it for the same merchant
 * (CNPJ, else name) or, without a merchant, the same description (migration 007). Null when the
 * transaction is not one of the person's live rows. One statement: both or neither.
 */
export async function setCategoryCorrection(
  db: Db,
  userId: string,
  transactionId: string,
  categoryId: string,
): Promise<CorrectionResult | null> {
  const res = await db.query<CorrectionResult>(
    `WITH t AS (
      SELECT t.id,
        CASE WHEN coalesce(t.merchant_cnpj, lower(t.merchant_name)) IS NOT NULL
               THEN 'm:' || coalesce(t.merchant_cnpj, lower(t.merchant_name))
             WHEN t.description IS NOT NULL THEN 'd:' || lower(t.description) END AS rule_key
      FROM transactions t JOIN items i ON i.id = t.item_id
      WHERE t.id = $2 AND i.user_id = $1::uuid AND i.deleted_at IS NULL
    ), c AS (
      INSERT INTO category_corrections (transaction_id, user_id, category_id)
      SELECT id, $1::uuid, $3 FROM t
      ON CONFLICT (transaction_id) DO UPDATE SET category_id = excluded.category_id, created_at = now()
      RETURNING transaction_id
    ), r AS (
      INSERT INTO category_rules (user_id, match_key, category_id)
      SELECT $1::uuid, rule_key, $3 FROM t WHERE rule_key IS NOT NULL
      ON CONFLICT (user_id, match_key) DO UPDATE SET category_id = excluded.category_id, updated_at = now()
      RETURNING match_key
    )
    SELECT (SELECT transaction_id FROM c) AS "transactionId", (SELECT match_key FROM r) AS "ruleKey"
    FROM t`,
    [userId, transactionId, categoryId],
  );
  return res.rows[0] ?? null;
}
