import { type UpsertCounts, upsertInBatches } from '../batch.ts';
import { json, type MoneyIn, money, type TimeIn, text, time, clampLimit } from '../params.ts';
import type { Db } from '../pool.ts';

/**
 * Pluggy's credit-card Bill (docs/pluggy.md#credit-card-bills): closed bills only. It carries no accountId,
 * so the caller passes the card account it listed them for.
 */
export type PluggyBillIn = {
  id: string;
  dueDate: TimeIn;
  billClosingDate?: TimeIn;
  totalAmount: MoneyIn;
  totalAmountCurrencyCode?: string | null;
  minimumPaymentAmount?: MoneyIn;
};

/** Money columns are decimal strings exactly as stored; never floats. */
export type BillRow = {
  id: string;
  accountId: string;
  itemId: string;
  dueDate: Date;
  closeDate: Date | null;
  totalAmount: string;
  minimumPaymentAmount: string | null;
  currencyCode: string | null;
  raw: unknown;
  syncedAt: Date;
};

const COLUMNS = `b.id, b.account_id AS "accountId", b.item_id AS "itemId", b.due_date AS "dueDate",
  b.close_date AS "closeDate", b.total_amount AS "totalAmount",
  b.minimum_payment_amount AS "minimumPaymentAmount", b.currency_code AS "currencyCode", b.raw,
  b.synced_at AS "syncedAt"`;

const UPSERT = `
  INSERT INTO credit_card_bills AS t (id, account_id, item_id, due_date, close_date, total_amount,
    minimum_payment_amount, currency_code, raw)
  SELECT u.id, $1, $2, u.due_date, u.close_date, u.total_amount, u.minimum_payment_amount,
    u.currency_code, u.raw
  FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[], $6::numeric[], $7::numeric[], $8::text[],
    $9::jsonb[])
    AS u(id, due_date, close_date, total_amount, minimum_payment_amount, currency_code, raw)
  ON CONFLICT (id) DO UPDATE SET
    account_id = excluded.account_id,
    item_id = excluded.item_id,
    due_date = excluded.due_date,
    close_date = excluded.close_date,
    total_amount = excluded.total_amount,
    minimum_payment_amount = excluded.minimum_payment_amount,
    currency_code = excluded.currency_code,
    raw = excluded.raw,
    synced_at = now()
  WHERE t.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS inserted`;

/** Batched upsert of one card account's bills; identical rows are not written. */
export async function upsertBills(
  db: Db,
  itemId: string,
  accountId: string,
  bills: readonly PluggyBillIn[],
): Promise<UpsertCounts> {
  return upsertInBatches(db, bills, UPSERT, (b) => [
    accountId,
    itemId,
    b.map((r) => r.id),
    b.map((r) => time(r.dueDate)),
    b.map((r) => time(r.billClosingDate)),
    b.map((r) => money(r.totalAmount)),
    b.map((r) => money(r.minimumPaymentAmount)),
    b.map((r) => text(r.totalAmountCurrencyCode)),
    b.map((r) => json(r)),
  ]);
}

/** Newest due date first; `limit` 1–120 (default 12). */
export async function listBillsByAccount(
  db: Db,
  accountId: string,
  opts: { limit?: number } = {},
): Promise<BillRow[]> {
  const res = await db.query<BillRow>(
    `SELECT ${COLUMNS} FROM credit_card_bills b WHERE b.account_id = $1
     ORDER BY b.due_date DESC, b.id DESC LIMIT $2`,
    [accountId, clampLimit(opts.limit, 12, 120)],
  );
  return res.rows;
}

/** Bills of all of a person's cards on live items, newest due date first; `limit` default 24. */
export async function listBillsByUser(
  db: Db,
  userId: string,
  opts: { limit?: number } = {},
): Promise<BillRow[]> {
  const res = await db.query<BillRow>(
    `SELECT ${COLUMNS} FROM credit_card_bills b JOIN items i ON i.id = b.item_id
     WHERE i.user_id = $1 AND i.deleted_at IS NULL
     ORDER BY b.due_date DESC, b.id DESC LIMIT $2`,
    [userId, clampLimit(opts.limit, 24, 500)],
  );
  return res.rows;
}

/** After a full bill list for the account: removes the others. Returns the count. */
export async function deleteBillsNotIn(
  db: Db,
  accountId: string,
  keepIds: readonly string[],
): Promise<number> {
  const res = await db.query(
    'DELETE FROM credit_card_bills WHERE account_id = $1 AND NOT (id = ANY($2::text[]))',
    [accountId, [...keepIds]],
  );
  return res.rowCount ?? 0;
}

export type BillStatusRow = {
  id: string;
  accountId: string;
  accountName: string | null;
  dueDate: Date;
  closeDate: Date | null;
  totalAmount: string;
  minimumPaymentAmount: string | null;
  /** What the card received as bill payments (05100000 CREDITs) from its close to 10 days after its due date. */
  paidAmount: string;
};

/**
 * A person's closed card bills due in [from, to] (dates), with what was paid towards each: the
 * card's CREDIT rows categorized as credit card payment (docs/pluggy.md#amount-sign-and-type)
 * dated after the bill closed (or 40 days before its due date without a close date) and up to
 * 10 days after its due date, capped by the next bill's close.
 */
export async function billsDueBetween(
  db: Db,
  userId: string,
  from: string,
  to: string,
): Promise<BillStatusRow[]> {
  const res = await db.query<BillStatusRow>(
    `SELECT b.id, b.account_id AS "accountId", coalesce(a.marketing_name, a.name) AS "accountName",
       b.due_date AS "dueDate", b.close_date AS "closeDate", b.total_amount::text AS "totalAmount",
       b.minimum_payment_amount::text AS "minimumPaymentAmount",
       coalesce((SELECT sum(abs(t.amount)) FROM transactions t
         WHERE t.account_id = b.account_id AND t.type = 'CREDIT' AND t.category_id = '05100000'
           AND t.date > coalesce(b.close_date, b.due_date - interval '40 days')
           AND t.date <= b.due_date + interval '10 days'), 0)::text AS "paidAmount"
     FROM credit_card_bills b JOIN items i ON i.id = b.item_id JOIN accounts a ON a.id = b.account_id
     WHERE i.user_id = $1::uuid AND i.deleted_at IS NULL
       AND b.due_date >= $2::date::timestamp AT TIME ZONE 'UTC'
       AND b.due_date < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'
     ORDER BY b.due_date, b.id`,
    [userId, from, to],
  );
  return res.rows;
}

/** A card bill beside the sum of the rows Pluggy filed under it (purchases minus refunds). */
export type BillCheckRow = {
  id: string;
  accountId: string;
  itemId: string;
  accountName: string | null;
  dueDay: string;
  totalAmount: string;
  /** DEBIT minus CREDIT rows carrying this billId, card payments left out; null when none. */
  rowsSum: string | null;
  rows: number;
  /** Pluggy lists a payment in the bill, or a payment row reached the card after it closed. */
  paid: boolean;
};

/** The person's bills due from `fromDay` on, or closed in the last `recentDays`. */
export async function listBillChecks(db: Db, userId: string, fromDay: string): Promise<BillCheckRow[]> {
  const { rows } = await db.query<BillCheckRow>(
    `SELECT b.id, b.account_id AS "accountId", b.item_id AS "itemId", a.name AS "accountName",
            to_char((b.due_date AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS "dueDay",
            b.total_amount::text AS "totalAmount", s.sum::text AS "rowsSum", coalesce(s.n, 0)::int AS rows,
            (jsonb_array_length(coalesce(b.raw -> 'payments', '[]'::jsonb)) > 0 OR EXISTS (
               SELECT 1 FROM transactions p
                WHERE p.account_id = b.account_id AND p.type = 'CREDIT' AND p.category_id = '05100000'
                  AND p.date > coalesce(b.close_date, b.due_date - interval '7 days'))) AS paid
       FROM items i
       JOIN credit_card_bills b ON b.item_id = i.id
       JOIN accounts a ON a.id = b.account_id
       LEFT JOIN LATERAL (
         SELECT sum(CASE WHEN t.type = 'DEBIT' THEN abs(coalesce(t.amount_in_account_currency, t.amount))
                         ELSE -abs(coalesce(t.amount_in_account_currency, t.amount)) END) AS sum,
                count(*) AS n
           FROM transactions t
          WHERE t.bill_id = b.id AND coalesce(t.category_id, '') <> '05100000') s ON true
      WHERE i.user_id = $1 AND i.deleted_at IS NULL AND b.due_date >= $2::date
      ORDER BY b.due_date, b.id`,
    [userId, fromDay],
  );
  return rows;
}
