import { type UpsertCounts, upsertInBatches } from '../batch.ts';
import { json, type MoneyIn, money, type TimeIn, text, time, clampLimit } from '../params.ts';
import type { Db } from '../pool.ts';

/**
 * Pluggy's Investment (docs/pluggy.md#investments): the fields we normalize; the whole object goes to raw.
 */
export type PluggyInvestmentIn = {
  id: string;
  type?: string | null;
  subtype?: string | null;
  name?: string | null;
  code?: string | null;
  balance?: MoneyIn;
  amount?: MoneyIn;
  /** Unit value (fund quota: many decimals), stored as plain numeric. */
  value?: MoneyIn;
  quantity?: MoneyIn;
  currencyCode?: string | null;
  date?: TimeIn;
  dueDate?: TimeIn;
  status?: string | null;
};

/** Pluggy's InvestmentTransaction (docs/pluggy.md#investments). */
export type PluggyInvestmentTransactionIn = {
  id: string;
  type?: string | null;
  movementType?: string | null;
  description?: string | null;
  amount?: MoneyIn;
  netAmount?: MoneyIn;
  value?: MoneyIn;
  quantity?: MoneyIn;
  date?: TimeIn;
};

/** Decimal columns are strings exactly as stored; never floats. */
export type InvestmentRow = {
  id: string;
  itemId: string;
  type: string | null;
  subtype: string | null;
  name: string | null;
  code: string | null;
  balance: string | null;
  amount: string | null;
  value: string | null;
  quantity: string | null;
  currencyCode: string | null;
  date: Date | null;
  dueDate: Date | null;
  status: string | null;
  raw: unknown;
  syncedAt: Date;
};

export type InvestmentTransactionRow = {
  id: string;
  investmentId: string;
  itemId: string;
  type: string | null;
  movementType: string | null;
  description: string | null;
  amount: string | null;
  netAmount: string | null;
  value: string | null;
  quantity: string | null;
  date: Date | null;
  raw: unknown;
  syncedAt: Date;
};

const COLUMNS = `v.id, v.item_id AS "itemId", v.type, v.subtype, v.name, v.code, v.balance, v.amount, v.value,
  v.quantity, v.currency_code AS "currencyCode", v.date, v.due_date AS "dueDate", v.status, v.raw,
  v.synced_at AS "syncedAt"`;

const TX_COLUMNS = `x.id, x.investment_id AS "investmentId", x.item_id AS "itemId", x.type,
  x.movement_type AS "movementType", x.description, x.amount, x.net_amount AS "netAmount", x.value,
  x.quantity, x.date, x.raw, x.synced_at AS "syncedAt"`;

const UPSERT = `
  INSERT INTO investments AS t (id, item_id, type, subtype, name, code, balance, amount, value, quantity,
    currency_code, date, due_date, status, raw)
  SELECT u.id, $1, u.type, u.subtype, u.name, u.code, u.balance, u.amount, u.value, u.quantity,
    u.currency_code, u.date, u.due_date, u.status, u.raw
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[],
    $9::numeric[], $10::numeric[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[],
    $15::jsonb[])
    AS u(id, type, subtype, name, code, balance, amount, value, quantity, currency_code, date, due_date,
      status, raw)
  ON CONFLICT (id) DO UPDATE SET
    item_id = excluded.item_id,
    type = excluded.type,
    subtype = excluded.subtype,
    name = excluded.name,
    code = excluded.code,
    balance = excluded.balance,
    amount = excluded.amount,
    value = excluded.value,
    quantity = excluded.quantity,
    currency_code = excluded.currency_code,
    date = excluded.date,
    due_date = excluded.due_date,
    status = excluded.status,
    raw = excluded.raw,
    synced_at = now()
  WHERE t.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS inserted`;

const UPSERT_TX = `
  INSERT INTO investment_transactions AS t (id, investment_id, item_id, type, movement_type, description,
    amount, net_amount, value, quantity, date, raw)
  SELECT u.id, $1, $2, u.type, u.movement_type, u.description, u.amount, u.net_amount, u.value,
    u.quantity, u.date, u.raw
  FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[],
    $9::numeric[], $10::numeric[], $11::timestamptz[], $12::jsonb[])
    AS u(id, type, movement_type, description, amount, net_amount, value, quantity, date, raw)
  ON CONFLICT (id) DO UPDATE SET
    investment_id = excluded.investment_id,
    item_id = excluded.item_id,
    type = excluded.type,
    movement_type = excluded.movement_type,
    description = excluded.description,
    amount = excluded.amount,
    net_amount = excluded.net_amount,
    value = excluded.value,
    quantity = excluded.quantity,
    date = excluded.date,
    raw = excluded.raw,
    synced_at = now()
  WHERE t.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS inserted`;

/** Batched upsert of an item's investments; identical rows are not written. */
export async function upsertInvestments(
  db: Db,
  itemId: string,
  rows: readonly PluggyInvestmentIn[],
): Promise<UpsertCounts> {
  return upsertInBatches(db, rows, UPSERT, (b) => [
    itemId,
    b.map((r) => r.id),
    b.map((r) => text(r.type)),
    b.map((r) => text(r.subtype)),
    b.map((r) => text(r.name)),
    b.map((r) => text(r.code)),
    b.map((r) => money(r.balance)),
    b.map((r) => money(r.amount)),
    b.map((r) => money(r.value)),
    b.map((r) => money(r.quantity)),
    b.map((r) => text(r.currencyCode)),
    b.map((r) => time(r.date)),
    b.map((r) => time(r.dueDate)),
    b.map((r) => text(r.status)),
    b.map((r) => json(r)),
  ]);
}

/** Batched upsert of one investment's movements (GET /investments/{id}/transactions). */
export async function upsertInvestmentTransactions(
  db: Db,
  itemId: string,
  investmentId: string,
  rows: readonly PluggyInvestmentTransactionIn[],
): Promise<UpsertCounts> {
  return upsertInBatches(db, rows, UPSERT_TX, (b) => [
    investmentId,
    itemId,
    b.map((r) => r.id),
    b.map((r) => text(r.type)),
    b.map((r) => text(r.movementType)),
    b.map((r) => text(r.description)),
    b.map((r) => money(r.amount)),
    b.map((r) => money(r.netAmount)),
    b.map((r) => money(r.value)),
    b.map((r) => money(r.quantity)),
    b.map((r) => time(r.date)),
    b.map((r) => json(r)),
  ]);
}

export async function listInvestmentsByItem(db: Db, itemId: string): Promise<InvestmentRow[]> {
  const res = await db.query<InvestmentRow>(
    `SELECT ${COLUMNS} FROM investments v WHERE v.item_id = $1 ORDER BY v.type, v.name, v.id`,
    [itemId],
  );
  return res.rows;
}

/** Every investment of a person's live items. */
export async function listInvestmentsByUser(db: Db, userId: string): Promise<InvestmentRow[]> {
  const res = await db.query<InvestmentRow>(
    `SELECT ${COLUMNS} FROM investments v JOIN items i ON i.id = v.item_id
     WHERE i.user_id = $1 AND i.deleted_at IS NULL ORDER BY v.item_id, v.type, v.name, v.id`,
    [userId],
  );
  return res.rows;
}

/** Newest first; `limit` 1–500 (default 100). */
export async function listInvestmentTransactions(
  db: Db,
  investmentId: string,
  opts: { limit?: number } = {},
): Promise<InvestmentTransactionRow[]> {
  const res = await db.query<InvestmentTransactionRow>(
    `SELECT ${TX_COLUMNS} FROM investment_transactions x WHERE x.investment_id = $1
     ORDER BY x.date DESC NULLS LAST, x.id DESC LIMIT $2`,
    [investmentId, clampLimit(opts.limit, 100, 500)],
  );
  return res.rows;
}

/** After a full investment list from Pluggy: removes the item's others (with their movements). */
export async function deleteInvestmentsNotIn(
  db: Db,
  itemId: string,
  keepIds: readonly string[],
): Promise<number> {
  const res = await db.query('DELETE FROM investments WHERE item_id = $1 AND NOT (id = ANY($2::text[]))', [
    itemId,
    [...keepIds],
  ]);
  return res.rowCount ?? 0;
}

/** After a complete movement list of one investment: removes the stored movements not in it. */
export async function deleteInvestmentTransactionsNotIn(
  db: Db,
  investmentId: string,
  keepIds: readonly string[],
): Promise<number> {
  const res = await db.query(
    'DELETE FROM investment_transactions WHERE investment_id = $1 AND NOT (id = ANY($2::text[]))',
    [investmentId, [...keepIds]],
  );
  return res.rowCount ?? 0;
}
