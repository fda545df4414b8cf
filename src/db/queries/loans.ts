import { type UpsertCounts, upsertInBatches } from '../batch.ts';
import { json, type MoneyIn, money, type TimeIn, text, time } from '../params.ts';
import type { Db } from '../pool.ts';

/** Pluggy's Loan (docs/pluggy.md#loans): the fields we normalize; the whole object goes to raw. */
export type PluggyLoanIn = {
  id: string;
  contractNumber?: string | null;
  productName?: string | null;
  type?: string | null;
  kind?: string | null;
  contractAmount?: MoneyIn;
  currencyCode?: string | null;
  dueDate?: TimeIn;
  payments?: { contractOutstandingBalance?: MoneyIn } | null;
};

/** Money columns are decimal strings exactly as stored; never floats. */
export type LoanRow = {
  id: string;
  itemId: string;
  contractNumber: string | null;
  productName: string | null;
  type: string | null;
  kind: string | null;
  contractAmount: string | null;
  /** payments.contractOutstandingBalance */
  outstandingBalance: string | null;
  currencyCode: string | null;
  dueDate: Date | null;
  raw: unknown;
  syncedAt: Date;
};

const COLUMNS = `l.id, l.item_id AS "itemId", l.contract_number AS "contractNumber", l.product_name AS "productName",
  l.type, l.kind, l.contract_amount AS "contractAmount", l.outstanding_balance AS "outstandingBalance",
  l.currency_code AS "currencyCode", l.due_date AS "dueDate", l.raw, l.synced_at AS "syncedAt"`;

const UPSERT = `
  INSERT INTO loans AS t (id, item_id, contract_number, product_name, type, kind, contract_amount,
    outstanding_balance, currency_code, due_date, raw)
  SELECT u.id, $1, u.contract_number, u.product_name, u.type, u.kind, u.contract_amount,
    u.outstanding_balance, u.currency_code, u.due_date, u.raw
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[],
    $9::text[], $10::timestamptz[], $11::jsonb[])
    AS u(id, contract_number, product_name, type, kind, contract_amount, outstanding_balance,
      currency_code, due_date, raw)
  ON CONFLICT (id) DO UPDATE SET
    item_id = excluded.item_id,
    contract_number = excluded.contract_number,
    product_name = excluded.product_name,
    type = excluded.type,
    kind = excluded.kind,
    contract_amount = excluded.contract_amount,
    outstanding_balance = excluded.outstanding_balance,
    currency_code = excluded.currency_code,
    due_date = excluded.due_date,
    raw = excluded.raw,
    synced_at = now()
  WHERE t.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS inserted`;

/** Batched upsert of an item's loans; identical rows are not written. */
export async function upsertLoans(
  db: Db,
  itemId: string,
  rows: readonly PluggyLoanIn[],
): Promise<UpsertCounts> {
  return upsertInBatches(db, rows, UPSERT, (b) => [
    itemId,
    b.map((r) => r.id),
    b.map((r) => text(r.contractNumber)),
    b.map((r) => text(r.productName)),
    b.map((r) => text(r.type)),
    b.map((r) => text(r.kind)),
    b.map((r) => money(r.contractAmount)),
    b.map((r) => money(r.payments?.contractOutstandingBalance)),
    b.map((r) => text(r.currencyCode)),
    b.map((r) => time(r.dueDate)),
    b.map((r) => json(r)),
  ]);
}

export async function listLoansByItem(db: Db, itemId: string): Promise<LoanRow[]> {
  const res = await db.query<LoanRow>(
    `SELECT ${COLUMNS} FROM loans l WHERE l.item_id = $1 ORDER BY l.due_date NULLS LAST, l.id`,
    [itemId],
  );
  return res.rows;
}

/** Every loan of a person's live items. */
export async function listLoansByUser(db: Db, userId: string): Promise<LoanRow[]> {
  const res = await db.query<LoanRow>(
    `SELECT ${COLUMNS} FROM loans l JOIN items i ON i.id = l.item_id
     WHERE i.user_id = $1 AND i.deleted_at IS NULL ORDER BY l.due_date NULLS LAST, l.id`,
    [userId],
  );
  return res.rows;
}

/** After a full loan list from Pluggy: removes the item's others. Returns the count. */
export async function deleteLoansNotIn(db: Db, itemId: string, keepIds: readonly string[]): Promise<number> {
  const res = await db.query('DELETE FROM loans WHERE item_id = $1 AND NOT (id = ANY($2::text[]))', [
    itemId,
    [...keepIds],
  ]);
  return res.rowCount ?? 0;
}

export type LoanInstallmentRow = {
  loanId: string;
  productName: string | null;
  contractNumber: string | null;
  dueDay: string;
  installmentNumber: number;
  totalInstallments: number;
  /** Outstanding balance spread over the remaining installments (Pluggy gives no installment value). */
  estimatedAmount: string | null;
};

/**
 * A person's monthly loan installments due in [from, to]: the n-th falls n−1 months after
 * `firstInstallmentDueDate`; the next unpaid one is paidInstallments + 1 (docs/pluggy.md#loans).
 * Loans with another periodicity or without those fields are left out.
 */
export async function loanInstallmentsDue(
  db: Db,
  userId: string,
  from: string,
  to: string,
): Promise<LoanInstallmentRow[]> {
  const res = await db.query<LoanInstallmentRow>(
    `WITH l AS (
      SELECT l.id, l.product_name, l.contract_number,
        (l.raw->>'firstInstallmentDueDate')::timestamptz AT TIME ZONE 'UTC' AS first_due,
        (l.raw->'installments'->>'paidInstallments')::int AS paid,
        (l.raw->'installments'->>'totalNumberOfInstallments')::int AS total,
        coalesce(l.outstanding_balance, (l.raw->'payments'->>'contractOutstandingBalance')::numeric) AS outstanding
      FROM loans l JOIN items i ON i.id = l.item_id
      WHERE i.user_id = $1::uuid AND i.deleted_at IS NULL
        AND coalesce(l.raw->>'installmentPeriodicity', 'MONTHLY') = 'MONTHLY'
        AND l.raw->>'firstInstallmentDueDate' IS NOT NULL
        AND l.raw->'installments'->>'totalNumberOfInstallments' IS NOT NULL
    )
    SELECT l.id AS "loanId", l.product_name AS "productName", l.contract_number AS "contractNumber",
      to_char((l.first_due + make_interval(months => n - 1))::date, 'YYYY-MM-DD') AS "dueDay",
      n AS "installmentNumber", l.total AS "totalInstallments",
      round(l.outstanding / nullif(l.total - coalesce(l.paid, 0), 0), 2)::text AS "estimatedAmount"
    FROM l CROSS JOIN LATERAL generate_series(coalesce(l.paid, 0) + 1, l.total) n
    WHERE (l.first_due + make_interval(months => n - 1))::date BETWEEN $2::date AND $3::date
    ORDER BY 4, 1`,
    [userId, from, to],
  );
  return res.rows;
}
