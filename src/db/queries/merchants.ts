import type { Db } from '../pool.ts';

export type MerchantRow = {
  cnpj: string;
  name: string | null;
  businessName: string | null;
  cnae: string | null;
  category: string | null;
  lookedUpAt: Date;
};

/** Stored lookups for these CNPJs (found or not) newer than `since`. */
export async function getMerchants(db: Db, cnpjs: readonly string[], since: Date): Promise<MerchantRow[]> {
  if (cnpjs.length === 0) return [];
  const { rows } = await db.query<MerchantRow>(
    `SELECT cnpj, name, business_name AS "businessName", cnae, category, looked_up_at AS "lookedUpAt"
       FROM merchants WHERE cnpj = ANY($1::text[]) AND looked_up_at >= $2`,
    [cnpjs, since],
  );
  return rows;
}

/** Stores lookups; a CNPJ Pluggy does not know is stored with a null name. */
export async function saveMerchants(
  db: Db,
  rows: ReadonlyArray<{
    cnpj: string;
    name: string | null;
    businessName: string | null;
    cnae: string | null;
    category: string | null;
  }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO merchants (cnpj, name, business_name, cnae, category)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (cnpj) DO UPDATE SET name = excluded.name, business_name = excluded.business_name,
       cnae = excluded.cnae, category = excluded.category, looked_up_at = now()`,
    [
      rows.map((r) => r.cnpj),
      rows.map((r) => r.name),
      rows.map((r) => r.businessName),
      rows.map((r) => r.cnae),
      rows.map((r) => r.category),
    ],
  );
}
